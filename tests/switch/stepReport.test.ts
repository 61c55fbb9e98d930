import { SWITCH_STATES } from "../../components/metricSeries";
import { SwitchCommands } from "../../switch/commands";
import { SwitchEngine } from "../../switch/engine";
import { Weights } from "../../switch/plan";
import { parseArgs } from "../../switch/settings";
import { PushgatewayStepReporter, pushUrl, renderStepMetrics, StepReporter, StepSnapshot } from "../../switch/stepReport";
import { assembleDeps } from "../../switch/wiring";
import { harness, Harness, SEED_SETTINGS } from "./support/fakes";
import { RecordingTraffic } from "./support/trafficDouble";

/**
 * When the switch tells the dashboards where it is: only after the traffic update a report
 * describes, with the weights the load balancer reported, and never in a way that could change
 * what the switch does. Faults on real sockets are in stepReportFaults.test.ts.
 */

/** Each report with the weights the traffic double had applied at that moment. */
class RecordingSteps implements StepReporter {
    readonly seen: { snapshot: StepSnapshot; appliedThen: Weights | undefined }[] = [];
    constructor(private readonly traffic: RecordingTraffic) {}
    report(snapshot: StepSnapshot): void {
        this.seen.push({ snapshot, appliedThen: this.traffic.applied[this.traffic.applied.length - 1] });
    }
    async settle(): Promise<void> {}
}

let h: Harness;
beforeEach(async () => { h = await harness(); });
afterEach(() => h.cleanup());

const request = { target: "green" as const, steps: [5, 20, 50, 100], windowMs: 60_000 };
function run(steps: StepReporter | undefined) {
    return new SwitchCommands(new SwitchEngine({ ...h.deps, steps }, SEED_SETTINGS), { requestWaitMs: 1000, pollMs: 100 });
}
const states = (r: RecordingSteps) => r.seen.map(s => `${s.snapshot.state}@${s.snapshot.step}`);

describe("the engine's step reports", () => {
    it("reports each step after its update, with the weights the load balancer reported, then done", async () => {
        const steps = new RecordingSteps(h.traffic);
        expect((await run(steps).switchTo(request)).kind).toBe("completed");
        expect(steps.seen.filter(s => s.snapshot.weights).every(s => JSON.stringify(s.snapshot.weights) === JSON.stringify(s.appliedThen))).toBe(true);
        expect(steps.seen.map(s => s.snapshot.weights?.green)).toEqual([5, 5, 20, 20, 50, 50, 100, 100, 100]);
        expect(states(steps).slice(-1)).toEqual(["done@4"]);
        expect(steps.seen.every(s => s.snapshot.from === "blue" && s.snapshot.to === "green" && s.snapshot.steps === 4)).toBe(true);
        expect(new Set(states(steps))).toEqual(new Set(["running@1", "running@2", "running@3", "running@4", "done@4"]));
    });

    it("reports holding while a blip lasts and the rollback only once traffic is back on blue", async () => {
        h.health.script = (colour, ms) => ({ healthy: !(colour === "green" && ms >= 80_000) });
        const steps = new RecordingSteps(h.traffic);
        expect((await run(steps).switchTo(request)).kind).toBe("rolled-back");
        expect(states(steps)).toEqual(["running@1", "running@1", "running@2", "running@2", "holding@2", "rolled_back@0"]);
        const last = steps.seen[steps.seen.length - 1];
        expect(last.snapshot.weights).toEqual({ blue: 100, green: 0 });
        expect(last.appliedThen).toEqual({ blue: 100, green: 0 });
    });

    it("reports a failed rollback without weights (nobody knows them), and a manual rollback that lands with them", async () => {
        await h.traffic.setWeights({ blue: 50, green: 50 }, "blue");
        h.traffic.failNext(3, { kind: "error", message: "cloudflare: 503" });
        const steps = new RecordingSteps(h.traffic);
        expect((await run(steps).rollback("drill")).kind).toBe("rollback-failed");
        expect((await run(steps).rollback("drill again")).kind).toBe("rolled-back");
        expect(steps.seen.map(s => [s.snapshot.state, s.snapshot.weights])).toEqual([["rollback_failed", undefined], ["rolled_back", { blue: 100, green: 0 }]]);
    });

    it("changes nothing the switch does when the reporter throws", async () => {
        h.health.script = (colour, ms) => ({ healthy: !(colour === "green" && ms >= 80_000) });
        const throwing: StepReporter = { report: () => { throw new Error("reporter bug"); }, settle: async () => undefined };
        expect((await run(throwing).switchTo(request)).kind).toBe("rolled-back");
        expect(h.traffic.applied.map(w => w.green)).toEqual([5, 20, 0]);
    });
});

describe("the text the Pushgateway gets", () => {
    const snapshot: StepSnapshot = { from: "blue", to: "green", step: 2, steps: 4, state: "holding", weights: { blue: 80, green: 20 }, at: 1_700_000_000_500 };

    it("names every series from metricSeries, weights as ratios, one state at 1", () => {
        const lines = renderStepMetrics(snapshot).split("\n").filter(l => l && !l.startsWith("#"));
        expect(lines).toEqual([
            'blkout_switch_weight_ratio{from="blue",to="green",colour="blue"} 0.8',
            'blkout_switch_weight_ratio{from="blue",to="green",colour="green"} 0.2',
            'blkout_switch_step{from="blue",to="green"} 2',
            'blkout_switch_steps{from="blue",to="green"} 4',
            ...SWITCH_STATES.map(s => `blkout_switch_state{from="blue",to="green",state="${s}"} ${s === "holding" ? 1 : 0}`),
            'blkout_switch_updated_timestamp_seconds{from="blue",to="green"} 1700000000.5',
        ]);
        expect(renderStepMetrics({ ...snapshot, weights: undefined })).not.toContain("blkout_switch_weight_ratio");
        expect(pushUrl("http://127.0.0.1:9091/")).toBe("http://127.0.0.1:9091/metrics/job/blkout_switch");
    });

    it("is pushed once to a Pushgateway given for both colours, and in order, the newest waiting replacing older ones", async () => {
        const bodies: string[] = [];
        let release: () => void = () => undefined;
        const fake = (async (_url: string, init: { body: string }) => {
            bodies.push(init.body);
            if (bodies.length === 1) await new Promise<void>(resolve => { release = resolve; });
            return new Response("", { status: 200 });
        }) as unknown as typeof fetch;
        const reporter = new PushgatewayStepReporter({ urls: { blue: "http://pg:9091", green: "http://pg:9091" }, warn: () => undefined, fetch: fake });
        for (const step of [1, 2, 3]) reporter.report({ ...snapshot, step });
        release();
        await reporter.settle();
        expect(bodies.map(b => /blkout_switch_step\{[^}]*\} (\d)/.exec(b)![1])).toEqual(["1", "3"]);
    });
});

describe("--pushgateway-url", () => {
    it("takes one URL for both colours or one per colour, from the flag or PUSHGATEWAY_URL, and is off when absent", () => {
        expect(parseArgs(["to", "green"], {}).options?.pushgateway).toBeUndefined();
        expect(parseArgs(["to", "green"], { PUSHGATEWAY_URL: "http://127.0.0.1:9091" }).options?.pushgateway).toEqual({ blue: "http://127.0.0.1:9091", green: "http://127.0.0.1:9091" });
        expect(parseArgs(["to", "green", "--pushgateway-url", "blue=http://a:9091,green=http://b:9091"], {}).options?.pushgateway).toEqual({ blue: "http://a:9091", green: "http://b:9091" });
    });

    it("names the flag for a bad value, with the other problems at once", () => {
        expect(parseArgs(["to", "green", "--pushgateway-url", "http://user:pw@pg:9091", "--steps", "x"], {}).problems).toEqual([
            '--steps[0]: expected an integer percentage 1-100, got "x"',
            "--pushgateway-url: expected a URL without credentials (they would be journaled and printed)",
        ]);
        expect(parseArgs(["to", "green"], { PUSHGATEWAY_URL: "blue=http://a:9091" }).problems).toEqual([
            "PUSHGATEWAY_URL: expected a URL for green too (blue=URL,green=URL)",
        ]);
    });

    it("wires a Pushgateway reporter only when given", () => {
        const io = { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: h.dir };
        const options = (argv: string[]) => parseArgs(["to", "green", "--store", h.dir, ...argv], {}).options!;
        expect(assembleDeps(options([]), io, h.reporter, h.traffic).steps).toBeUndefined();
        expect(assembleDeps(options(["--pushgateway-url", "http://127.0.0.1:9091"]), io, h.reporter, h.traffic).steps).toBeInstanceOf(PushgatewayStepReporter);
    });
});
