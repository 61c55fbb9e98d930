import { JournalEntry } from "../../switch/journal";
import { failed } from "./support/load";
import { edgeTraffic, runSwitch } from "./support/platform";
import { answeredAfter, useScenario } from "./support/scenario";

/**
 * Real gateways (the project's nginx config) for blue and green over stub APIs, an edge splitting
 * requests by the weights the switch applies, and steady load: each scenario asserts on what
 * happened to real requests and on the journal.
 */
const s = useScenario();
const toGreen = (...extra: string[]) => runSwitch(["to", "green", ...s.flags(), ...extra], edgeTraffic(s.platform));

describe("a healthy switch from blue to green", () => {
    it("moves every request to green with zero failed requests and journals every step", async () => {
        s.load.start();
        const run = await toGreen();
        const results = await s.stopLoadAfter(s.lastChange().at);
        expect(run).toMatchObject({ code: 0, stderr: "" });
        expect(run.stdout).toMatch(/completed$/m);
        expect(results.length).toBeGreaterThan(50);
        expect(results.filter(failed)).toEqual([]);
        expect(new Set(results.map(r => r.colour))).toEqual(new Set(["blue", "green"]));
        const done = s.lastChange();
        expect(done.weights).toEqual({ blue: 0, green: 100 });
        const after = answeredAfter(results, done.at);
        expect(after.length).toBeGreaterThanOrEqual(40);
        expect(after.filter(r => r.colour !== "green")).toEqual([]);
        const entries = await s.journal();
        for (let step = 0; step < 4; step++) {
            const types = entries.filter(e => "step" in e && e.step === step).map(e => e.type);
            expect(types).toEqual(expect.arrayContaining(["step-start", "weights-set", "verified", "gate", "step-passed"]));
        }
        expect(entries.map(e => e.type).slice(-1)).toEqual(["completed"]);
        expect(s.greenShares()).toEqual([5, 20, 50, 100]);
    });
});

describe("green's health fails at 20 %", () => {
    it("rolls back, sends no request to green once the rollback completes, and journals reason and duration", async () => {
        void s.edgeReaches(20).then(() => s.platform.sites.green.apis.events.set({ healthy: false }));
        s.load.start();
        const run = await toGreen();
        const results = await s.stopLoadAfter(s.lastChange().at);
        expect(run.code).toBe(3);
        expect(run.stderr).toMatch(/rolled back \(green health failing \(\/health\/events answered 503\)/);
        const back = s.lastChange();
        expect(back.weights).toEqual({ blue: 100, green: 0 });
        expect(s.greenShares()).toEqual([5, 20, 0]);
        const after = answeredAfter(results, back.at);
        expect(after.length).toBeGreaterThanOrEqual(40);
        expect(after.filter(r => r.colour !== "blue")).toEqual([]);
        const done = (await s.journal()).find(e => e.type === "rollback-done") as Extract<JournalEntry, { type: "rollback-done" }>;
        expect(done.reason).toMatch(/^green health failing \(\/health\/events answered 503\) for [\d.]+ s \(limit 1 s\)$/);
        // Measured from the first failing sample, so it can never be shorter than the breach window.
        expect(done.durationMs).toBeGreaterThanOrEqual(1000);
    });
});

describe("sustained breaches and blips", () => {
    it.each([
        ["an error-rate spike", { status: 500 }, /^green error rate [\d.]+ % above 5.0 % for [\d.]+ s \(limit 1 s\)$/],
        ["a latency spike", { latencyMs: 1500 }, /^green p95 \d+ ms above 1000 ms for [\d.]+ s \(limit 1 s\)$/],
    ])("rolls back on a sustained %s", async (_name, fault, reason) => {
        void s.edgeReaches(20).then(() => s.platform.sites.green.set(fault));
        s.load.start();
        const run = await toGreen();
        expect(run.code).toBe(3);
        const start = (await s.journal()).find(e => e.type === "rollback-start");
        expect(start?.type === "rollback-start" && start.reason).toMatch(reason);
        expect(s.lastChange().weights).toEqual({ blue: 100, green: 0 });
    });

    it("holds through a short error blip and completes", async () => {
        void s.edgeReaches(20).then(() => {
            s.platform.sites.green.set({ status: 500 });
            setTimeout(() => s.platform.sites.green.set({ status: 200 }), 400);
        });
        s.load.start();
        // The synthetic source averages over 6 samples (1.2 s), so the gate sees the blip for ~1.6 s: under 3 s.
        const run = await toGreen("--error-window", "3s");
        expect(run.code).toBe(0);
        const entries = await s.journal();
        expect(entries.some(e => e.type === "gate" && e.verdict === "watch" && /error rate/.test(e.detail))).toBe(true);
        expect(entries.some(e => e.type === "rollback-start")).toBe(false);
        expect(s.lastChange().weights).toEqual({ blue: 0, green: 100 });
    });
});
