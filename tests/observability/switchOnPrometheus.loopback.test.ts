import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JournalEntry } from "../../switch/journal";
import { openStore } from "../../switch/wiring";
import { allEntries } from "../switch/support/fakes";
import { failed, LoadGenerator } from "../switch/support/load";
import { FAST_FLAGS, runSwitch } from "../switch/support/platform";
import { requestRateQuery } from "../../components/metricSeries";
import { ObservedPlatform, instantValue, startObservedPlatform, warmUp } from "./support/observedPlatform";

/**
 * The switch with its Prometheus source against a real Prometheus that scrapes the real gateways'
 * mtail sidecars: every gate decision here is computed by real PromQL over real requests.
 */

/** Five read routes, one per path, so one failing API is exactly 20 % of the requests. */
const PATHS = ["/api/resources", "/api/chat", "/api/events", "/api/articles", "/api/categories"];

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
    // A fresh Prometheus per scenario: the 1 m rate window must not carry the last scenario's faults.
    await platform.prometheus.stop();
    await platform.restartPrometheus();
    // A smoke test against both colours before the switch, as the deploy does: their series exist from the start.
    // Rates need two scrapes that saw requests, so it keeps going until Prometheus shows green's.
    // The switch's preflight asks Prometheus about the live colour too, so both colours' rates must show.
    const rates = (["blue", "green"] as const).map(colour => requestRateQuery({ match: { colour }, range: "1m" }));
    const bothShow = async () => (await Promise.all(rates.map(rate => instantValue(platform.prometheus, rate)))).every(value => (value ?? 0) > 0);
    for (let i = 0; i < 40 && !(await bothShow()); i++) {
        await Promise.all([warmUp(platform.sites.green, 5), warmUp(platform.sites.blue, 5), new Promise(resolve => setTimeout(resolve, 500))]);
    }
});
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
    return runSwitch(["to", "green", "--store", store, ...flags, "--metrics", "prometheus", "--prometheus-url", platform.prometheus.url], platform.traffic());
}

const journal = () => allEntries(openStore(store, {}, "/", Date.now).journal);
const greenShares = () => platform.edge.changes.map(c => c.weights.green);
function whenGreenAtTwenty(act: () => unknown): void {
    atTwenty = act;
}

describe("the switch gated by a real Prometheus", () => {
    it("completes a healthy switch with no failed request", async () => {
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
    });

    jest.setTimeout(90_000);

    it("rolls back through the error-rate gate when green's API answers 20 % of requests with 500", async () => {
        whenGreenAtTwenty(() => platform.sites.green.apis.events.set({ status: 500 }));
        load.start();
        const run = await toGreen("15s");
        await load.stop();
        expect(run.code).toBe(3);
        const start = (await journal()).find(e => e.type === "rollback-start") as Extract<JournalEntry, { type: "rollback-start" }>;
        // Real PromQL over 1 m of green's traffic: 20 % of the newest requests, diluted by the older healthy ones.
        expect(start.reason).toMatch(/^green error rate ([\d.]+) % above 5.0 % for [\d.]+ s \(limit 1 s\)$/);
        const measured = Number(/error rate ([\d.]+) %/.exec(start.reason)![1]);
        expect(measured).toBeGreaterThan(5);
        expect(measured).toBeLessThanOrEqual(20.5);
        expect(platform.edge.weights()).toEqual({ blue: 100, green: 0 });
    });

    it("rolls back through the p95 gate when green's API is slow", async () => {
        whenGreenAtTwenty(() => platform.sites.green.apis.events.set({ latencyMs: 1500 }));
        load.start();
        const run = await toGreen("15s");
        await load.stop();
        expect(run.code).toBe(3);
        const start = (await journal()).find(e => e.type === "rollback-start") as Extract<JournalEntry, { type: "rollback-start" }>;
        expect(start.reason).toMatch(/^green p95 \d+ ms above 1000 ms for [\d.]+ s \(limit 1 s\)$/);
        expect(platform.edge.weights()).toEqual({ blue: 100, green: 0 });
    });

    it("halts at the current weights when Prometheus stops", async () => {
        whenGreenAtTwenty(() => platform.prometheus.stop());
        load.start();
        const run = await toGreen();
        await load.stop();
        expect(run.code).toBe(4);
        expect(run.stderr).toMatch(/halted at its current weights: (blue|green) metrics unavailable for [\d.]+ s \(prometheus: /);
        expect(platform.edge.weights()).toEqual({ blue: 80, green: 20 });
        expect((await journal()).map(e => e.type).slice(-1)).toEqual(["halted"]);
    });
});
