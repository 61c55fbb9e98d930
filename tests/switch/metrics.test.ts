import { ServerResponse } from "node:http";
import { CloudflarePoolHealth, OriginHealthProbe } from "../../switch/health";
import { PrometheusMetricsSource, prometheusQueries, SyntheticProbeSource } from "../../switch/metrics";
import { sampleColour } from "../../switch/readings";
import { Colour } from "../../switch/plan";
import { FakeServer, json, SeenRequest, startFakeServer } from "./support/httpFake";
import { ColourSite, startColour } from "./support/platform";

const both = (url: string) => ({ blue: url, green: url });

describe("PrometheusMetricsSource against a fake Prometheus on loopback", () => {
    let answer: (req: SeenRequest, res: ServerResponse) => void;
    let prometheus: FakeServer;
    beforeAll(async () => { prometheus = await startFakeServer((req, res) => answer(req, res)); });
    afterAll(() => prometheus.close());
    const vector = (value?: string) => (_req: SeenRequest, res: ServerResponse) =>
        json(res, 200, { status: "success", data: { resultType: "vector", result: value === undefined ? [] : [{ metric: {}, value: [1717243200, value] }] } });

    it("builds the error-rate and p95 queries for the colour and sends them to /api/v1/query with the token", async () => {
        answer = (req, res) => vector(req.url.searchParams.get("query")!.startsWith("histogram_quantile") ? "812.5" : "0.031")(req, res);
        const source = new PrometheusMetricsSource({ urls: both(`${prometheus.url}/prom/`), token: "t0ken", range: "2m" });
        expect(await source.sample("green")).toEqual({ errorRate: 0.031, p95Ms: 812.5 });
        const seen = prometheus.requests.slice(-2);
        expect(seen.map(r => r.url.pathname)).toEqual(["/prom/api/v1/query", "/prom/api/v1/query"]);
        expect(seen.map(r => r.url.searchParams.get("query"))).toEqual([
            'sum (rate(blkout_gateway_requests_total{colour="green",status_class="5xx"}[2m]) or rate(blkout_gateway_requests_total{colour="green"}[2m]) * 0) / sum (rate(blkout_gateway_requests_total{colour="green"}[2m]))',
            'histogram_quantile(0.95, sum by (le) (rate(blkout_gateway_request_duration_seconds_bucket{colour="green"}[2m]))) * 1000',
        ]);
        expect(seen.every(r => r.headers.authorization === "Bearer t0ken")).toBe(true);
    });

    it("queries the series the gateways' metrics sidecars export, over a 1m window by default", () => {
        expect(prometheusQueries("blue").errorRate)
            .toBe('sum (rate(blkout_gateway_requests_total{colour="blue",status_class="5xx"}[1m]) or rate(blkout_gateway_requests_total{colour="blue"}[1m]) * 0) / sum (rate(blkout_gateway_requests_total{colour="blue"}[1m]))');
    });

    it.each([
        ["no series (an empty vector)", undefined, "error rate: no data (empty answer); p95: no data (empty answer)"],
        ["NaN (0/0: no requests)", "NaN", "error rate: not a number (NaN); p95: not a number (NaN)"],
        ["+Inf (a quantile past the top bucket)", "+Inf", "error rate: infinite (Infinity); p95: infinite (Infinity)"],
        ["a negative rate (a counter reset)", "-0.2", "error rate: impossible value -0.2; p95: impossible value -0.2"],
    ])("counts %s as missing data, never as a healthy reading", async (_what, value, problems) => {
        answer = vector(value);
        const source = new PrometheusMetricsSource({ urls: both(prometheus.url) });
        const sample = await sampleColour("green", { check: async () => ({ healthy: true, failures: [], missing: [] }) }, source, () => 7);
        expect(sample).toMatchObject({ at: 7, errorRate: undefined, p95Ms: undefined, missing: [`prometheus: ${problems}`] });
    });

    it("counts a 500 as missing, naming the status", async () => {
        answer = (_req, res) => { res.writeHead(500, { "content-type": "text/html" }); res.end("<h1>Internal Server Error</h1>"); };
        const sample = await sampleColour("green", { check: async () => ({ healthy: true, failures: [], missing: [] }) }, new PrometheusMetricsSource({ urls: both(prometheus.url) }), () => 1);
        expect(sample).toMatchObject({ errorRate: undefined, p95Ms: undefined, missing: [`prometheus: prometheus ${prometheus.url}: HTTP 500`] });
    });

    it("counts an answer slower than its timeout as missing", async () => {
        answer = (req, res) => { setTimeout(() => vector("0.01")(req, res), 600); };
        const source = new PrometheusMetricsSource({ urls: both(prometheus.url), timeoutMs: 150 });
        const sample = await sampleColour("green", { check: async () => ({ healthy: true, failures: [], missing: [] }) }, source, () => 1);
        expect(sample.missing).toEqual([expect.stringMatching(/^prometheus: .*(abort|timeout|TimeoutError)/i)]);
        expect(sample.errorRate).toBeUndefined();
    });

    it("fails with Prometheus's own error, which the sampler records as missing metrics", async () => {
        answer = (_req, res) => json(res, 400, { status: "error", errorType: "bad_data", error: "parse error at char 4" });
        const source = new PrometheusMetricsSource({ urls: both(prometheus.url) });
        await expect(source.sample("blue")).rejects.toThrow(`prometheus ${prometheus.url}: parse error at char 4`);
        const health = { check: async () => ({ healthy: true, failures: [], missing: [] }) };
        const sample = await sampleColour("blue", health, source, () => 5);
        expect(sample).toMatchObject({ at: 5, healthy: true, errorRate: undefined, p95Ms: undefined, missing: [`prometheus: prometheus ${prometheus.url}: parse error at char 4`] });
    });
});

describe("PrometheusMetricsSource with each colour's own Prometheus", () => {
    const answering = (value: string) => startFakeServer((_req, res) => json(res, 200, { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1717243200, value] }] } }));

    it("asks each colour's Prometheus about its own colour only", async () => {
        const [blue, green] = await Promise.all([answering("0.002"), answering("0.04")]);
        try {
            const source = new PrometheusMetricsSource({ urls: { blue: blue.url, green: green.url } });
            expect(await source.sample("green")).toEqual({ errorRate: 0.04, p95Ms: 0.04 });
            expect(await source.sample("blue")).toEqual({ errorRate: 0.002, p95Ms: 0.002 });
            const colourIn = (server: FakeServer) => [...new Set(server.requests.map(r => /colour="(\w+)"/.exec(r.url.searchParams.get("query") ?? "")?.[1]))];
            expect([colourIn(blue), colourIn(green)]).toEqual([["blue"], ["green"]]);
        } finally {
            await Promise.all([blue.close(), green.close()]);
        }
    });

    it("counts green as missing when only green's Prometheus is down, and still reads blue", async () => {
        const blue = await answering("0.002");
        const gone = await startFakeServer(() => undefined);
        await gone.close();
        try {
            const source = new PrometheusMetricsSource({ urls: { blue: blue.url, green: gone.url } });
            const health = { check: async () => ({ healthy: true, failures: [], missing: [] }) };
            const [blueSample, greenSample] = await Promise.all([sampleColour("blue", health, source, () => 3), sampleColour("green", health, source, () => 3)]);
            expect(blueSample).toMatchObject({ errorRate: 0.002, missing: [] });
            expect(greenSample).toMatchObject({ errorRate: undefined, p95Ms: undefined, missing: [`prometheus: prometheus ${gone.url}: fetch failed`] });
        } finally {
            await blue.close();
        }
    });
});

describe("CloudflarePoolHealth against a fake Cloudflare API", () => {
    it("asks for the colour's pool and reports the regions where it is unhealthy", async () => {
        const cloudflare = await startFakeServer((_req, res) => json(res, 200, {
            success: true,
            result: { pool_id: "p", pop_health: {
                "Amsterdam, NL": { healthy: true, origins: [{ "203.0.113.7": { healthy: true, failure_reason: "No failures" } }] },
                "London, GB": { healthy: false, origins: [{ "203.0.113.7": { healthy: false, failure_reason: "HTTP timeout occurred" } }] },
            } },
        }));
        try {
            const pools = new CloudflarePoolHealth({ accountId: "acc", apiToken: "cf-token", baseUrl: cloudflare.url, poolId: async c => `${c}-pool` });
            expect(await pools.poolHealth("green")).toEqual({ healthy: false, failures: ["cloudflare pool green unhealthy in London, GB: 203.0.113.7 HTTP timeout occurred"] });
            expect(cloudflare.requests[0].url.pathname).toBe("/accounts/acc/load_balancers/pools/green-pool/health");
            expect(cloudflare.requests[0].headers.authorization).toBe("Bearer cf-token");
        } finally {
            await cloudflare.close();
        }
    });
});

describe("probing real gateways on loopback", () => {
    let blue: ColourSite;
    let green: ColourSite;
    beforeAll(async () => { [blue, green] = await Promise.all([startColour("blue", "2.0.0"), startColour("green", "2.1.0")]); });
    afterEach(() => [blue, green].forEach(site => site.set({ healthy: true, status: 200, latencyMs: 0 })));
    const origin = (map: Record<Colour, ColourSite>) => async (colour: Colour) => map[colour].gateway.baseUrl;

    it("finds both colours healthy through the gateway's own and per-API health routes", async () => {
        const probe = new OriginHealthProbe({ origin: origin({ blue, green }) });
        expect(await probe.check("green")).toEqual({ healthy: true, failures: [], missing: [] });
        expect(green.apis.newsroom.requests.some(r => r.path === "/health")).toBe(true);
    });

    it("names the API whose health route fails", async () => {
        green.apis.events.set({ healthy: false });
        const reading = await new OriginHealthProbe({ origin: origin({ blue, green }) }).check("green");
        expect(reading).toEqual({ healthy: false, failures: ["/health/events answered 503"], missing: [] });
    });

    it("fails a colour whose origin answers as the other colour (miswired)", async () => {
        const reading = await new OriginHealthProbe({ origin: origin({ blue, green: blue }) }).check("green");
        expect(reading.failures).toContain('/healthz answered as colour "blue", expected green');
    });

    it("records an unreadable pool health as missing, not as unhealthy", async () => {
        const pool = { poolHealth: async () => { throw new Error("HTTP 403"); } };
        const reading = await new OriginHealthProbe({ origin: origin({ blue, green }), pool }).check("blue");
        expect(reading).toEqual({ healthy: true, failures: [], missing: ["cloudflare pool health: HTTP 403"] });
    });

    it("computes error rate and p95 from its own probes over a rolling window", async () => {
        let now = 0;
        const source = new SyntheticProbeSource({ origin: origin({ blue, green }), windowMs: 10_000, now: () => now });
        expect(await source.sample("green")).toEqual({ errorRate: 0, p95Ms: expect.any(Number) });
        green.set({ status: 502, latencyMs: 250 });
        now = 5000;
        const mixed = await source.sample("green");
        expect(mixed.errorRate).toBe(0.5);
        expect(mixed.p95Ms).toBeGreaterThanOrEqual(250);
        green.set({ status: 200, latencyMs: 0 });
        now = 12_000;
        // The first sample has left the window; the failing one has not.
        expect((await source.sample("green")).errorRate).toBe(0.5);
        now = 16_000;
        expect(await source.sample("green")).toEqual({ errorRate: 0, p95Ms: expect.any(Number) });
    });
});
