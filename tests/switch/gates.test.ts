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
        expect(evaluateGates(series(125, spike), "green", t).kind).toBe("watch");
        expect(evaluateGates(series(130, spike), "green", t)).toMatchObject({ kind: "rollback", signal: "errorRate", breachStartedAt: 10_000 });
    });

    it("treats exactly 5 % as no breach", () => {
        expect(evaluateGates(series(200, () => ({ errorRate: 0.05 })), "green", t)).toEqual({ kind: "ok" });
    });

    it("rolls back on p95 above 2000 ms sustained for the p95 window", () => {
        const slow = (s: number) => (s >= 20 ? { p95Ms: 2600 } : {});
        expect(evaluateGates(series(75, slow), "green", t).kind).toBe("watch");
        expect(evaluateGates(series(80, slow), "green", t)).toMatchObject({ kind: "rollback", signal: "p95", breachStartedAt: 20_000 });
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

    it("treats no traffic (null) as no evidence, not as a breach or a gap", () => {
        expect(evaluateGates(series(200, () => ({ errorRate: null, p95Ms: null })), "green", t)).toEqual({ kind: "ok" });
    });

    it("waits for samples of both colours", () => {
        expect(evaluateGates([sample("green", 0)], "green", t)).toEqual({ kind: "watch", reasons: ["blue: no samples yet"] });
    });
});
