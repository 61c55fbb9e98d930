import { SwitchCommands } from "../../switch/commands";
import { Outcome, SwitchEngine } from "../../switch/engine";
import { JournalEntry } from "../../switch/journal";
import { Weights } from "../../switch/plan";
import { allEntries, harness, Harness, SEED_SETTINGS } from "./support/fakes";

let h: Harness;
beforeEach(async () => { h = await harness(); });
afterEach(() => h.cleanup());

const request = { target: "green" as const, steps: [5, 20, 50, 100], windowMs: 60_000 };
const commands = (settings = SEED_SETTINGS) => new SwitchCommands(new SwitchEngine(h.deps, settings), { requestWaitMs: 1000, pollMs: 100 });
const entries = (): Promise<JournalEntry[]> => allEntries(h.deps.journal);
const types = async () => (await entries()).map(e => e.type);
const greenShares = (ws: readonly Weights[]) => ws.map(w => w.green);

describe("a healthy switch", () => {
    it("walks 5, 20, 50, 100, verifies and observes every step, journals it all, and frees the lock", async () => {
        const outcome = await commands().switchTo(request);
        expect(outcome.kind).toBe("completed");
        expect(greenShares(h.traffic.applied)).toEqual([5, 20, 50, 100]);
        // liveColour breaks a 50/50 tie for the fallback pool: blue until green holds everything.
        expect(h.traffic.calls.map(c => c.liveColour)).toEqual(["blue", "blue", "blue", "green"]);
        const journal = await entries();
        expect(journal[0]).toMatchObject({ type: "start", from: "blue", to: "green", releases: { blue: "1.0.0", green: "1.1.0" }, by: "tester@example.org" });
        for (let step = 0; step < 4; step++) {
            const ofStep = journal.filter(e => "step" in e && e.step === step).map(e => e.type);
            // The first verdict of the step, then the readings it passed on.
            expect(ofStep).toEqual(["step-start", "weights-set", "verified", "gate", "gate", "step-passed"]);
        }
        expect(journal[journal.length - 1]).toMatchObject({ type: "completed", weights: { blue: 0, green: 100 } });
        const passed = journal.filter(e => e.type === "step-passed");
        expect(passed.every(e => e.type === "step-passed" && e.observedMs >= 60_000)).toBe(true);
        expect(await h.deps.lock.current()).toBeUndefined();
    });

    it("holds a step while a blip shorter than the breach window lasts, then goes on", async () => {
        // Green's health fails for 20 s inside step 1's window: under the 30 s trigger.
        h.health.script = (colour, ms) => ({ healthy: !(colour === "green" && ms >= 50_000 && ms < 70_000) });
        const outcome = await commands().switchTo(request);
        expect(outcome.kind).toBe("completed");
        const gates = (await entries()).filter(e => e.type === "gate").map(e => e.type === "gate" && e.verdict);
        expect(gates.slice(0, 3)).toEqual(["ok", "watch", "ok"]);
        const first = (await entries()).find(e => e.type === "step-passed");
        expect(first?.type === "step-passed" && first.observedMs).toBeGreaterThanOrEqual(70_000);
    });
});

describe("automatic rollback", () => {
    it("rolls back when green's health fails for more than 30 s at 20 %, and times it from the breach", async () => {
        h.health.script = (colour, ms) => ({ healthy: !(colour === "green" && ms >= 80_000) });
        const outcome = await commands().switchTo(request);
        expect(outcome).toMatchObject({ kind: "rolled-back" });
        expect(greenShares(h.traffic.applied)).toEqual([5, 20, 0]);
        const journal = await entries();
        const start = journal.find(e => e.type === "rollback-start");
        const done = journal.find(e => e.type === "rollback-done");
        expect(start?.type === "rollback-start" && start.reason).toMatch(/^green health failing .* for 3\d s \(limit 30 s\)/);
        expect(done).toMatchObject({ weights: { blue: 100, green: 0 } });
        // First failing sample to verified rollback: the 30 s window plus at most one sample interval.
        const durationMs = (outcome as Extract<Outcome, { kind: "rolled-back" }>).durationMs;
        expect(done?.type === "rollback-done" && done.durationMs).toBe(durationMs);
        expect(durationMs).toBeGreaterThanOrEqual(30_000);
        expect(durationMs).toBeLessThanOrEqual(35_000);
    });

    it("rolls back on an error rate above 5 % for 2 minutes", async () => {
        h.metrics.script = (colour, ms) => ({ errorRate: colour === "green" && ms > 10_000 ? 0.12 : 0.001, p95Ms: 100 });
        const outcome = await commands().switchTo(request);
        expect(outcome.kind).toBe("rolled-back");
        expect(outcome.kind === "rolled-back" && outcome.reason).toMatch(/error rate 12.0 % above 5.0 %/);
        expect(h.traffic.applied[h.traffic.applied.length - 1]).toEqual({ blue: 100, green: 0 });
    });

    it("does not roll back on a 90 s error-rate spike", async () => {
        h.metrics.script = (colour, ms) => ({ errorRate: colour === "green" && ms > 10_000 && ms < 100_000 ? 0.12 : 0.001, p95Ms: 100 });
        expect((await commands().switchTo(request)).kind).toBe("completed");
    });

    it("rolls back on a sustained p95 above 2000 ms", async () => {
        h.metrics.script = (colour, ms) => ({ errorRate: 0, p95Ms: colour === "green" && ms > 130_000 ? 2600 : 200 });
        const outcome = await commands().switchTo(request);
        expect(outcome.kind === "rolled-back" && outcome.reason).toMatch(/green p95 2600 ms above 2000 ms/);
    });

    it("still sees a breach sustained when each sample takes longer than the whole breach window", async () => {
        const second = { healthFailingMs: 1000, errorRate: 0.05, errorRateWindowMs: 1000, p95Ms: 1000, p95WindowMs: 1000, metricsMissingMs: 1000, breachFraction: 0.8 };
        h.metrics.script = async (colour, ms) => {
            // Probes of a slow origin take 1.5 s, far beyond the 0.2 s interval and the 1 s window.
            const slow = colour === "green" && ms > 3000;
            if (slow) await h.clock.sleep(1500);
            return { errorRate: 0, p95Ms: slow ? 1500 : 100 };
        };
        const outcome = await commands({ ...SEED_SETTINGS, sampleIntervalMs: 200, thresholds: second }).switchTo({ ...request, windowMs: 2000 });
        expect(outcome.kind === "rolled-back" && outcome.reason).toMatch(/^green p95 1500 ms above 1000 ms for [\d.]+ s \(limit 1 s\)$/);
    });

    it("halts at the current weights when the live colour breaches, instead of moving traffic onto it", async () => {
        h.health.script = (colour, ms) => ({ healthy: !(colour === "blue" && ms >= 70_000) });
        const outcome = await commands().switchTo(request);
        expect(outcome.kind).toBe("halted");
        expect(greenShares(h.traffic.applied)).toEqual([5, 20]);
    });
});

describe("fail safe on missing metrics", () => {
    it("halts at the current weights and never advances while the metrics source is down", async () => {
        h.metrics.script = (_colour, ms) => (ms >= 70_000 ? new Error("prometheus: HTTP 503") : { errorRate: 0, p95Ms: 100 });
        const outcome = await commands().switchTo(request);
        expect(outcome).toMatchObject({ kind: "halted" });
        expect(outcome.kind === "halted" && outcome.reason).toContain("metrics unavailable");
        expect(greenShares(h.traffic.applied)).toEqual([5, 20]);
        expect((await types()).slice(-1)).toEqual(["halted"]);
    });
});

describe("traffic update failures", () => {
    it("retries a failed update and carries on when a retry works", async () => {
        h.traffic.failNext(2, { kind: "error", message: "error: the stack is currently locked by 1 lock(s)" });
        expect((await commands().switchTo(request)).kind).toBe("completed");
        const failed = (await entries()).filter(e => e.type === "update-failed");
        expect(failed.map(e => e.type === "update-failed" && e.attempt)).toEqual([1, 2]);
        expect(failed[0]).toMatchObject({ step: 0, error: "error: the stack is currently locked by 1 lock(s)" });
    });

    it("rolls back when every attempt fails, a weights mismatch counting as a failure", async () => {
        h.traffic.failNext(1, { kind: "error", message: "boom" });
        h.traffic.failNext(2, { kind: "mismatch" });
        // Step 1 fails all three tries: nothing was applied, and the rollback sets blue 100.
        const outcome = await commands().switchTo(request);
        expect(outcome.kind === "rolled-back" && outcome.reason).toMatch(/^traffic update failed at step 1 \(blue 95 \/ green 5\): the load balancer reports blue 100 \/ green 0/);
        expect(h.traffic.applied).toEqual([{ blue: 100, green: 0 }]);
    });

    it("reports a rollback that cannot be applied", async () => {
        h.health.script = (colour, ms) => ({ healthy: !(colour === "green" && ms >= 10_000) });
        const engineCommands = commands();
        const original = h.traffic.setWeights.bind(h.traffic);
        let rollbackTries = 0;
        h.traffic.setWeights = async (w, live) => (w.blue === 100 ? (rollbackTries++, Promise.reject(new Error("cloudflare: 500"))) : original(w, live));
        const outcome = await engineCommands.switchTo(request);
        expect(outcome).toMatchObject({ kind: "rollback-failed", error: "after 3 attempts: cloudflare: 500" });
        // Three tries of the rollback, journaled once it has given up rather than between tries.
        expect(rollbackTries).toBe(3);
        expect((await types()).slice(-2)).toEqual(["rollback-start", "rollback-failed"]);
    });
});

describe("the lock", () => {
    it("stops without writing or touching weights further once another run has taken its lapsed lease", async () => {
        let taken = false;
        h.health.script = async (_colour, ms) => {
            if (ms >= 80_000 && !taken) {
                taken = true;
                // As if this run stalled past its lease and a `resume` elsewhere took over.
                await h.deps.lock.acquire({ token: "other", fence: 0, by: "other", host: "elsewhere", pid: 1, purpose: "resume", expiresAt: h.clock.now() + 60_000 }, { force: true });
            }
            return {};
        };
        const outcome = await commands().switchTo(request);
        expect(outcome).toMatchObject({ kind: "halted", reason: "lost the switch lock to another run; stopped without touching the weights further" });
        expect(greenShares(h.traffic.applied)).toEqual([5, 20]);
        expect((await types()).slice(-1)).not.toEqual(["halted"]);
        expect((await h.deps.lock.current())?.token).toBe("other");
    });
});

describe("requests from another run", () => {
    it("stops at the current weights when an abort is journaled", async () => {
        let asked = false;
        h.health.script = (_colour, ms) => {
            if (ms >= 80_000 && !asked) {
                asked = true;
                void entries().then(js => h.deps.journal.append(js[0].switchId, { type: "abort-requested" }, { fence: 0, at: new Date().toISOString(), by: "other@example.org" }));
            }
            return {};
        };
        const outcome = await commands().switchTo(request);
        expect(outcome.kind).toBe("aborted");
        expect(greenShares(h.traffic.applied)).toEqual([5, 20]);
        expect((await entries()).find(e => e.type === "aborted")).toBeDefined();
    });

    it("honours a `rollback` from another run at once: takes the lock over, fences this run off, rolls back", async () => {
        let asked: Promise<unknown> | undefined;
        h.health.script = (_colour, ms) => {
            if (ms >= 80_000 && !asked) asked = commands().rollback("users report errors");
            return {};
        };
        const outcome = await commands().switchTo(request);
        expect(outcome).toMatchObject({ kind: "halted", reason: expect.stringMatching(/^lost the switch lock/) });
        expect(await asked).toMatchObject({ kind: "rolled-back", reason: "users report errors" });
        expect(await h.traffic.getWeights()).toEqual({ blue: 100, green: 0 });
        expect(greenShares(h.traffic.applied)).toEqual([5, 20, 0]);
    });
});
