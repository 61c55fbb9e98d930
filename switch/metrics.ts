import { errorRateQuery, p95MsQuery, SERIES_LABELS } from "../components/metricSeries";
import { Sample } from "./gates";
import { HealthSource } from "./health";
import { Colour } from "./plan";
import { OriginResolver, percentile, probe, probeFailure } from "./probe";

/**
 * Error rate (0-1) and p95 latency of a colour's real traffic. `null`: no traffic to judge.
 * A source that cannot answer throws; the gate then counts the metrics as missing.
 */
export interface MetricsReading {
    readonly errorRate: number | null;
    readonly p95Ms: number | null;
}

export interface MetricsSource {
    readonly name: string;
    sample(colour: Colour): Promise<MetricsReading>;
}

/** One read API route per API: cheap GETs every release serves. */
export const DEFAULT_PROBE_PATHS: readonly string[] = Object.freeze(["/api/resources", "/api/events", "/api/articles"]);

export interface SyntheticProbeOptions {
    readonly origin: OriginResolver;
    /** @default DEFAULT_PROBE_PATHS */
    readonly paths?: readonly string[];
    /** Probes older than this no longer count. @default 30000 */
    readonly windowMs?: number;
    /** @default 5000 */
    readonly timeoutMs?: number;
    readonly now?: () => number;
}

/**
 * Works anywhere: probes a colour's gateway directly and computes error rate and p95 over its own
 * recent probes. A 5xx, a timeout or an answer from the other colour counts as an error.
 */
export class SyntheticProbeSource implements MetricsSource {
    readonly name = "synthetic probes";
    private readonly history = new Map<Colour, { at: number; ms: number; failed: boolean }[]>();

    constructor(private readonly options: SyntheticProbeOptions) {}

    async sample(colour: Colour): Promise<MetricsReading> {
        const now = this.options.now ?? Date.now;
        const base = await this.options.origin(colour);
        const paths = this.options.paths ?? DEFAULT_PROBE_PATHS;
        const results = await Promise.all(paths.map(path => probe(base, path, { timeoutMs: this.options.timeoutMs })));
        const at = now();
        const kept = (this.history.get(colour) ?? []).filter(p => at - p.at < (this.options.windowMs ?? 30_000));
        kept.push(...results.map(r => ({ at, ms: r.ms, failed: probeFailure(r, colour, status => status < 500) !== undefined })));
        this.history.set(colour, kept);
        return {
            errorRate: kept.filter(p => p.failed).length / kept.length,
            p95Ms: percentile(kept.map(p => p.ms), 95) ?? null,
        };
    }
}

/** The queries read the series the gateways' metrics sidecars export (`components/metricSeries.ts`). */
export interface PrometheusQueryOptions {
    /** Rate window: short, because the gate itself decides what "sustained" means. @default "1m" */
    readonly range?: string;
}

export function prometheusQueries(colour: Colour, o: PrometheusQueryOptions = {}): { errorRate: string; p95Ms: string } {
    const scope = { match: { [SERIES_LABELS.colour]: colour }, range: o.range ?? "1m" };
    return { errorRate: errorRateQuery(scope), p95Ms: p95MsQuery(scope) };
}

export interface PrometheusOptions extends PrometheusQueryOptions {
    /** Base URL, e.g. "http://prometheus.monitoring:9090". */
    readonly url: string;
    /** Sent as a bearer token when set; never logged. */
    readonly token?: string;
    /** @default 10000 */
    readonly timeoutMs?: number;
}

interface InstantQueryBody {
    status?: string;
    error?: string;
    data?: { resultType?: string; result?: { value?: [number, string] }[] };
}

/** Production source: instant queries against the Prometheus HTTP API (`/api/v1/query`). */
export class PrometheusMetricsSource implements MetricsSource {
    readonly name = "prometheus";

    constructor(private readonly options: PrometheusOptions) {}

    async sample(colour: Colour): Promise<MetricsReading> {
        const queries = prometheusQueries(colour, this.options);
        const [errorRate, p95Ms] = await Promise.all([this.query(queries.errorRate), this.query(queries.p95Ms)]);
        return { errorRate, p95Ms };
    }

    /** The single value of an instant vector; null when there is no series or 0/0 (no traffic). */
    private async query(promql: string): Promise<number | null> {
        const url = new URL("api/v1/query", this.options.url.endsWith("/") ? this.options.url : `${this.options.url}/`);
        url.searchParams.set("query", promql);
        const response = await fetch(url, {
            headers: this.options.token ? { authorization: `Bearer ${this.options.token}` } : {},
            signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        const body = (await response.json().catch(() => ({}))) as InstantQueryBody;
        if (!response.ok || body.status !== "success" || body.data?.resultType !== "vector") {
            throw new Error(`prometheus ${url.origin}: ${body.error ?? `HTTP ${response.status}`}`);
        }
        const raw = body.data.result?.[0]?.value?.[1];
        // A quantile in the top bucket comes back as "+Inf": a real (and bad) latency, not a gap.
        const value = raw === undefined ? NaN : raw === "+Inf" ? Infinity : Number(raw);
        return Number.isNaN(value) ? null : value;
    }
}

/** Health and metrics of one colour, read together; a source that fails is recorded as missing. */
export async function sampleColour(colour: Colour, health: HealthSource, metrics: MetricsSource, now: () => number): Promise<Sample> {
    const [healthReading, metricsReading] = await Promise.all([
        health.check(colour),
        metrics.sample(colour).then(reading => ({ reading, error: undefined }), (err: Error) => ({ reading: undefined, error: err.message })),
    ]);
    return {
        at: now(),
        colour,
        healthy: healthReading.healthy,
        healthFailures: healthReading.failures,
        errorRate: metricsReading.reading?.errorRate,
        p95Ms: metricsReading.reading?.p95Ms,
        missing: [...healthReading.missing, ...(metricsReading.error ? [`${metrics.name}: ${metricsReading.error}`] : [])],
    };
}
