import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { SwitchCommands } from "../../switch/commands";
import { SwitchEngine } from "../../switch/engine";
import { JournalEntry, JournalEvent } from "../../switch/journal";
import { history, statusReport } from "../../switch/settle";
import { allEntries, colourOutputs, harness, Harness, SEED_SETTINGS } from "./support/fakes";

let h: Harness;
beforeEach(async () => { h = await harness(); });
afterEach(() => h.cleanup());

const request = { target: "green" as const, steps: [5, 20, 50, 100], windowMs: 60_000 };
const commands = () => new SwitchCommands(new SwitchEngine(h.deps, SEED_SETTINGS), { requestWaitMs: 1000, pollMs: 100 });
const entries = (): Promise<JournalEntry[]> => allEntries(h.deps.journal);

/** Journals a switch that got as far as step `step` and then lost its process. */
async function interruptedAt(step: number, extra: JournalEntry["type"][] = []): Promise<string> {
    const switchId = "sw-000001-20250601T110000Z-dead01";
    const meta = { fence: 1, by: "crashed@example.org", at: "2025-06-01T11:00:00.000Z" };
    const append = (event: JournalEvent) => h.deps.journal.append(switchId, event, meta);
    await append({ type: "start", from: "blue", to: "green", steps: [5, 20, 50, 100], windowMs: 60_000, thresholds: SEED_SETTINGS.thresholds, sampleIntervalMs: 5000, releases: { blue: "1.0.0", green: "1.1.0" }, metrics: { kind: "synthetic", probePaths: ["/scripted"] } });
    for (let i = 0; i <= step; i++) {
        const weights = { blue: 100 - [5, 20, 50, 100][i], green: [5, 20, 50, 100][i] };
        await append({ type: "step-start", step: i, weights });
        await append({ type: "verified", step: i, weights });
    }
    if (extra.includes("rollback-start")) {
        await append({ type: "rollback-start", reason: "green health failing", weights: { blue: 100, green: 0 }, breachStartedAt: "2025-06-01T10:59:30.000Z" });
    }
    await h.traffic.setWeights({ blue: 100 - [5, 20, 50, 100][step], green: [5, 20, 50, 100][step] }, "blue");
    h.traffic.applied.length = 0;
    h.traffic.calls.length = 0;
    // The crashed run's lease, left behind by a pid that no longer exists.
    await h.deps.lock.acquire({ token: "dead", fence: 0, by: "crashed@example.org", host: require("node:os").hostname(), pid: 2 ** 22 + 7, purpose: "switch to green", switchId, expiresAt: h.clock.now() + 60_000 });
    return switchId;
}

describe("refusals before a switch starts", () => {
    it("refuses, naming every reason at once, and touches nothing", async () => {
        h.traffic.outputs = { blue: colourOutputs("blue", "1.1.0"), green: colourOutputs("green", "1.1.0", { mode: "standby" }) };
        h.health.script = colour => ({ healthy: colour !== "green", failures: ["/health/ivor answered 503"] });
        h.traffic.maxShare = 30;
        const outcome = await commands().switchTo(request);
        expect(outcome).toEqual({
            kind: "refused",
            reasons: [
                "green is in standby mode: warm it first (npm run switch -- warm green) before it takes traffic",
                "green runs release 1.1.0, the same as blue: nothing to switch",
                "green is unhealthy: /health/ivor answered 503",
                "steps[3]: moves 50 points, more than the traffic stack's maxStepShare 30",
            ],
        });
        expect(h.traffic.calls).toEqual([]);
        expect(await entries()).toEqual([]);
    });

    it("refuses a colour that is not deployed", async () => {
        h.traffic.outputs = { blue: colourOutputs("blue", "1.0.0") };
        expect(await commands().switchTo(request)).toEqual({ kind: "refused", reasons: ["green is not deployed: its stack has no outputs"] });
    });

    it("refuses the colour that is already live", async () => {
        await h.traffic.setWeights({ blue: 0, green: 100 }, "blue");
        const outcome = await commands().switchTo(request);
        expect(outcome.kind === "refused" && outcome.reasons).toContain("green is already live (blue 0 / green 100)");
    });

    it("refuses while another run holds the lock", async () => {
        const other = h.deps.lock.holderFor({ by: "someone@example.org", purpose: "roll back sw-x" }, 60_000);
        await h.deps.lock.acquire({ ...other, host: "laptop-7" });
        const outcome = await commands().switchTo(request);
        expect(outcome.kind === "refused" && outcome.reasons[0]).toMatch(/^another run holds the switch lock: roll back sw-x by someone@example.org on laptop-7/);
        expect(h.traffic.calls).toEqual([]);
    });

    it("refuses while the journal holds an interrupted switch, pointing at resume and rollback", async () => {
        await interruptedAt(1);
        const outcome = await commands().switchTo(request);
        expect(outcome.kind === "refused" && outcome.reasons).toEqual([
            "switch sw-000001-20250601T110000Z-dead01 (blue -> green) was interrupted at blue 80 / green 20: run `resume` or `rollback` first",
        ]);
    });
});

describe("dry run", () => {
    it("returns the plan and writes no journal, lock or weights", async () => {
        const result = await commands().plan(request);
        expect(result.refusals).toEqual([]);
        expect(result.plan?.steps.map(s => s.weights.green)).toEqual([5, 20, 50, 100]);
        expect(h.traffic.calls).toEqual([]);
        await expect(stat(join(h.dir, "journal"))).rejects.toThrow(/ENOENT/);
        await expect(stat(join(h.dir, "switch.lock"))).rejects.toThrow(/ENOENT/);
    });
});

describe("resume from the journal", () => {
    it("re-applies the interrupted step, observes it again and finishes", async () => {
        const switchId = await interruptedAt(1);
        const outcome = await commands().resume();
        expect(outcome).toEqual({ kind: "completed", switchId });
        expect(h.traffic.applied.map(w => w.green)).toEqual([20, 50, 100]);
        const types = (await entries()).map(e => e.type);
        expect(types.slice(types.indexOf("resumed"), types.indexOf("resumed") + 2)).toEqual(["resumed", "step-start"]);
        expect((await entries()).every(e => e.switchId === switchId)).toBe(true);
    });

    it("finishes a rollback the crash interrupted, timed from the original breach", async () => {
        await interruptedAt(1, ["rollback-start"]);
        const outcome = await commands().resume();
        expect(outcome.kind).toBe("rolled-back");
        expect(h.traffic.applied).toEqual([{ blue: 100, green: 0 }]);
        expect(outcome.kind === "rolled-back" && outcome.durationMs).toBe(h.clock.now() - Date.parse("2025-06-01T10:59:30.000Z"));
    });

    it("refuses when the latest switch is settled", async () => {
        await commands().switchTo(request);
        const outcome = await commands().resume();
        expect(outcome.kind === "refused" && outcome.reasons[0]).toMatch(/^switch sw-\S+ is already completed: nothing to resume$/);
    });
});

describe("rollback and abort commands", () => {
    it("rolls a completed switch back to the colour that was live before it, in one update", async () => {
        await commands().switchTo(request);
        h.traffic.applied.length = 0;
        const outcome = await commands().rollback("bad reviews");
        expect(outcome).toMatchObject({ kind: "rolled-back", reason: "bad reviews" });
        expect(h.traffic.applied).toEqual([{ blue: 100, green: 0 }]);
        const again = await commands().rollback("twice");
        expect(again.kind === "refused" && again.reasons[0]).toMatch(/is already rolled back: blue 100 \/ green 0$/);
    });

    it("aborts an interrupted switch without touching the weights", async () => {
        await interruptedAt(2);
        expect((await commands().abort()).kind).toBe("aborted");
        expect(h.traffic.calls).toEqual([]);
        expect(await h.traffic.getWeights()).toEqual({ blue: 50, green: 50 });
        const status = await statusReport(h.deps);
        expect(status.latest).toMatchObject({ state: "aborted", step: 2 });
    });
});

describe("the deployment record", () => {
    it("keeps who, which releases, when, outcome and the rollback reason and duration", async () => {
        h.health.script = (colour, ms) => ({ healthy: !(colour === "green" && ms >= 10_000) });
        await commands().switchTo(request);
        const { records: [record] } = await history(h.deps);
        expect(record).toMatchObject({
            by: "tester@example.org", from: "blue", to: "green", releases: { blue: "1.0.0", green: "1.1.0" },
            state: "rolled-back", rollbackReason: expect.stringMatching(/^green health failing/),
        });
        expect(record.rollbackDurationMs).toBeGreaterThanOrEqual(30_000);
        expect(Date.parse(record.endedAt!)).toBeGreaterThan(Date.parse(record.startedAt));
        const files = await readdir(join(h.dir, "journal", record.switchId));
        expect(files).toEqual(files.map((_, i) => `${String(i + 1).padStart(8, "0")}.json`));
        const first = JSON.parse(await readFile(join(h.dir, "journal", record.switchId, files[0]), "utf8"));
        expect(first).toMatchObject({ v: 1, seq: 1, fence: 1, type: "start", switchId: record.switchId });
    });
});
