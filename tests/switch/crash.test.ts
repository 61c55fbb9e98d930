import { ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { runCli } from "../../switch/cli";
import { Colour, formatWeights, liveColourOf } from "../../switch/plan";
import { replay } from "../../switch/record";
import { assembleDeps, openStore } from "../../switch/wiring";
import { allEntries, colourOutputs } from "./support/fakes";
import { FileWeights } from "./support/fileWeights";
import { RecordingTraffic } from "./support/trafficDouble";

/**
 * The switch process killed with SIGKILL at each point of a switch and of a rollback; then, from
 * a fresh run, `status` answers, and `rollback` (or `resume`) leaves traffic whole with a record
 * that says so. Every split the load balancer ever held was journaled before it was made.
 */
jest.setTimeout(60_000);
const outputs = { blue: colourOutputs("blue", "1.0.0"), green: colourOutputs("green", "1.1.0") };
const FLAGS = ["--window", "300ms", "--interval", "100ms", "--health-fail", "300ms", "--metrics-grace", "1s", "--retry-delay", "50ms", "--lock-ttl", "10s"];
let dir: string;
let weights: FileWeights;
const children: ChildProcess[] = [];
beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "blkout-crash-"));
    weights = await FileWeights.create(join(dir, "weights.json"), { blue: 100, green: 0 });
});
afterEach(() => rm(dir, { recursive: true, force: true }));
afterAll(() => children.forEach(child => child.kill("SIGKILL")));

function startChild(point: string, env: Record<string, string>, extra: string[] = []): ChildProcess {
    const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), join(__dirname, "support", "crashProcess.ts"), "to", "green", "--store", join(dir, "store"), ...FLAGS, ...extra], {
        env: { ...process.env, CI: "true", BLKOUT_SWITCH_ACTOR: "doomed", CRASH_AT: point, CRASH_WEIGHTS: join(dir, "weights.json"), CRASH_OUTPUTS: JSON.stringify(outputs), ...env },
        stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    return child;
}

function killedAt(point: string, env: Record<string, string> = {}): Promise<NodeJS.Signals | null> {
    const child = startChild(point, env);
    return new Promise(resolve => child.once("exit", (_code, signal) => resolve(signal)));
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const text = { stdout: "", stderr: "" };
    const sink = (key: keyof typeof text) => new Writable({ write(chunk, _e, done) { text[key] += String(chunk); done(); } });
    const traffic = new RecordingTraffic(weights, outputs, undefined, "blue");
    const healthy = { check: async (_c: Colour) => ({ healthy: true, failures: [], missing: [] }) };
    const steady = { name: "steady", sample: async () => ({ errorRate: 0.001, p95Ms: 100 }) };
    const code = await runCli([...argv, "--store", join(dir, "store"), ...FLAGS], { stdout: sink("stdout"), stderr: sink("stderr"), env: { CI: "true", BLKOUT_SWITCH_ACTOR: "recovery" }, cwd: "/" },
        async (options, io, reporter) => ({ ...assembleDeps(options, io, reporter, traffic), health: healthy, metrics: steady, metricsFor: () => steady }));
    return { code, ...text };
}

const entries = () => allEntries(openStore(join(dir, "store"), {}, "/", Date.now).journal);

/** Every split weight the load balancer held was written in the journal first. */
async function everySplitJournaled(): Promise<void> {
    const meant = new Set((await entries()).flatMap(e => ("weights" in e && e.weights ? [formatWeights(e.weights)] : [])));
    for (const held of weights.history().filter(w => liveColourOf(w) === undefined)) {
        expect(meant).toContain(formatWeights(held));
    }
}

describe.each([
    ["after the start entry", "entry:start", {}],
    ["after journaling step 2's intent, before its update", "entry:step-start:2", {}],
    ["inside step 2's update, before the load balancer changed", "before:20", {}],
    ["after the load balancer changed to 20 %, before the switch heard", "after:20", {}],
    ["after step 2 was verified", "entry:verified:2", {}],
    ["while observing (after a gate entry)", "entry:gate:3", {}],
    ["after the rollback was journaled", "entry:rollback-start", { CRASH_GREEN_UNHEALTHY_AT: "20" }],
    ["inside the rollback's update, before the load balancer changed", "before:0", { CRASH_GREEN_UNHEALTHY_AT: "20" }],
    ["after the rollback's update landed, before it was journaled", "after:0", { CRASH_GREEN_UNHEALTHY_AT: "20" }],
])("SIGKILL %s", (_name, point, env) => {
    it("leaves a journal that status reads and a rollback that puts everything on blue", async () => {
        expect(await killedAt(point, env)).toBe("SIGKILL");
        const status = await cli("status");
        expect(status.code).toBe(0);
        expect(status.stdout).toMatch(/latest switch: sw-000001-\S+ {2}(running|rolling-back) {2}blue 1\.0\.0 -> green 1\.1\.0 {2}by doomed/);
        const rolled = await cli("rollback", "--reason", `killed ${point}`);
        expect(rolled).toMatchObject({ code: 0, stderr: "" });
        expect(await weights.get()).toEqual({ blue: 100, green: 0 });
        expect(replay(await entries())).toMatchObject({ state: "rolled-back", rollbackReason: expect.stringContaining("killed") });
        await everySplitJournaled();
    });
});

describe.each([
    ["after the load balancer changed to 20 %", "after:20", {}, { blue: 0, green: 100 }, "completed", 0],
    ["after the rollback was journaled", "entry:rollback-start", { CRASH_GREEN_UNHEALTHY_AT: "20" }, { blue: 100, green: 0 }, "rolled-back", 3],
])("SIGKILL %s, then resume", (_name, point, env, final, state, exit) => {
    it(`finishes what the journal says: ${state}`, async () => {
        expect(await killedAt(point, env)).toBe("SIGKILL");
        const resumed = await cli("resume");
        expect(resumed.code).toBe(exit);
        expect(await weights.get()).toEqual(final);
        expect(replay(await entries())?.state).toBe(state);
        await everySplitJournaled();
    });
});

describe("an interrupt (SIGTERM, Ctrl-C) while traffic is split", () => {
    it("exits saying traffic is split, with the weights and the command to finish", async () => {
        const child = startChild("none", {}, ["--window", "60s"]);
        let stderr = "";
        child.stderr!.on("data", chunk => { stderr += String(chunk); });
        while ((await weights.get()).green !== 5) await new Promise(resolve => setTimeout(resolve, 100));
        child.kill("SIGTERM");
        const code = await new Promise(resolve => child.once("exit", resolve));
        expect(code).toBe(143);
        expect(stderr.trim().split("\n").pop()).toBe(`switch: traffic is split: blue 95 / green 5. To put it all back: npm run switch -- rollback --store ${join(dir, "store")}`);
    });
});
