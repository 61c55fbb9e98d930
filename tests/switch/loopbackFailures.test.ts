import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { formatWeights } from "../../switch/plan";
import { json, startFakeServer } from "./support/httpFake";
import { failed } from "./support/load";
import { edgeTraffic, runSwitch } from "./support/platform";
import { useScenario } from "./support/scenario";

const s = useScenario();
const children: ChildProcess[] = [];
afterAll(() => children.forEach(child => child.kill("SIGKILL")));

describe("the metrics source goes down mid-switch", () => {
    it("halts at the current weights, says so, and does not push forward", async () => {
        let up = true;
        const prometheus = await startFakeServer((req, res) => {
            if (!up) return json(res, 503, { status: "error", error: "prometheus is restarting" });
            const value = req.url.searchParams.get("query")!.startsWith("histogram_quantile") ? "120" : "0.001";
            json(res, 200, { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [Date.now() / 1000, value] }] } });
        });
        try {
            void s.edgeReaches(20).then(() => { up = false; });
            const run = await runSwitch(["to", "green", ...s.flags(), "--metrics", "prometheus", "--prometheus-url", prometheus.url], edgeTraffic(s.platform));
            expect(run.code).toBe(4);
            // Both colours lose their metrics together; which one crosses the grace period first
            // depends on which in-flight query the fake answered last, so either may be named.
            expect(run.stderr).toMatch(/halted at its current weights: (blue|green) metrics unavailable for [\d.]+ s \(prometheus: prometheus http:\/\/127\.0\.0\.1:\d+: prometheus is restarting\)/);
            expect(s.greenShares()).toEqual([5, 20]);
            expect(s.platform.edge.weights()).toEqual({ blue: 80, green: 20 });
            const entries = await s.journal();
            expect(entries.map(e => e.type).slice(-1)).toEqual(["halted"]);
            expect(prometheus.requests.some(r => /colour="green"/.test(r.url.searchParams.get("query") ?? ""))).toBe(true);
        } finally {
            await prometheus.close();
        }
    });
});

describe("the switch process is killed mid-switch", () => {
    function startSwitchProcess(argv: string[]): ChildProcess {
        const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), join(__dirname, "support", "switchProcess.ts"), ...argv], {
            env: { ...process.env, CI: "true", BLKOUT_SWITCH_ACTOR: "crashing-run", SWITCH_TEST_EDGE: s.platform.edge.url, SWITCH_TEST_OUTPUTS: JSON.stringify(s.platform.outputs) },
            stdio: "ignore",
        });
        children.push(child);
        return child;
    }

    /** Every weight the edge ever held was one the journal meant: no unknown split. */
    async function everySplitJournaled(): Promise<void> {
        const meant = new Set((await s.journal()).flatMap(e => ("weights" in e && e.weights ? [formatWeights(e.weights)] : [])));
        for (const change of s.changes()) {
            expect(meant).toContain(formatWeights(change.weights));
        }
    }

    it("a second run resumes from the journal and completes, with no failed request", async () => {
        s.load.start();
        const child = startSwitchProcess(["to", "green", ...s.flags()]);
        await s.edgeReaches(20);
        child.kill("SIGKILL");
        await new Promise(resolve => child.once("exit", resolve));
        const status = await runSwitch(["status", ...s.flags()], edgeTraffic(s.platform));
        expect(status.stdout).toMatch(/latest switch: sw-\S+ {2}running {2}blue 1\.0\.0 -> green 1\.1\.0 {2}by crashing-run/);
        const resumed = await runSwitch(["resume", ...s.flags()], edgeTraffic(s.platform));
        const results = await s.load.stop();
        expect(resumed).toMatchObject({ code: 0, stderr: "" });
        expect(s.platform.edge.weights()).toEqual({ blue: 0, green: 100 });
        expect(s.greenShares()).toEqual([5, 20, 20, 50, 100]);
        const entries = await s.journal();
        expect(new Set(entries.map(e => e.switchId)).size).toBe(1);
        expect(entries.find(e => e.type === "resumed")).toMatchObject({ by: "loopback-test", step: 1 });
        await everySplitJournaled();
        expect(results.filter(failed)).toEqual([]);
    });

    it("a second run rolls back from the journal", async () => {
        const child = startSwitchProcess(["to", "green", ...s.flags()]);
        await s.edgeReaches(50);
        child.kill("SIGKILL");
        await new Promise(resolve => child.once("exit", resolve));
        const rolled = await runSwitch(["rollback", "--reason", "crashed during the switch", ...s.flags()], edgeTraffic(s.platform));
        expect(rolled.code).toBe(0);
        expect(rolled.stdout).toMatch(/rolled back \(crashed during the switch\)/);
        expect(s.platform.edge.weights()).toEqual({ blue: 100, green: 0 });
        await everySplitJournaled();
        const history = await runSwitch(["history", ...s.flags()], edgeTraffic(s.platform));
        expect(history.stdout).toMatch(/rolled-back {2}blue 1\.0\.0 -> green 1\.1\.0 {2}by crashing-run/);
        expect(history.stdout).toContain("rollback: crashed during the switch");
    });
});

describe("the traffic stack update fails", () => {
    it("retries, then rolls back, and traffic ends wholly on blue", async () => {
        const traffic = edgeTraffic(s.platform);
        void s.edgeReaches(5).then(() => traffic.failNext(3, { kind: "error", message: "error: [409] Conflict: Another update is currently in progress." }));
        s.load.start();
        const run = await runSwitch(["to", "green", ...s.flags()], traffic);
        const results = await s.load.stop();
        expect(run.code).toBe(3);
        const failures = (await s.journal()).filter(e => e.type === "update-failed");
        expect(failures.map(e => e.type === "update-failed" && [e.step, e.attempt])).toEqual([[1, 1], [1, 2], [1, 3]]);
        expect(traffic.calls.map(c => c.weights.green)).toEqual([5, 20, 20, 20, 0]);
        expect(s.greenShares()).toEqual([5, 0]);
        expect(run.stderr).toMatch(/rolled back \(traffic update failed at step 2 \(blue 80 \/ green 20\): error: \[409\] Conflict/);
        expect(results.filter(failed)).toEqual([]);
    });
});
