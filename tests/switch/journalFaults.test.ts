import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SwitchCommands } from "../../switch/commands";
import { SwitchEngine } from "../../switch/engine";
import { JournalEvent, MetricsSpec } from "../../switch/journal";
import { MetricsSource } from "../../switch/metrics";
import { describeEntry } from "../../switch/reporter";
import { history, statusReport } from "../../switch/settle";
import { allEntries, harness, Harness, SEED_SETTINGS } from "./support/fakes";

let h: Harness;
beforeEach(async () => { h = await harness(); });
afterEach(() => h.cleanup());

const switchId = "sw-000001-20250601T110000Z-abc123";
const commands = () => new SwitchCommands(new SwitchEngine(h.deps, SEED_SETTINGS), { requestWaitMs: 1000, pollMs: 100 });
const entryPath = (seq: number) => join(h.dir, "journal", switchId, `${String(seq).padStart(8, "0")}.json`);
const started = (over: Partial<Extract<JournalEvent, { type: "start" }>> = {}): JournalEvent => ({
    type: "start", from: "blue", to: "green", steps: [5, 20, 50, 100], windowMs: 60_000, thresholds: SEED_SETTINGS.thresholds, sampleIntervalMs: 5000,
    releases: { blue: "1.0.0", green: "1.1.0" }, metrics: { kind: "synthetic", probePaths: ["/scripted"] }, ...over,
});

/** A switch at 20 %, its run gone, written as the tool writes it. */
async function splitAt20(start = started()): Promise<void> {
    const append = (event: JournalEvent) => h.deps.journal.append(switchId, event, { fence: 1, by: "crashed", at: "2025-06-01T11:00:00.000Z" });
    await append(start);
    await append({ type: "step-start", step: 0, weights: { blue: 95, green: 5 } });
    await append({ type: "verified", step: 0, weights: { blue: 95, green: 5 } });
    await append({ type: "step-start", step: 1, weights: { blue: 80, green: 20 } });
    await h.traffic.setWeights({ blue: 80, green: 20 }, "blue");
    h.traffic.applied.length = 0;
}

describe.each([
    ["corrupt", "{\"v\":1,\"seq\":5,\"ty\u0000pe\":", /00000005\.json: corrupt \(not JSON\), skipped/],
    ["truncated", JSON.stringify({ v: 1, seq: 5, fence: 1, switchId, at: "x", by: "x", type: "verified", step: 1, weights: { blue: 80, green: 20 } }).slice(0, 40), /00000005\.json: corrupt \(not JSON\), skipped/],
    ["unknown", JSON.stringify({ v: 1, seq: 5, fence: 1, switchId, at: "x", by: "x", type: "teleported" }), /00000005\.json: unknown entry type "teleported", skipped/],
])("a %s entry", (_kind, body, problem) => {
    beforeEach(async () => {
        await splitAt20();
        await writeFile(entryPath(5), body);
    });

    it("is reported and skipped by status and history, which still answer", async () => {
        const status = await statusReport(h.deps);
        expect(status.latest).toMatchObject({ switchId, state: "running", step: 1 });
        expect(status.problems).toEqual([expect.stringMatching(problem)]);
        const { records, problems } = await history(h.deps);
        expect(records.map(r => r.switchId)).toEqual([switchId]);
        expect(problems).toEqual([expect.stringMatching(problem)]);
    });

    it("stops resume, which could repeat or skip what it said, but not rollback", async () => {
        expect(await commands().resume()).toEqual({ kind: "refused", reasons: [expect.stringMatching(/has 1 unreadable journal entries .*`rollback` works regardless/)] });
        expect(await commands().rollback("journal damaged")).toMatchObject({ kind: "rolled-back" });
        expect(await h.traffic.getWeights()).toEqual({ blue: 100, green: 0 });
    });
});

describe("a journal written by a newer version of the tool", () => {
    beforeEach(async () => {
        await splitAt20();
        await writeFile(entryPath(5), JSON.stringify({ v: 2, seq: 5, fence: 1, switchId, at: "x", by: "newer", type: "step-start", step: 3, weights: { blue: 0, green: 100 } }));
    });

    it("is refused by resume and by a new switch; status names it; rollback still works from the live weights", async () => {
        expect(await commands().resume()).toEqual({ kind: "refused", reasons: [expect.stringMatching(/written by a newer version of this tool: upgrade it before resuming/)] });
        expect((await commands().plan({ target: "green", steps: [5, 20, 50, 100], windowMs: 60_000 })).refusals).toContainEqual(expect.stringMatching(/written by a newer version of this tool/));
        expect((await statusReport(h.deps)).problems).toEqual([expect.stringMatching(/journal format 2, newer than this tool's 1: upgrade the tool/)]);
        const before = (await allEntries(h.deps.journal)).length;
        expect(await commands().rollback("older tool")).toMatchObject({ kind: "rolled-back", reason: expect.stringMatching(/journal unusable: written by a newer version/) });
        expect(await h.traffic.getWeights()).toEqual({ blue: 100, green: 0 });
        // Nothing written into a journal this tool cannot read.
        expect((await allEntries(h.deps.journal)).length).toBe(before);
    });
});

describe("an empty journal with traffic split", () => {
    it("is not a dead end: `to` and `resume` point at `rollback`, which works", async () => {
        await mkdir(join(h.dir, "journal"), { recursive: true });
        await h.traffic.setWeights({ blue: 80, green: 20 }, "blue");
        expect((await commands().plan({ target: "green", steps: [5, 20, 50, 100], windowMs: 60_000 })).refusals).toContainEqual(expect.stringMatching(/traffic is split .* run `rollback`/));
        expect(await commands().resume()).toEqual({ kind: "refused", reasons: [expect.stringMatching(/holds no switch: nothing to resume; traffic is split \(blue 80 \/ green 20\): run `rollback`, which works without a journal/)] });
        expect(await commands().rollback("clean up")).toMatchObject({ kind: "rolled-back" });
        expect(await h.traffic.getWeights()).toEqual({ blue: 100, green: 0 });
    });
});

describe("resume uses what the switch was started with", () => {
    it("keeps the journaled thresholds: a 45 s health failure does not roll back a switch started with a 60 s limit", async () => {
        await splitAt20(started({ thresholds: { ...SEED_SETTINGS.thresholds, healthFailingMs: 60_000 } }));
        h.health.script = (colour, ms) => ({ healthy: !(colour === "green" && ms >= 10_000 && ms < 55_000) });
        expect(await commands().resume()).toMatchObject({ kind: "completed" });
    });

    it("uses an explicit override instead, and journals it", async () => {
        await splitAt20(started({ thresholds: { ...SEED_SETTINGS.thresholds, healthFailingMs: 60_000 } }));
        h.health.script = (colour, ms) => ({ healthy: !(colour === "green" && ms >= 10_000 && ms < 55_000) });
        expect(await commands().resume({ thresholds: { healthFailingMs: 30_000 } })).toMatchObject({ kind: "rolled-back" });
        expect((await allEntries(h.deps.journal)).find(e => e.type === "resumed")).toMatchObject({ overrides: { thresholds: { healthFailingMs: 30_000 } } });
    });

    it("reads metrics from the journaled source, not the command line's", async () => {
        const journaled: MetricsSpec = { kind: "prometheus", urls: { blue: "http://127.0.0.1:9091", green: "http://127.0.0.1:9092" } };
        await splitAt20(started({ metrics: journaled }));
        const asked: MetricsSpec[] = [];
        const source: MetricsSource = { name: "journaled prometheus", sample: async () => ({ errorRate: 0.001, p95Ms: 100 }) };
        const deps = { ...h.deps, metrics: { name: "command line", sample: async () => { throw new Error("not this one"); } }, metricsFor: (spec: MetricsSpec) => { asked.push(spec); return source; } };
        const outcome = await new SwitchCommands(new SwitchEngine(deps, SEED_SETTINGS), { requestWaitMs: 1000, pollMs: 100 }).resume();
        expect(outcome.kind).toBe("completed");
        expect(asked).toEqual([journaled]);
    });
});

describe("a journal written before each colour had its own Prometheus URL", () => {
    const oldSpec = { kind: "prometheus", url: "http://prometheus.monitoring:9090" };
    const bothColours: MetricsSpec = { kind: "prometheus", urls: { blue: "http://prometheus.monitoring:9090", green: "http://prometheus.monitoring:9090" } };
    /** The start entry as the previous tool wrote it: `metrics: { kind, url }`. */
    async function oldStart(): Promise<void> {
        await mkdir(join(h.dir, "journal", switchId), { recursive: true });
        await writeFile(entryPath(1), JSON.stringify({ ...started(), metrics: oldSpec, v: 1, seq: 1, fence: 1, switchId, at: "2025-06-01T11:00:00.000Z", by: "older tool" }));
        const append = (event: JournalEvent) => h.deps.journal.append(switchId, event, { fence: 1, by: "older tool", at: "2025-06-01T11:00:01.000Z" });
        await append({ type: "step-start", step: 0, weights: { blue: 95, green: 5 } });
        await append({ type: "verified", step: 0, weights: { blue: 95, green: 5 } });
        await append({ type: "step-start", step: 1, weights: { blue: 80, green: 20 } });
        await h.traffic.setWeights({ blue: 80, green: 20 }, "blue");
    }

    it("reads its one URL as both colours' in status, history and the printed start line", async () => {
        await oldStart();
        const status = await statusReport(h.deps);
        expect(status.problems).toEqual([]);
        expect(status.latest).toMatchObject({ switchId, state: "running", step: 1, metrics: bothColours });
        expect((await history(h.deps)).records[0].metrics).toEqual(bothColours);
        const start = (await allEntries(h.deps.journal)).find(e => e.type === "start")!;
        expect(describeEntry(start)).toContain("metrics from prometheus at http://prometheus.monitoring:9090, by older tool");
    });

    it("resumes on that URL for both colours, and reads an old-shape override in a resumed entry the same way", async () => {
        await oldStart();
        await writeFile(entryPath(5), JSON.stringify({ type: "resumed", step: 1, overrides: { metrics: { kind: "prometheus", url: "http://override:9090" } }, v: 1, seq: 5, fence: 2, switchId, at: "2025-06-01T11:01:00.000Z", by: "older tool" }));
        const resumed = (await allEntries(h.deps.journal)).find(e => e.type === "resumed");
        expect(resumed).toMatchObject({ overrides: { metrics: { kind: "prometheus", urls: { blue: "http://override:9090", green: "http://override:9090" } } } });
        const asked: MetricsSpec[] = [];
        const source: MetricsSource = { name: "journaled prometheus", sample: async () => ({ errorRate: 0.001, p95Ms: 100 }) };
        const deps = { ...h.deps, metricsFor: (spec: MetricsSpec) => { asked.push(spec); return source; } };
        expect((await new SwitchCommands(new SwitchEngine(deps, SEED_SETTINGS), { requestWaitMs: 1000, pollMs: 100 }).resume()).kind).toBe("completed");
        expect(asked).toEqual([bothColours]);
    });
});

describe("writers whose clocks disagree", () => {
    it("order by sequence: a switch completed by a machine ten minutes behind reads as completed, and resume leaves it alone", async () => {
        await splitAt20();
        const behind = { fence: 1, by: "laptop", at: "2025-06-01T10:50:00.000Z" };
        for (const [step, green] of [[2, 50], [3, 100]] as const) {
            await h.deps.journal.append(switchId, { type: "step-start", step, weights: { blue: 100 - green, green } }, behind);
            await h.deps.journal.append(switchId, { type: "verified", step, weights: { blue: 100 - green, green } }, behind);
        }
        await h.deps.journal.append(switchId, { type: "completed", weights: { blue: 0, green: 100 } }, behind);
        await h.traffic.setWeights({ blue: 0, green: 100 }, "green");
        expect((await statusReport(h.deps)).latest).toMatchObject({ state: "completed", step: 3 });
        expect(await commands().resume()).toEqual({ kind: "refused", reasons: [`switch ${switchId} is already completed: nothing to resume`] });
        expect(await h.traffic.getWeights()).toEqual({ blue: 0, green: 100 });
    });
});
