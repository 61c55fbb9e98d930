import { SwitchCommands } from "../../switch/commands";
import { LostLockError, SwitchEngine } from "../../switch/engine";
import { JournalEntry } from "../../switch/journal";
import { Weights } from "../../switch/plan";
import { replay } from "../../switch/record";
import { statusReport } from "../../switch/settle";
import { allEntries, harness, Harness, SEED_SETTINGS } from "./support/fakes";

let h: Harness;
beforeEach(async () => { h = await harness(); });
afterEach(() => h.cleanup());

const request = { target: "green" as const, steps: [5, 20, 50, 100], windowMs: 60_000 };
const commands = () => new SwitchCommands(new SwitchEngine(h.deps, SEED_SETTINGS), { requestWaitMs: 1000, pollMs: 100 });
const shares = (ws: readonly Weights[]) => ws.map(w => w.green);

/** Holds the first update that would give green `share` until the test lets it land. */
function holdUpdate(share: number): { reached: Promise<void>; land: () => void } {
    const original = h.traffic.setWeights.bind(h.traffic);
    let reached!: () => void;
    let land!: () => void;
    const gate = new Promise<void>(resolve => { land = resolve; });
    const result = { reached: new Promise<void>(resolve => { reached = resolve; }), land: () => land() };
    let held = false;
    h.traffic.setWeights = async (weights, live) => {
        if (weights.green === share && !held) {
            held = true;
            reached();
            await gate;
        }
        return original(weights, live);
    };
    return result;
}

describe("a lease that lapses while an update is in flight", () => {
    it("lets another run take over and roll back; the late update that lands is detected and corrected, and the fenced run writes nothing more", async () => {
        const update = holdUpdate(50);
        const first = commands().switchTo(request);
        await update.reached;
        // The first run is stuck in its 50 % update past its lease.
        h.clock.stepWall(SEED_SETTINGS.lockTtlMs + 1000);
        expect(await h.deps.lock.current()).toBeUndefined();
        const second = await commands().rollback("took over a stuck switch");
        expect(second).toMatchObject({ kind: "rolled-back" });
        expect(await h.traffic.getWeights()).toEqual({ blue: 100, green: 0 });
        const before = (await allEntries(h.deps.journal)).length;
        update.land();
        expect(await first).toMatchObject({ kind: "halted", reason: expect.stringMatching(/^lost the switch lock/) });
        // The late 50/50 landed, then was put back to what the rollback had read back.
        expect(shares(h.traffic.applied)).toEqual([5, 20, 0, 50, 0]);
        expect(await h.traffic.getWeights()).toEqual({ blue: 100, green: 0 });
        const after = (await allEntries(h.deps.journal)).slice(before);
        expect(after.map(e => e.type)).toEqual(["late-update"]);
        expect(after[0]).toMatchObject({ fence: 0, landed: { blue: 50, green: 50 }, corrected: { blue: 100, green: 0 } });
        const status = await statusReport(h.deps);
        expect(status.latest).toMatchObject({ state: "rolled-back", fence: 2, verified: { blue: 100, green: 0 } });
        expect(status.mismatch).toBeUndefined();
    });
});

describe("fencing in the journal", () => {
    it("refuses a write from a run that lost its lock", async () => {
        const engine = new SwitchEngine(h.deps, SEED_SETTINGS);
        const a = (await h.deps.lock.acquire(h.deps.lock.holderFor({ by: "a", purpose: "p" }, 60_000))).holder;
        await engine.journal({ switchId: "sw-000001-x", holder: a }, { type: "halted", reason: "ok while held" });
        await h.deps.lock.acquire(h.deps.lock.holderFor({ by: "b", purpose: "rollback" }, 60_000), { force: true });
        await expect(engine.journal({ switchId: "sw-000001-x", holder: a }, { type: "halted", reason: "late" })).rejects.toBeInstanceOf(LostLockError);
        expect((await allEntries(h.deps.journal)).map(e => e.type === "halted" && e.reason)).toEqual(["ok while held"]);
    });

    it("skips, in replay, an entry a fenced-off run got in late, and names it", () => {
        const base = { v: 1, switchId: "sw-1", at: "2025-06-01T12:00:00.000Z", by: "x" };
        const entries: JournalEntry[] = [
            { ...base, seq: 1, fence: 1, type: "start", from: "blue", to: "green", steps: [50, 100], windowMs: 1000, thresholds: SEED_SETTINGS.thresholds, sampleIntervalMs: 1000, releases: { blue: "1", green: "2" }, metrics: { kind: "synthetic", probePaths: [] } },
            { ...base, seq: 2, fence: 2, type: "rollback-done", reason: "r", weights: { blue: 100, green: 0 }, durationMs: 1 },
            { ...base, seq: 3, fence: 1, type: "completed", weights: { blue: 0, green: 100 } },
        ];
        const record = replay(entries);
        expect(record).toMatchObject({ state: "rolled-back", fence: 2, fenced: ["entry 3 (completed) by x with fence 1, after fence 2"] });
    });
});

describe("a rollback requested at any moment", () => {
    it("is honoured during the last step's final sample: traffic ends on blue and the record says rolled back", async () => {
        let asked: Promise<unknown> | undefined;
        // Steps are 60 s, samples every 5 s: the last step starts at 180 s, its final sample is at 240 s.
        h.health.script = (_colour, ms) => {
            if (ms >= 240_000 && !asked) asked = commands().rollback("changed our minds");
            return {};
        };
        await commands().switchTo(request);
        expect(await asked).toMatchObject({ kind: "rolled-back", reason: "changed our minds" });
        expect(await h.traffic.getWeights()).toEqual({ blue: 100, green: 0 });
        const record = replay(await allEntries(h.deps.journal));
        expect(record?.state).toBe("rolled-back");
    });
});
