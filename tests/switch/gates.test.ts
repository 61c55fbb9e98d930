import { DEFAULT_THRESHOLDS, evaluateGates, Sample } from "../../switch/gates";
import { Colour } from "../../switch/plan";

const t = DEFAULT_THRESHOLDS;

function sample(colour: Colour, at: number, over: Partial<Sample> = {}): Sample {
    return { at, colour, healthy: true, healthFailures: [], errorRate: 0.001, p95Ms: 150, missing: [], ...over };
}

/** Both colours sampled every 5 s from 0 to `untilS`, the target's samples shaped by `target`. */
function series(untilS: number, target: (atS: number) => Partial<Sample>, live: (atS: number) => Partial<Sample> = () => ({})): Sample[] {
    const out: Sample[] = [];
    for (let s = 0; s <= untilS; s += 5) {
        out.push(sample("green", s * 1000, target(s)), sample("blue", s * 1000, live(s)));
    }
    return out;
}

describe("evaluateGates with the seeds' thresholds", () => {
    it("passes when both colours are fine", () => {
        expect(evaluateGates(series(60, () => ({})), "green", t)).toEqual({ kind: "ok" });
    });

    it("rolls back when the target's health has failed for more than 30 s, dated from the first failure", () => {
        const verdict = evaluateGates(series(70, s => (s >= 35 ? { healthy: false, healthFailures: ["/health/events answered 503"] } : {})), "green", t);
        expect(verdict).toMatchObject({ kind: "rollback", colour: "green", signal: "health", breachStartedAt: 35_000 });
        expect(verdict.kind === "rollback" && verdict.reason).toContain("/health/events answered 503");
    });

    it("only watches while health has failed for less than 30 s", () => {
        const verdict = evaluateGates(series(60, s => (s >= 35 ? { healthy: false } : {})), "green", t);
        expect(verdict.kind).toBe("watch");
    });

    it("does not roll back on a 25 s health blip that has recovered", () => {
        expect(evaluateGates(series(90, s => (s >= 30 && s < 55 ? { healthy: false } : {})), "green", t)).toEqual({ kind: "ok" });
    });

    it("rolls back on an error rate above 5 % for 2 minutes, not before", () => {
        const spike = (s: number) => (s >= 10 ? { errorRate: 0.09 } : {});
        expect(evaluateGates(series(130, spike), "green", t).kind).toBe("watch");
        expect(evaluateGates(series(135, spike), "green", t)).toMatchObject({ kind: "rollback", signal: "errorRate", breachStartedAt: 10_000 });
    });

    it("treats exactly 5 % as no breach", () => {
        expect(evaluateGates(series(200, () => ({ errorRate: 0.05 })), "green", t)).toEqual({ kind: "ok" });
    });

    it("rolls back on p95 above 2000 ms sustained for the p95 window", () => {
        const slow = (s: number) => (s >= 20 ? { p95Ms: 2600 } : {});
        expect(evaluateGates(series(80, slow), "green", t).kind).toBe("watch");
        expect(evaluateGates(series(85, slow), "green", t)).toMatchObject({ kind: "rollback", signal: "p95", breachStartedAt: 20_000 });
    });

    it("halts rather than rolls back when the live colour breaches", () => {
        const verdict = evaluateGates(series(60, () => ({}), s => (s >= 0 ? { healthy: false } : {})), "green", t);
        expect(verdict.kind).toBe("halt");
        expect(verdict.kind === "halt" && verdict.reason).toMatch(/^live colour blue health failing/);
    });

    it("holds, then halts, when metrics cannot be read; never passes", () => {
        const missing = (from: number) => (s: number) => (s >= from ? { errorRate: undefined, p95Ms: undefined, missing: ["prometheus: HTTP 503"] } : {});
        expect(evaluateGates(series(60, missing(45)), "green", t).kind).toBe("watch");
        const verdict = evaluateGates(series(60, missing(25)), "green", t);
        expect(verdict).toEqual({ kind: "halt", reason: "green metrics unavailable for 35 s (prometheus: HTTP 503)" });
    });

    it("counts a breach only up to the last sample that showed it when metrics then vanish", () => {
        const spikeThenGap = (s: number) => (s < 60 ? { errorRate: 0.2 } : { errorRate: undefined, p95Ms: undefined, missing: ["down"] });
        const verdict = evaluateGates(series(150, spikeThenGap), "green", { ...t, metricsMissingMs: 1_000_000 });
        expect(verdict.kind).toBe("watch");
    });

    it("ignores missing metrics of a colour that carries no traffic (idle), but not its health", () => {
        const gone = (s: number) => (s >= 0 ? { errorRate: undefined, p95Ms: undefined, missing: ["prometheus: error rate: not a number (NaN)"] } : {});
        expect(evaluateGates(series(60, () => ({}), gone), "green", t, ["blue"])).toEqual({ kind: "ok" });
        expect(evaluateGates(series(60, () => ({}), gone), "green", t).kind).toBe("halt");
        expect(evaluateGates(series(60, () => ({}), () => ({ healthy: false })), "green", t, ["blue"]).kind).toBe("halt");
    });

    it("waits for samples of both colours", () => {
        expect(evaluateGates([sample("green", 0)], "green", t)).toEqual({ kind: "watch", reasons: ["blue: no samples yet"] });
    });
});

describe("breaches judged over the window, not as an unbroken run", () => {
    it("rolls back on flapping health bad in 4 of every 5 samples (one clean sample no longer resets it)", () => {
        const verdict = evaluateGates(series(60, s => (s % 25 === 0 ? {} : { healthy: false })), "green", t);
        expect(verdict).toMatchObject({ kind: "rollback", signal: "health" });
    });

    it("rolls back on an error rate oscillating around 5 % when most samples are above it", () => {
        const verdict = evaluateGates(series(200, s => ({ errorRate: s % 25 === 0 ? 0.049 : 0.052 })), "green", t);
        expect(verdict).toMatchObject({ kind: "rollback", signal: "errorRate" });
    });

    it("does not roll back when only half the samples are bad", () => {
        expect(evaluateGates(series(200, s => (s % 10 === 0 ? { healthy: false } : {})), "green", t).kind).not.toBe("rollback");
    });

    it("never rolls back on a single blip, however long ago it began", () => {
        expect(evaluateGates(series(200, s => (s === 20 ? { healthy: false, errorRate: 0.9, p95Ms: 9000 } : {})), "green", t)).toEqual({ kind: "ok" });
    });
});

/** Every threshold just below, at and just above its limit (5 s samples; "longer than" is strict). */
describe("boundaries", () => {
    const failingFor = (seconds: number) => series(100 + seconds, s => (s >= 100 ? { healthy: false } : {}));
    it.each([[25, "watch"], [30, "watch"], [35, "rollback"]])("health failing for %i s against the 30 s limit: %s", (seconds, kind) => {
        expect(evaluateGates(failingFor(seconds as number), "green", t).kind).toBe(kind);
    });

    it.each([[0.0499, "ok"], [0.05, "ok"], [0.0501, "rollback"]])("an error rate of %f for 3 min against 5 %: %s", (rate, kind) => {
        expect(evaluateGates(series(180, () => ({ errorRate: rate as number })), "green", t).kind).toBe(kind);
    });

    it.each([[115, "watch"], [120, "watch"], [125, "rollback"]])("an error rate above 5 %% for %i s against the 2 min window: %s", (seconds, kind) => {
        expect(evaluateGates(series(10 + (seconds as number), s => (s >= 10 ? { errorRate: 0.2 } : {})), "green", t).kind).toBe(kind);
    });

    it.each([[1999, "ok"], [2000, "ok"], [2001, "rollback"]])("a p95 of %i ms for 2 min against 2000 ms: %s", (ms, kind) => {
        expect(evaluateGates(series(120, () => ({ p95Ms: ms as number })), "green", t).kind).toBe(kind);
    });

    it.each([[55, "watch"], [60, "watch"], [65, "rollback"]])("a p95 above 2000 ms for %i s against the 60 s window: %s", (seconds, kind) => {
        expect(evaluateGates(series(10 + (seconds as number), s => (s >= 10 ? { p95Ms: 2600 } : {})), "green", t).kind).toBe(kind);
    });

    it.each([[25, "watch"], [30, "watch"], [35, "halt"]])("metrics missing for %i s against the 30 s grace: %s", (seconds, kind) => {
        const gone = (s: number) => (s >= 10 ? { errorRate: undefined, p95Ms: undefined, missing: ["down"] } : {});
        expect(evaluateGates(series(10 + (seconds as number), gone), "green", t).kind).toBe(kind);
    });

    // 10 samples from the first bad one, 7 bad (70 %), 8 bad (80 %) or 9 bad (90 %), over 45 s > 30 s.
    it.each([[7, "watch"], [8, "rollback"], [9, "rollback"]])("%i bad samples in 10 against an 80 %% breach fraction: %s", (bad, kind) => {
        const pattern = (s: number) => { const i = (s - 100) / 5; return s >= 100 && (i === 0 || i > 10 - (bad as number)) ? { healthy: false } : {}; };
        expect(evaluateGates(series(145, pattern), "green", t).kind).toBe(kind);
    });
});
