import { renderMtailProgram } from "../../../components/gatewayMetrics";
import { JOBS, renderPrometheusConfig } from "../../../components/monitoringPrometheus";
import { DEFAULT_GATEWAY_ROUTES } from "../../../components/nginxConfig";
import { COLOURS, recordOf } from "../../../components/platformNames";
import { Colour } from "../../../switch/plan";
import { Edge, EdgeWeights, startEdge } from "../../switch/support/edge";
import { ColourSite, startColour } from "../../switch/support/platform";
import { colourOutputs } from "../../switch/support/fakes";
import { RecordingTraffic } from "../../switch/support/trafficDouble";
import { instantQuery, loopbackJobs, MtailServer, PrometheusServer, startMtail, startPrometheus } from "./servers";

/**
 * Both colours on loopback as the cluster runs them: the real gateway nginx (with its metrics log)
 * and the real mtail sidecar with the rendered program in front of stub APIs, an edge splitting
 * traffic by the switch's weights, and each colour's real Prometheus scraping its own sidecar with
 * that colour's rendered scrape config (or, for the single-URL case, one scraping both).
 */

export interface ObservedColour extends ColourSite {
    readonly metrics: MtailServer;
}

/** The switch tests' colour (tests/switch/support/platform.ts) with its gateway writing the metrics log mtail tails. */
export async function startObservedColour(colour: Colour, release: string): Promise<ObservedColour> {
    const metrics = await startMtail(renderMtailProgram({ colour, release, routes: DEFAULT_GATEWAY_ROUTES }));
    return { ...await startColour(colour, release, { metricsLogPath: metrics.logFile }), metrics };
}

/**
 * `per-colour` is the cluster's shape: each colour's Prometheus, with that colour's rendered config,
 * scrapes only its own gateway. `shared` is one Prometheus scraping both (a single `--prometheus-url`).
 */
export type PrometheusShape = "per-colour" | "shared";

export interface ObservedPlatform {
    readonly sites: Readonly<Record<Colour, ObservedColour>>;
    readonly edge: Edge;
    /** The Prometheus that holds each colour's series: two processes, or one process twice when shared. */
    prometheus: Readonly<Record<Colour, PrometheusServer>>;
    /** Stops the running Prometheus processes and starts fresh ones, on new ports, in the given shape. */
    restartPrometheus(shape: PrometheusShape): Promise<void>;
    /** The switch's `--prometheus-url` for the running processes: `blue=…,green=…`, or the shared one's URL. */
    prometheusUrl(): string;
    traffic(): RecordingTraffic;
    stop(): Promise<void>;
}

/**
 * Each colour's own rendered config, its gateway job pointed at that colour's loopback sidecar
 * only; when shared, blue's rendered config pointed at both colours' sidecars.
 */
export function platformPrometheusConfig(sites: Record<Colour, ObservedColour>, scrapeInterval: string, colour: Colour, shape: PrometheusShape = "per-colour"): string {
    const rendered = renderPrometheusConfig({
        colour,
        targets: { gatewayMetricsHost: `${colour}-gateway-metrics.blkout.svc.cluster.local`, alertmanager: "alertmanager:9093" },
        scrapeInterval,
    });
    const scraped = shape === "shared" ? COLOURS : [colour];
    return loopbackJobs(rendered, { [JOBS.gateway]: scraped.map(c => `127.0.0.1:${sites[c].metrics.port}`) });
}

async function startShape(sites: Record<Colour, ObservedColour>, scrapeInterval: string, shape: PrometheusShape): Promise<Record<Colour, PrometheusServer>> {
    if (shape === "shared") {
        const shared = await startPrometheus(platformPrometheusConfig(sites, scrapeInterval, "blue", "shared"));
        return { blue: shared, green: shared };
    }
    const [blue, green] = await Promise.all(COLOURS.map(c => startPrometheus(platformPrometheusConfig(sites, scrapeInterval, c))));
    return { blue, green };
}

export async function startObservedPlatform(scrapeInterval = "1s", shape: PrometheusShape = "per-colour"): Promise<ObservedPlatform> {
    const [blue, green] = await Promise.all([startObservedColour("blue", "1.0.0"), startObservedColour("green", "1.1.0")]);
    const sites = { blue, green };
    const edge = await startEdge({ blue: blue.gateway.baseUrl, green: green.gateway.baseUrl }, { blue: 100, green: 0 });
    const stopPrometheus = () => Promise.all([...new Set(Object.values(platform.prometheus))].map(p => p.stop()));
    const platform: ObservedPlatform = {
        sites,
        edge,
        prometheus: await startShape(sites, scrapeInterval, shape),
        async restartPrometheus(next) {
            await stopPrometheus();
            platform.prometheus = await startShape(sites, scrapeInterval, next);
        },
        prometheusUrl: () => (platform.prometheus.blue === platform.prometheus.green
            ? platform.prometheus.blue.url
            : COLOURS.map(c => `${c}=${platform.prometheus[c].url}`).join(",")),
        traffic: () => new RecordingTraffic(new EdgeWeights(edge.url),
            recordOf(COLOURS, c => colourOutputs(c, sites[c].release, { gatewayOrigin: `127.0.0.1:${sites[c].gateway.port}` }))),
        async stop() {
            await edge.stop();
            await stopPrometheus();
            await Promise.all(COLOURS.flatMap(c => [sites[c].gateway.stop(), sites[c].metrics.stop(), ...Object.values(sites[c].apis).map(api => api.stop())]));
        },
    };
    return platform;
}

/** Sends `count` requests straight to a colour's gateway (a smoke test before the switch), so its series exist. */
export async function warmUp(site: ObservedColour, count = 10): Promise<void> {
    for (let i = 0; i < count; i++) {
        await fetch(`${site.gateway.baseUrl}/api/events`).then(r => r.arrayBuffer());
    }
}

/** Instant query against the test Prometheus; the first sample's value, or undefined when empty. */
export async function instantValue(prometheus: PrometheusServer, promql: string): Promise<number | undefined> {
    const raw = (await instantQuery(prometheus, promql))[0]?.value[1];
    return raw === undefined ? undefined : Number(raw);
}

/** Polls until `promql` has a value `accept` takes (bounded). */
export async function waitForValue(prometheus: PrometheusServer, promql: string, accept: (v: number) => boolean, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await instantValue(prometheus, promql);
        if (value !== undefined && accept(value)) return value;
        if (Date.now() > deadline) throw new Error(`${promql}: no acceptable value within ${timeoutMs} ms (last ${value})`);
        await new Promise(resolve => setTimeout(resolve, 250));
    }
}
