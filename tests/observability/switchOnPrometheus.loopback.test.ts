import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JournalEntry } from "../../switch/journal";
import { openStore } from "../../switch/wiring";
import { allEntries } from "../switch/support/fakes";
import { failed, LoadGenerator } from "../switch/support/load";
import { FAST_FLAGS, runSwitch } from "../switch/support/platform";
import { requestRateQuery } from "../../components/metricSeries";
import { COLOURS } from "../../components/platformNames";
import { ObservedPlatform, PrometheusShape, instantValue, startObservedPlatform, warmUp } from "./support/observedPlatform";

/**
 * The switch with its Prometheus source against real Prometheus processes that scrape the real
 * gateways' mtail sidecars: every gate decision here is computed by real PromQL over real requests.
 * As in the cluster, each colour has its own Prometheus, with that colour's rendered config, scraping
 * only its own gateway, and the switch is given `blue=…,green=…`; one scenario keeps a single
 * Prometheus for both colours (one URL, as before per-colour URLs).
 */

/** Five read routes, one per path, so one failing API is exactly 20 % of the requests. */
const PATHS = ["/api/resources", "/api/chat", "/api/events", "/api/articles", "/api/categories"];

jest.setTimeout(90_000);

let platform: ObservedPlatform;
let store: string;
let load: LoadGenerator;

/** What to do the first time the edge gives green 20 % in the current test. */
let atTwenty: (() => unknown) | undefined;

beforeAll(async () => {
    platform = await startObservedPlatform("1s");
    platform.edge.onChange(w => {
        const act = atTwenty;
        if (w.green === 20 && act) { atTwenty = undefined; void act(); }
    });
});
afterAll(() => platform?.stop());
beforeEach(async () => {
    store = await mkdtemp(join(tmpdir(), "blkout-observed-switch-"));
    for (const site of Object.values(platform.sites)) site.set({ status: 200, latencyMs: 0, healthy: true });
    platform.edge.set({ blue: 100, green: 0 });
    atTwenty = undefined;
    load = new LoadGenerator(platform.edge.url, { paths: PATHS, maxDurationMs: 60_000, maxRequests: 30_000 });
});

/**
 * Fresh Prometheus processes per scenario, in the given shape: the 1 m rate window must not carry
 * the last scenario's faults. Then a smoke test against both colours before the switch, as the
 * deploy does, so their series exist from the start: rates need two scrapes that saw requests, so
 * it keeps going until each colour's Prometheus shows its colour's (the preflight asks about both).
 */
async function freshPrometheus(shape: PrometheusShape): Promise<void> {
    await platform.restartPrometheus(shape);
    const bothShow = async () => (await Promise.all(COLOURS.map(colour => instantValue(platform.prometheus[colour], rate(colour))))).every(value => (value ?? 0) > 0);
    for (let i = 0; i < 40 && !(await bothShow()); i++) {
        await Promise.all([warmUp(platform.sites.green, 5), warmUp(platform.sites.blue, 5), new Promise(resolve => setTimeout(resolve, 500))]);
    }
}
const rate = (colour: "blue" | "green") => requestRateQuery({ match: { colour }, range: "1m" });
afterEach(async () => {
    await load.stop();
    await rm(store, { recursive: true, force: true });
});

/**
 * The seeds' gates scaled down (breaches sustained 1 s, sampled every 200 ms; metrics may be missing
 * 3 s), with steps long enough for scrapes and the switch's 1 m rate window to see each one.
 */
function toGreen(stepWindow = "3s"): ReturnType<typeof runSwitch> {
    const flags = [...FAST_FLAGS];
    flags[flags.indexOf("--metrics-grace") + 1] = "3s";
    flags[flags.indexOf("--window") + 1] = stepWindow;
    return runSwitch(["to", "green", "--store", store, ...flags, "--metrics", "prometheus", "--prometheus-url", platform.prometheusUrl()], platform.traffic());
}

const journal = () => allEntries(openStore(store, {}, "/", Date.now).journal);
const greenShares = () => platform.edge.changes.map(c => c.weights.green);
function whenGreenAtTwenty(act: () => unknown): void {
    atTwenty = act;
}

describe("the switch gated by each colour's own real Prometheus", () => {
    it("completes a healthy switch with no failed request, each colour read at its own Prometheus", async () => {
        await freshPrometheus("per-colour");
        const before = platform.edge.changes.length;
        load.start();
        const run = await toGreen();
        const results = await load.stop();
        expect(run).toMatchObject({ code: 0, stderr: "" });
        expect(greenShares().slice(before)).toEqual([5, 20, 50, 100]);
        expect(results.length).toBeGreaterThan(50);
        expect(results.filter(failed)).toEqual([]);
        const gates = (await journal()).filter(e => e.type === "gate");
        expect(gates.length).toBeGreaterThanOrEqual(4);
        expect((await journal()).find(e => e.type === "start")).toMatchObject({
            metrics: { kind: "prometheus", urls: { blue: platform.prometheus.blue.url, green: platform.prometheus.green.url } },
        });
        // Each sees only its own gateway (green took traffic, blue served it all along): one URL for both would read nothing for one colour.
        expect(await instantValue(platform.prometheus.blue, rate("green"))).toBeUndefined();
        expect(await instantValue(platform.prometheus.green, rate("blue"))).toBeUndefined();
    });

    /** Green's API turns bad from the 20 % step on, under load: the switch must roll back (exit 3) to blue; its journaled reason. */
    async function rollbackReason(fault: () => void): Promise<string> {
        await freshPrometheus("per-colour");
        whenGreenAtTwenty(fault);
        load.start();
        const run = await toGreen("15s");
        await load.stop();
        expect(run.code).toBe(3);
        expect(platform.edge.weights()).toEqual({ blue: 100, green: 0 });
        return ((await journal()).find(e => e.type === "rollback-start") as Extract<JournalEntry, { type: "rollback-start" }>).reason;
    }

    it("rolls back through the error-rate gate when green's API answers 20 % of requests with 500", async () => {
        const reason = await rollbackReason(() => platform.sites.green.apis.events.set({ status: 500 }));
        // Real PromQL over 1 m of green's traffic: 20 % of the newest requests, diluted by the older healthy ones.
        expect(reason).toMatch(/^green error rate ([\d.]+) % above 5.0 % for [\d.]+ s \(limit 1 s\)$/);
        const measured = Number(/error rate ([\d.]+) %/.exec(reason)![1]);
        expect(measured).toBeGreaterThan(5);
        expect(measured).toBeLessThanOrEqual(20.5);
    });

    it("rolls back through the p95 gate when green's API is slow", async () => {
        const reason = await rollbackReason(() => platform.sites.green.apis.events.set({ latencyMs: 1500 }));
        expect(reason).toMatch(/^green p95 \d+ ms above 1000 ms for [\d.]+ s \(limit 1 s\)$/);
    });

    it("halts at the current weights when only green's Prometheus stops, naming it; blue's keeps answering", async () => {
        await freshPrometheus("per-colour");
        const green = platform.prometheus.green;
        whenGreenAtTwenty(() => green.stop());
        load.start();
        const run = await toGreen();
        await load.stop();
        expect(run.code).toBe(4);
        expect(run.stderr).toMatch(/halted at its current weights: green metrics unavailable for [\d.]+ s \(prometheus: prometheus /);
        expect(run.stderr).toContain(`prometheus ${green.url}: fetch failed`);
        expect(platform.edge.weights()).toEqual({ blue: 80, green: 20 });
        expect((await journal()).map(e => e.type).slice(-1)).toEqual(["halted"]);
        expect(await instantValue(platform.prometheus.blue, rate("blue"))).toBeGreaterThan(0);
    });
});

describe("the switch gated by one real Prometheus for both colours (a single --prometheus-url)", () => {
    it("halts at the current weights when that Prometheus stops", async () => {
        await freshPrometheus("shared");
        expect(platform.prometheusUrl()).toBe(platform.prometheus.blue.url);
        whenGreenAtTwenty(() => platform.prometheus.blue.stop());
        load.start();
        const run = await toGreen();
        await load.stop();
        expect(run.code).toBe(4);
        expect(run.stderr).toMatch(/halted at its current weights: (blue|green) metrics unavailable for [\d.]+ s \(prometheus: /);
        expect(platform.edge.weights()).toEqual({ blue: 80, green: 20 });
        expect((await journal()).map(e => e.type).slice(-1)).toEqual(["halted"]);
    });
});
