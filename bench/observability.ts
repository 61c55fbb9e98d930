import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requestRateQuery } from "../components/metricSeries";
import { openStore } from "../switch/wiring";
import { allEntries } from "../tests/switch/support/fakes";
import { startNginx } from "../tests/support/nginx";
import { LoadGenerator } from "../tests/switch/support/load";
import { FAST_FLAGS, runSwitch } from "../tests/switch/support/platform";
import { instantValue, ObservedPlatform, startObservedPlatform, warmUp } from "../tests/observability/support/observedPlatform";

/**
 * Figures for `npm run bench` (never assertions): the real metrics chain (nginx, mtail, and each
 * colour's own real Prometheus scraping its gateway every 5 s, as in the cluster) feeding the switch. Green's events API answers every request with
 * 500 at the 20 % step (20 % of green's requests fail); the seed's 2-minute error window is scaled
 * to 10 s. Reported: first failing request to the rollback decision, and how much of that is the
 * metrics pipeline (scrape interval, rate window) rather than the breach window itself.
 */

const SCRAPE_INTERVAL_S = 5;
const ERROR_WINDOW_S = 10;
const PATHS = ["/api/resources", "/api/chat", "/api/events", "/api/articles", "/api/categories"];

function flags(store: string, prometheusUrl: string): string[] {
    const f = [...FAST_FLAGS];
    const set = (flag: string, value: string) => { f[f.indexOf(flag) + 1] = value; };
    set("--window", "40s");
    set("--error-window", `${ERROR_WINDOW_S}s`);
    set("--interval", "1s");
    // Longer than a scrape, so a scrape still in flight is not "missing metrics".
    set("--metrics-grace", "15s");
    set("--p95-window", "30s");
    return ["to", "green", "--store", store, ...f, "--metrics", "prometheus", "--prometheus-url", prometheusUrl];
}

async function warm(platform: ObservedPlatform): Promise<void> {
    const greenRate = requestRateQuery({ match: { colour: "green" }, range: "1m" });
    for (let i = 0; i < 60 && !((await instantValue(platform.prometheus.green, greenRate)) ?? 0); i++) {
        await Promise.all([warmUp(platform.sites.green, 5), warmUp(platform.sites.blue, 5), new Promise(resolve => setTimeout(resolve, 1000))]);
    }
}

/** Mean ms per sequential request to a base URL. */
async function meanRequestMs(baseUrl: string, count: number): Promise<number> {
    const started = performance.now();
    for (let i = 0; i < count; i++) await fetch(`${baseUrl}/api/events`).then(r => r.arrayBuffer());
    return (performance.now() - started) / count;
}

/** The same gateway config with and without the metrics log, in alternating rounds (the machine is shared). */
async function metricsLogCost(platform: ObservedPlatform): Promise<{ withLog: number; without: number }> {
    const apis = platform.sites.blue.apis;
    const plain = await startNginx({
        upstreams: Object.fromEntries(Object.entries(apis).map(([api, stub]) => [api, { host: stub.host, port: stub.port }])),
        colour: "blue", release: "1.0.0", trustedProxyRanges: ["127.0.0.1"], rateLimitPerMinute: 1_000_000, rateLimitBurst: 100_000,
    });
    try {
        const rounds = { withLog: [] as number[], without: [] as number[] };
        for (let round = 0; round < 5; round++) {
            rounds.withLog.push(await meanRequestMs(platform.sites.blue.gateway.baseUrl, 100));
            rounds.without.push(await meanRequestMs(plain.baseUrl, 100));
        }
        const median = (values: number[]) => [...values].sort((a, b) => a - b)[2];
        return { withLog: median(rounds.withLog), without: median(rounds.without) };
    } finally {
        await plain.stop();
    }
}

export async function benchObservability(): Promise<Record<string, string | number>> {
    const platform = await startObservedPlatform(`${SCRAPE_INTERVAL_S}s`);
    const store = await mkdtemp(join(tmpdir(), "blkout-bench-observability-"));
    const load = new LoadGenerator(platform.edge.url, { paths: PATHS, maxDurationMs: 180_000, maxRequests: 100_000 });
    try {
        await warm(platform);
        const cost = await metricsLogCost(platform);
        platform.edge.onChange(w => { if (w.green === 20) platform.sites.green.apis.events.set({ status: 500 }); });
        load.start();
        const run = await runSwitch(flags(store, platform.prometheusUrl()), platform.traffic());
        const results = await load.stop();
        const firstFailure = Math.min(...results.filter(r => r.colour === "green" && (r.status ?? 0) >= 500).map(r => r.endedAt));
        const start = (await allEntries(openStore(store, {}, "/", Date.now).journal)).find(e => e.type === "rollback-start");
        if (!start || !Number.isFinite(firstFailure)) {
            return { "20 % errors to rollback": `no rollback (exit ${run.code}: ${run.stderr.trim()})` };
        }
        const decidedAt = Date.parse(start.at);
        const total = (decidedAt - firstFailure) / 1000;
        return {
            "scrape interval / switch rate window / error window (seed 2 min, scaled)": `${SCRAPE_INTERVAL_S} s / 1 m / ${ERROR_WINDOW_S} s`,
        "prometheus": `one per colour (--prometheus-url ${platform.prometheusUrl()})`,
            "first failing request (20 % errors) to rollback decision, s": Number(total.toFixed(2)),
            "of which the breach window, s": ERROR_WINDOW_S,
            "added by the metrics pipeline (scrapes, rate over 1 m reaching 5 %, sampling), s": Number((total - ERROR_WINDOW_S).toFixed(2)),
            "rollback reason": "reason" in start ? start.reason : "",
            "gateway request, ms (median of 5 rounds of 100): with the metrics log / without": `${cost.withLog.toFixed(2)} / ${cost.without.toFixed(2)}`,
        };
    } finally {
        await load.stop();
        await platform.stop();
        await rm(store, { recursive: true, force: true });
    }
}

if (require.main === module) {
    benchObservability().then(figures => {
        for (const [key, value] of Object.entries(figures)) process.stdout.write(`${key}: ${value}\n`);
    }, error => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
    });
}
