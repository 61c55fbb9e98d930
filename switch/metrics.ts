import { errorRateQuery, p95MsQuery, SERIES_LABELS } from "../components/metricSeries";
import { ColourUrls } from "./colourUrls";
import { Colour } from "./plan";
import { OriginResolver, percentile, probe, probeFailure } from "./probe";

/**
 * Error rate (0-1) and p95 latency of a colour's real traffic, as the source answered: `undefined`
 * when it had no value. A source that cannot answer throws. Either way, readings.ts decides what
 * is a measurement; anything else counts as missing.
 */
export interface MetricsReading {
    readonly errorRate: number | undefined;
    readonly p95Ms: number | undefined;
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
            p95Ms: percentile(kept.map(p => p.ms), 95),
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
    /**
     * Each colour's Prometheus base URL, e.g. "http://127.0.0.1:9091" (a port-forward to that
     * colour's cluster). Each scrapes only its own gateway, so a colour is asked only at its own.
     */
    readonly urls: ColourUrls;
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

/**
 * Production source: instant queries against each colour's own Prometheus HTTP API (`/api/v1/query`).
 * One colour's Prometheus down makes only that colour's reading throw: missing metrics, never "no traffic".
 */
export class PrometheusMetricsSource implements MetricsSource {
    readonly name = "prometheus";

    constructor(private readonly options: PrometheusOptions) {}

    async sample(colour: Colour): Promise<MetricsReading> {
        const queries = prometheusQueries(colour, this.options);
        const base = this.options.urls[colour];
        const [errorRate, p95Ms] = await Promise.all([this.query(base, queries.errorRate), this.query(base, queries.p95Ms)]);
        return { errorRate, p95Ms };
    }

    /** The single value of an instant vector, as a number (NaN, ±Infinity included); undefined when empty. */
    private async query(base: string, promql: string): Promise<number | undefined> {
        const url = new URL("api/v1/query", base.endsWith("/") ? base : `${base}/`);
        url.searchParams.set("query", promql);
        // An unreachable Prometheus is named, so a halt says which colour's is down.
        const response = await fetch(url, {
            headers: this.options.token ? { authorization: `Bearer ${this.options.token}` } : {},
            signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        }).catch((err: Error) => { throw new Error(`prometheus ${url.origin}: ${err.message}`); });
        const body = (await response.json().catch(() => ({}))) as InstantQueryBody;
        if (!response.ok || body.status !== "success" || body.data?.resultType !== "vector") {
            throw new Error(`prometheus ${url.origin}: ${body.error ?? `HTTP ${response.status}`}`);
        }
        const raw = body.data.result?.[0]?.value?.[1];
        // Prometheus writes infinities as "+Inf"/"-Inf", which Number() does not read.
        return raw === undefined ? undefined : raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
    }
}
