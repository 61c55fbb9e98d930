import { DURATION_BUCKETS_SECONDS, errorRateQuery, GATEWAY_DURATION, GATEWAY_REQUESTS, p95MsQuery } from "../../components/metricSeries";
import { startObservedColour, ObservedColour, waitForValue } from "./support/observedPlatform";
import { loopbackJobs, PrometheusServer, startMtail, startPrometheus } from "./support/servers";
import { stat } from "node:fs/promises";
import { renderMtailProgram } from "../../components/gatewayMetrics";
import { DEFAULT_GATEWAY_ROUTES } from "../../components/nginxConfig";
import { startNginx } from "../support/nginx";
import { JOBS, renderPrometheusConfig } from "../../components/monitoringPrometheus";
import { dashboardPanels } from "../../components/monitoringDashboards";

/**
 * The metrics chain on real servers: requests through the real gateway nginx, its metrics log to
 * the real mtail running the rendered program, scraped by a real Prometheus with the rendered config.
 */
let site: ObservedColour;
let prometheus: PrometheusServer;

beforeAll(async () => {
    site = await startObservedColour("green", "1.1.0");
    const rendered = renderPrometheusConfig({ colour: "green", targets: { gatewayMetricsHost: "green-gateway-metrics.blkout.svc.cluster.local", alertmanager: "alertmanager:9093" }, scrapeInterval: "1s" });
    prometheus = await startPrometheus(loopbackJobs(rendered, { [JOBS.gateway]: [`127.0.0.1:${site.metrics.port}`] }));
});
afterAll(async () => {
    await prometheus?.stop();
    await site?.gateway.stop();
    await site?.metrics.stop();
});

const get = (path: string, init?: RequestInit) => fetch(`${site.gateway.baseUrl}${path}`, init).then(async r => { await r.arrayBuffer(); return r.status; });

async function metricsText(): Promise<string> {
    return (await fetch(`${site.metrics.url}/metrics`)).text();
}

async function sampleOf(series: string, labels: string): Promise<number | undefined> {
    const line = (await metricsText()).split("\n").find(l => l.startsWith(`${series}{`) && labels.split(",").every(part => l.includes(part)));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

async function eventually<T>(read: () => Promise<T>, accept: (v: T) => boolean): Promise<T> {
    let value = await read();
    for (let i = 0; i < 100 && !accept(value); i++) {
        await new Promise(resolve => setTimeout(resolve, 50));
        value = await read();
    }
    return value;
}

beforeEach(() => Object.values(site.apis).forEach(api => api.set({ status: 200, latencyMs: 0, healthy: true })));

describe("the gateway's metrics sidecar", () => {
    it("counts API requests by colour, release, API, method and status class", async () => {
        site.set({ status: 200, latencyMs: 0 });
        expect(await get("/api/chat")).toBe(200);
        expect(await get("/api/resources/42?x=1")).toBe(200);
        site.apis.events.set({ status: 503 });
        expect(await get("/api/events/today")).toBe(503);
        expect(await get("/api/articles", { method: "POST", body: "{}" })).toBe(200);
        const ivor = 'colour="green",release="1.1.0",api="ivor",method="GET",status_class="2xx"';
        // Datagrams are read in order: once the last request shows, the earlier ones have been counted.
        expect(await eventually(() => sampleOf(GATEWAY_REQUESTS, 'api="newsroom",method="POST",status_class="2xx"'), v => v === 1)).toBe(1);
        expect(await sampleOf(GATEWAY_REQUESTS, ivor)).toBe(2);
        expect(await sampleOf(GATEWAY_REQUESTS, 'api="events",method="GET",status_class="5xx"')).toBe(1);
    });

    it("leaves health checks, unknown paths and look-alike prefixes out of users' traffic", async () => {
        const before = await metricsText();
        expect(await get("/healthz")).toBe(200);
        expect(await get("/health/ivor")).toBe(200);
        expect(await get("/nope")).toBe(404);
        expect(await get("/api/chatter")).toBe(404);
        // A counted request after them: once it shows, the ones before it have been read too.
        expect(await get("/api/calendar")).toBe(200);
        expect(await eventually(() => sampleOf(GATEWAY_REQUESTS, 'api="events",method="GET",status_class="2xx"'), v => v === 1)).toBe(1);
        const after = await metricsText();
        const total = (text: string) => text.split("\n").filter(l => l.startsWith(`${GATEWAY_REQUESTS}{`)).reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
        expect(total(after) - total(before)).toBe(1);
    });

    it("records request time in the seeds' buckets", async () => {
        site.apis.newsroom.set({ latencyMs: 700 });
        expect(await get("/api/categories")).toBe(200);
        const bucket = (le: string) => sampleOf(`${GATEWAY_DURATION}_bucket`, `api="newsroom",le="${le}"`);
        expect(await eventually(() => bucket("1"), v => (v ?? 0) >= 2)).toBe(2);
        expect(await bucket("0.5")).toBe(1);
        const les = (await metricsText()).split("\n").filter(l => l.startsWith(`${GATEWAY_DURATION}_bucket{`) && l.includes('api="newsroom"'))
            .map(l => /le="([^"]+)"/.exec(l)?.[1]);
        expect(les).toEqual([...DURATION_BUCKETS_SECONDS.map(String), "+Inf"]);
    });

    it("is scraped by Prometheus with the rendered config, and the switch's queries compute over it", async () => {
        expect(await waitForValue(prometheus, 'up{job="gateway"}', v => v === 1)).toBe(1);
        site.apis.ivor.set({ status: 500 });
        // Spread over a few scrapes: a rate needs two samples that differ.
        for (let i = 0; i < 30; i++) {
            await get(i % 4 === 0 ? "/api/chat" : "/api/events");
            await new Promise(resolve => setTimeout(resolve, 100));
        }
        const scope = { match: { colour: "green" }, range: "1m" };
        const rate = await waitForValue(prometheus, errorRateQuery(scope), v => v > 0);
        expect(rate).toBeGreaterThan(0.05);
        expect(rate).toBeLessThan(0.6);
        expect(await waitForValue(prometheus, p95MsQuery(scope), v => v > 0)).toBeLessThan(1000);
        // Every dashboard query on the gateway's series answers from the real Prometheus (only green runs here).
        const panels = dashboardPanels("green").flatMap(p => p.targets.map(t => t.expr)).filter(e => e.includes("blkout_gateway") && !e.includes('colour="blue"'));
        // Request rate, error rate and p95 (traffic share reads the switch's weights, not these series).
        expect(panels.length).toBeGreaterThanOrEqual(5);
        for (const expr of panels) {
            expect(await waitForValue(prometheus, expr.replaceAll("$__rate_interval", "1m"), v => Number.isFinite(v))).toBeGreaterThanOrEqual(0);
        }
    });
});

describe("the metrics log on its emptyDir", () => {
    it("is emptied in place past its cap while mtail keeps counting from the start of the file", async () => {
        // Each line is about 70 bytes: 30 stay under the cap, 70 pass it.
        const trimmed = await startMtail(renderMtailProgram({ colour: "green", release: "1.1.0", routes: DEFAULT_GATEWAY_ROUTES }), { capBytes: 4000, trimEverySeconds: 1 });
        const gateway = await startNginx({
            upstreams: { ivor: { host: site.apis.ivor.host, port: site.apis.ivor.port }, events: { host: site.apis.events.host, port: site.apis.events.port }, newsroom: { host: site.apis.newsroom.host, port: site.apis.newsroom.port } },
            colour: "green", release: "1.1.0", trustedProxyRanges: ["127.0.0.1"], rateLimitPerMinute: 1_000_000, metricsLogPath: trimmed.logFile,
        });
        try {
            const count = async () => {
                const line = (await (await fetch(`${trimmed.url}/metrics`)).text()).split("\n").find(l => l.startsWith(`${GATEWAY_REQUESTS}{`) && l.includes('api="ivor"'));
                return line ? Number(line.split(" ").pop()) : 0;
            };
            const send = async (n: number) => { for (let i = 0; i < n; i++) await fetch(`${gateway.baseUrl}/api/chat`).then(r => r.arrayBuffer()); };
            /** The count once mtail has read everything written so far (two equal readings a second apart). */
            const settled = async () => {
                let last = -1;
                let now = await count();
                for (let i = 0; i < 20 && now !== last; i++) {
                    await new Promise(resolve => setTimeout(resolve, 1000));
                    [last, now] = [now, await count()];
                }
                return now;
            };
            await send(30);
            expect(await eventually(count, v => v === 30)).toBe(30);
            await send(40);
            // 70 lines untrimmed are about 4800 bytes: below the cap means the file was emptied (lines after that stay).
            expect(await eventually(async () => (await stat(trimmed.logFile)).size, size => size < 4000)).toBeLessThan(4000);
            // Lines written in the poll during which the file was emptied may be lost (docs/observability.md);
            // the counter never goes back to zero, and mtail goes on reading the emptied file from its start.
            const afterTrim = await settled();
            expect(afterTrim).toBeGreaterThanOrEqual(30);
            expect(afterTrim).toBeLessThanOrEqual(70);
            await send(5);
            expect(await eventually(count, v => v === afterTrim + 5)).toBe(afterTrim + 5);
        } finally {
            await gateway.stop();
            await trimmed.stop();
        }
    });
});
