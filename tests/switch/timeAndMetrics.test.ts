import { SwitchCommands } from "../../switch/commands";
import { Outcome, SwitchEngine } from "../../switch/engine";
import { allEntries, harness, Harness, SEED_SETTINGS } from "./support/fakes";

let h: Harness;
beforeEach(async () => { h = await harness(); });
afterEach(() => h.cleanup());

const request = { target: "green" as const, steps: [5, 20, 50, 100], windowMs: 60_000 };
const commands = () => new SwitchCommands(new SwitchEngine(h.deps, SEED_SETTINGS), { requestWaitMs: 1000, pollMs: 100 });
const greenShares = () => h.traffic.applied.map(w => w.green);

describe("the wall clock stepped mid-switch (durations come from the monotonic clock)", () => {
    it.each([["back", -3_600_000], ["forward", 3_600_000]])("one hour %s during a breach: rolled back after the 30 s window, timed as such", async (_dir, step) => {
        let stepped = false;
        h.health.script = (colour, ms) => {
            if (ms >= 90_000 && !stepped) {
                stepped = true;
                h.clock.stepWall(step as number);
            }
            return { healthy: !(colour === "green" && ms >= 80_000) };
        };
        const started = h.clock.monotonic();
        const outcome = await commands().switchTo(request);
        expect(outcome.kind).toBe("rolled-back");
        const { durationMs } = outcome as Extract<Outcome, { kind: "rolled-back" }>;
        expect(durationMs).toBeGreaterThan(30_000);
        expect(durationMs).toBeLessThanOrEqual(40_000);
        // Sampling never stalled: breach at 80 s, rollback within the window plus two samples.
        expect(h.clock.monotonic() - started).toBeLessThanOrEqual(80_000 + 40_000);
        expect(greenShares()).toEqual([5, 20, 0]);
    });

    it("a step forward during a short blip does not make it look sustained", async () => {
        let stepped = false;
        h.health.script = (colour, ms) => {
            if (ms >= 85_000 && !stepped) {
                stepped = true;
                h.clock.stepWall(3_600_000);
            }
            return { healthy: !(colour === "green" && ms >= 80_000 && ms < 95_000) };
        };
        expect((await commands().switchTo(request)).kind).toBe("completed");
    });
});

describe("missing metrics never pass as healthy", () => {
    it.each([
        ["empty", { errorRate: undefined, p95Ms: undefined }],
        ["NaN", { errorRate: NaN, p95Ms: NaN }],
        ["+Inf", { errorRate: Infinity, p95Ms: Infinity }],
        ["negative", { errorRate: -0.1, p95Ms: 120 }],
    ])("a source answering %s for green from 20 %% halts the switch there after the grace period", async (_what, reading) => {
        h.metrics.script = (colour, ms) => (colour === "green" && ms >= 70_000 ? reading : { errorRate: 0.001, p95Ms: 120 });
        const outcome = await commands().switchTo(request);
        expect(outcome).toMatchObject({ kind: "halted", reason: expect.stringMatching(/^green metrics unavailable for 3\d s \(scripted metrics: /) });
        expect(greenShares()).toEqual([5, 20]);
    });

    it("preflight refuses before any weight moves when the source does not answer for the live colour", async () => {
        h.metrics.script = () => new Error("prometheus http://127.0.0.1:9: HTTP 500");
        const outcome = await commands().switchTo(request);
        expect(outcome).toEqual({ kind: "refused", reasons: ["the metrics source (scripted metrics) does not answer for blue: prometheus http://127.0.0.1:9: HTTP 500"] });
        expect(h.traffic.calls).toEqual([]);
        expect(await allEntries(h.deps.journal)).toEqual([]);
    });

    it("preflight refuses a source that answers with no usable reading", async () => {
        h.metrics.script = () => ({ errorRate: NaN, p95Ms: undefined });
        const outcome = await commands().switchTo(request);
        expect(outcome.kind === "refused" && outcome.reasons).toEqual(["the metrics source (scripted metrics) gives no usable reading for blue: error rate: not a number (NaN); p95: no data (empty answer)"]);
    });

    it("a live colour at weight 0 after the last step may have no rates: the switch still completes", async () => {
        h.metrics.script = (colour, ms) => (colour === "blue" && ms >= 185_000 ? { errorRate: NaN, p95Ms: NaN } : { errorRate: 0.001, p95Ms: 120 });
        expect((await commands().switchTo(request)).kind).toBe("completed");
    });
});
