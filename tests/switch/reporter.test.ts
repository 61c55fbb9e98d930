import { Writable } from "node:stream";
import { DEFAULT_THRESHOLDS } from "../../switch/gates";
import { JournalEntry, MetricsSpec } from "../../switch/journal";
import { buildPlan } from "../../switch/plan";
import { createReporter, describeEntry, Progress } from "../../switch/reporter";

function stream(isTTY: boolean): { out: Writable & { isTTY?: boolean }; text: () => string } {
    const chunks: string[] = [];
    const out = Object.assign(new Writable({ write(chunk, _e, done) { chunks.push(String(chunk)); done(); } }), { isTTY });
    return { out, text: () => chunks.join("") };
}

const plan = buildPlan("blue", "green", [5, 20, 50, 100], 60_000);
const tick: Progress = {
    kind: "tick", step: 1, plan, elapsedMs: 30_000, verdict: { kind: "watch", reasons: ["green error rate 7.0 % above 5.0 % for 10 s (limit 2 min 0 s)"] },
    samples: [
        { at: 0, colour: "blue", healthy: true, healthFailures: [], errorRate: 0.002, p95Ms: 140, missing: [] },
        { at: 0, colour: "green", healthy: true, healthFailures: [], errorRate: 0.07, p95Ms: undefined, missing: ["prometheus: timeout"] },
    ],
};
const entry: JournalEntry = { type: "verified", step: 1, weights: { blue: 80, green: 20 }, v: 1, seq: 4, fence: 1, switchId: "sw-1", at: "2025-06-01T12:00:00.000Z", by: "t" };

describe("progress display", () => {
    it("redraws one status line on a terminal and prints journal entries above it", () => {
        const { out, text } = stream(true);
        const reporter = createReporter(out, {});
        reporter.report(tick);
        reporter.report({ kind: "entry", entry });
        expect(text()).toBe(
            "step 2/4 green 20% [##########..........] 30 s/60 s | blue healthy err 0.2% p95 140ms | green healthy err 7.0% p95 n/a"
            + " | holding: green error rate 7.0 % above 5.0 % for 10 s (limit 2 min 0 s)"
            + "\r\x1b[2Kstep 2: verified blue 80 / green 20\n");
    });

    it.each([["in CI", true, { CI: "true" }], ["when piped", false, {}]])("prints plain timestamped lines %s, and no status line", (_name, isTTY, env) => {
        const { out, text } = stream(isTTY);
        const reporter = createReporter(out, env);
        reporter.report(tick);
        reporter.report({ kind: "entry", entry });
        expect(text()).toBe("2025-06-01T12:00:00.000Z step 2: verified blue 80 / green 20\n");
    });
});

describe("the start line", () => {
    const start = (metrics: MetricsSpec): JournalEntry => ({
        type: "start", from: "blue", to: "green", steps: [5, 100], windowMs: 60_000, thresholds: DEFAULT_THRESHOLDS, sampleIntervalMs: 5000,
        releases: { blue: "1.0.0", green: "1.1.0" }, metrics, v: 1, seq: 1, fence: 1, switchId: "sw-1", at: "2025-06-01T12:00:00.000Z", by: "t",
    });

    it("names each colour's Prometheus when they differ", () => {
        expect(describeEntry(start({ kind: "prometheus", urls: { blue: "http://127.0.0.1:9091", green: "http://127.0.0.1:9092" } })))
            .toContain("metrics from prometheus at blue http://127.0.0.1:9091, green http://127.0.0.1:9092, by t");
    });

    it("names a Prometheus both colours share once", () => {
        expect(describeEntry(start({ kind: "prometheus", urls: { blue: "http://p:9090", green: "http://p:9090" } })))
            .toContain("metrics from prometheus at http://p:9090, by t");
    });
});
