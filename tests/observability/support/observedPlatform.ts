import { renderMtailProgram } from "../../../components/gatewayMetrics";
import { renderPrometheusConfig } from "../../../components/monitoringPrometheus";
import { DEFAULT_GATEWAY_ROUTES } from "../../../components/nginxConfig";
import { COLOURS, recordOf } from "../../../components/platformNames";
import { Colour } from "../../../switch/plan";
import { Edge, EdgeWeights, startEdge } from "../../switch/support/edge";
import { ColourSite, startColour } from "../../switch/support/platform";
import { colourOutputs } from "../../switch/support/fakes";
import { RecordingTraffic } from "../../switch/support/trafficDouble";
import { loopbackPrometheusConfig, MtailServer, PrometheusServer, startMtail, startPrometheus } from "./servers";

/**
 * Both colours on loopback as the cluster runs them: the real gateway nginx (with its metrics log)
 * and the real mtail sidecar with the rendered program in front of stub APIs, an edge splitting
 * traffic by the switch's weights, and a real Prometheus scraping both sidecars with the rendered
 * scrape config.
 */

export interface ObservedColour extends ColourSite {
    readonly metrics: MtailServer;
}

/** The switch tests' colour (tests/switch/support/platform.ts) with its gateway writing the metrics log mtail tails. */
export async function startObservedColour(colour: Colour, release: string): Promise<ObservedColour> {
    const metrics = await startMtail(renderMtailProgram({ colour, release, routes: DEFAULT_GATEWAY_ROUTES }));
    return { ...await startColour(colour, release, { metricsLogPath: metrics.logFile }), metrics };
}

export interface ObservedPlatform {
    readonly sites: Readonly<Record<Colour, ObservedColour>>;
    readonly edge: Edge;
    prometheus: PrometheusServer;
    /** Starts Prometheus again on a new port (after `prometheus.stop()`). */
    restartPrometheus(): Promise<PrometheusServer>;
    traffic(): RecordingTraffic;
    stop(): Promise<void>;
}

/** The rendered config of the blue colour, its gateway job pointed at both loopback sidecars. */
export function platformPrometheusConfig(sites: Record<Colour, ObservedColour>, scrapeInterval: string): string {
    const rendered = renderPrometheusConfig({
        colour: "blue",
        targets: { gatewayMetricsHost: "blue-gateway-metrics.blkout.svc.cluster.local", alertmanager: "alertmanager:9093" },
        scrapeInterval,
    });
    return loopbackPrometheusConfig(rendered, COLOURS.map(c => `127.0.0.1:${sites[c].metrics.port}`));
}

export async function startObservedPlatform(scrapeInterval = "1s"): Promise<ObservedPlatform> {
    const [blue, green] = await Promise.all([startObservedColour("blue", "1.0.0"), startObservedColour("green", "1.1.0")]);
    const sites = { blue, green };
    const edge = await startEdge({ blue: blue.gateway.baseUrl, green: green.gateway.baseUrl }, { blue: 100, green: 0 });
    const config = platformPrometheusConfig(sites, scrapeInterval);
    const platform: ObservedPlatform = {
        sites,
        edge,
        prometheus: await startPrometheus(config),
        async restartPrometheus() {
            platform.prometheus = await startPrometheus(config);
            return platform.prometheus;
        },
        traffic: () => new RecordingTraffic(new EdgeWeights(edge.url),
            recordOf(COLOURS, c => colourOutputs(c, sites[c].release, { gatewayOrigin: `127.0.0.1:${sites[c].gateway.port}` }))),
        async stop() {
            await edge.stop();
            await platform.prometheus.stop();
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
    const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`;
    const body = await (await fetch(url)).json() as { status: string; data: { result: { value: [number, string] }[] }; error?: string };
    if (body.status !== "success") throw new Error(`query ${promql}: ${body.error}`);
    const raw = body.data.result[0]?.value[1];
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
