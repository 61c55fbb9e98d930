/**
 * The switch CLI as its own process, to be killed: real `runCli`, real file store, the traffic
 * double keeping its weights in a file the test also reads, healthy sources (no gateways needed).
 * CRASH_AT kills this process with SIGKILL at one point: `entry:<type>[:<n>]` right after the n-th
 * journal entry of that type is written, `before:<green share>` inside the update before the load
 * balancer changes, `after:<green share>` once it has changed but before the switch hears of it.
 * CRASH_GREEN_UNHEALTHY_AT=<share> makes green fail its health once it carries that share.
 */
import { runCli } from "../../../switch/cli";
import { Colour, Weights } from "../../../switch/plan";
import { Reporter } from "../../../switch/reporter";
import { assembleDeps } from "../../../switch/wiring";
import { FileWeights } from "./fileWeights";
import { RecordingTraffic } from "./trafficDouble";

const [point, type, nth] = (process.env.CRASH_AT ?? "").split(":");
const die = () => process.kill(process.pid, "SIGKILL");
const weights = new FileWeights(process.env.CRASH_WEIGHTS!);
const traffic = new RecordingTraffic(weights, JSON.parse(process.env.CRASH_OUTPUTS!), undefined, "blue");
const original = traffic.setWeights.bind(traffic);
traffic.setWeights = async (w: Weights, live: Colour) => {
    if (point === "before" && w.green === Number(type)) die();
    const applied = await original(w, live);
    if (point === "after" && w.green === Number(type)) die();
    return applied;
};
const seen = new Map<string, number>();
const unhealthyAt = Number(process.env.CRASH_GREEN_UNHEALTHY_AT ?? 101);

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signals: process }, async (options, io, reporter) => {
    const killing: Reporter = {
        report(progress) {
            reporter.report(progress);
            if (progress.kind !== "entry" || point !== "entry" || progress.entry.type !== type) return;
            seen.set(type, (seen.get(type) ?? 0) + 1);
            if (seen.get(type) === Number(nth ?? 1)) die();
        },
    };
    const steady = { name: "steady", sample: async () => ({ errorRate: 0.001, p95Ms: 100 }) };
    return {
        ...assembleDeps(options, io, killing, traffic),
        health: { check: async (colour: Colour) => ({ healthy: !(colour === "green" && (await weights.get()).green >= unhealthyAt), failures: [], missing: [] }) },
        metrics: steady,
        metricsFor: () => steady,
    };
}).then(code => { process.exitCode = code; });
