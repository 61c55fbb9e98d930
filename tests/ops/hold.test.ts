import { DEFAULT_HOLD_MS, holdRefusals, standby } from "../../switch/hold";
import { ACTIVE, holdDeps, RecordingStacks } from "./support/lifecycleDoubles";

const ENDED = "2026-11-30T10:00:00.000Z";
const completed = { switchId: "sw-1", from: "blue" as const, to: "green" as const, state: "completed", endedAt: ENDED };
const at = (hoursAfterEnd: number) => Date.parse(ENDED) + hoursAfterEnd * 3_600_000;
const request = (extra: Partial<Parameters<typeof standby>[0]> = {}) => ({ colour: "blue" as const, holdMs: DEFAULT_HOLD_MS, checkOnly: false, ...extra });

describe("standby after a switch: the hold", () => {
    test("the colour switched away from stays active for 24 h by default: refused, with the time left", async () => {
        const stacks = new RecordingStacks({ blue: ACTIVE, green: ACTIVE });
        const outcome = await standby(request(), holdDeps({ stacks, weights: { blue: 0, green: 100 }, latest: completed, now: at(3) }));
        expect(outcome).toEqual({ kind: "refused", reasons: [expect.stringMatching(/blue is on hold after switch sw-1 \(blue -> green, ended 2026-11-30T10:00:00\.000Z\): 21\.0 h of 24\.0 h left; --force <reason>/)] });
        expect(stacks.applied).toEqual([]);
    });

    test("after the hold it goes to standby, keeping the HA control plane DigitalOcean cannot turn off", async () => {
        const stacks = new RecordingStacks({ blue: ACTIVE, green: ACTIVE });
        const deps = holdDeps({ stacks, weights: { blue: 0, green: 100 }, latest: completed, now: at(24) });
        expect(await standby(request(), deps)).toEqual({ kind: "allowed", forced: false, applied: true });
        expect(stacks.applied).toEqual([{ colour: "blue", settings: { mode: "standby", haControlPlane: true } }]);
        expect(deps.journaled).toEqual([]);
    });

    test("--force with a reason skips the hold and journals who, why, when and how much hold was left", async () => {
        const stacks = new RecordingStacks({ blue: ACTIVE, green: ACTIVE });
        const deps = holdDeps({ stacks, weights: { blue: 0, green: 100 }, latest: completed, now: at(20) });
        expect(await standby(request({ forceReason: "cost freeze, INC-42" }), deps)).toEqual({ kind: "allowed", forced: true, applied: true });
        expect(deps.journaled).toEqual([{
            type: "standby-forced", colour: "blue", reason: "cost freeze, INC-42", by: "ops@blkoutuk.com",
            at: new Date(at(20)).toISOString(), switchId: "sw-1", holdRemainingMs: 4 * 3_600_000,
        }]);
    });

    test("a journal that cannot be written stops the forced standby before the stack is touched", async () => {
        const stacks = new RecordingStacks({ blue: ACTIVE, green: ACTIVE });
        const deps = { ...holdDeps({ stacks, weights: { blue: 0, green: 100 }, latest: completed, now: at(1) }), journal: () => Promise.reject(new Error("disk full")) };
        await expect(standby(request({ forceReason: "why" }), deps)).rejects.toThrow("disk full");
        expect(stacks.applied).toEqual([]);
    });

    test("never while it carries traffic or a switch is unsettled, even forced", async () => {
        const stacks = new RecordingStacks({ blue: ACTIVE, green: ACTIVE });
        const running = { switchId: "sw-2", from: "blue" as const, to: "green" as const, state: "running" };
        const outcome = await standby(request({ forceReason: "please" }), holdDeps({ stacks, weights: { blue: 80, green: 20 }, latest: running, now: at(48) }));
        expect(outcome).toEqual({ kind: "refused", reasons: [
            "blue carries 80 % of traffic: switch it away first (npm run switch -- to <other colour>)",
            "switch sw-2 (blue -> green) is running: settle it first",
        ] });
        expect(stacks.applied).toEqual([]);
    });

    test("--check-config only checks (the deploy workflow), and the colour switched TO is not held", async () => {
        const stacks = new RecordingStacks({ blue: ACTIVE, green: ACTIVE });
        expect(await standby(request({ checkOnly: true }), holdDeps({ stacks, weights: { blue: 0, green: 100 }, latest: completed, now: at(30) })))
            .toEqual({ kind: "allowed", forced: false, applied: false });
        expect(holdRefusals("green", { blue: 100, green: 0 }, { ...completed, from: "green", to: "blue", state: "rolled-back" }, DEFAULT_HOLD_MS, at(1)).holdRemainingMs).toBe(0);
        expect(stacks.applied).toEqual([]);
    });

    test("a clock that jumped backwards never lengthens the hold past its period; an unreadable end time holds", () => {
        expect(holdRefusals("blue", { blue: 0, green: 100 }, completed, DEFAULT_HOLD_MS, at(-100)).holdRemainingMs).toBe(DEFAULT_HOLD_MS);
        expect(holdRefusals("blue", { blue: 0, green: 100 }, { ...completed, endedAt: "garbage" }, DEFAULT_HOLD_MS, at(100)).holdRemainingMs).toBe(DEFAULT_HOLD_MS);
    });
});
