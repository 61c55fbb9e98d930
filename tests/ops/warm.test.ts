import { readinessProblems, warm, WARM_DEFAULTS } from "../../switch/warm";
import { ACTIVE, FakeClock, RecordingStacks, scriptedReadiness, STANDBY_NO_HA, warmDeps } from "./support/lifecycleDoubles";

const options = { ...WARM_DEFAULTS, pollMs: 10_000, timeoutMs: 120_000 };

describe("warm", () => {
    test("a standby colour goes active with the HA control plane on, then waits for three ready samples in a row", async () => {
        const stacks = new RecordingStacks({ blue: ACTIVE, green: STANDBY_NO_HA });
        // Replica still being created, then catching up, then a blip, then steady.
        const readiness = scriptedReadiness([
            [["/healthz: 503"], new Error("connect ECONNREFUSED")],
            [[], 4.2], [[], 0.3], [[], 0.2], [[], 1.5], [[], 0.1], [[], 0.1], [[], 0.05],
        ]);
        const deps = warmDeps(stacks, readiness);
        const outcome = await warm("green", deps, options);
        expect(stacks.applied).toEqual([{ colour: "green", settings: { mode: "active", haControlPlane: true } }]);
        expect(outcome).toEqual({ kind: "warm", colour: "green", changed: true, waitedMs: 7 * 10_000, lagSeconds: 0.05 });
        expect(deps.lines.join("\n")).toMatch(/HA control plane on \(DigitalOcean cannot turn it off again/);
        expect(deps.lines.join("\n")).toMatch(/replica 1\.50 s behind \(needs < 1 s\)/);
    });

    test("an active colour with HA is not updated again, only checked", async () => {
        const stacks = new RecordingStacks({ blue: ACTIVE, green: ACTIVE });
        const outcome = await warm("green", warmDeps(stacks, scriptedReadiness([[[], 0]])), options);
        expect(stacks.applied).toEqual([]);
        expect(outcome).toMatchObject({ kind: "warm", changed: false, waitedMs: 2 * 10_000 });
    });

    test("not ready in time: says why, and undoes nothing (the colour stays active, no traffic moved)", async () => {
        const stacks = new RecordingStacks({ blue: ACTIVE, green: STANDBY_NO_HA });
        const outcome = await warm("green", warmDeps(stacks, scriptedReadiness([[[], 2.5]])), { ...options, timeoutMs: 60_000 });
        expect(outcome).toEqual({ kind: "not-ready", colour: "green", changed: true, waitedMs: 60_000, lastProblems: ["replica 2.50 s behind (needs < 1 s)"] });
        expect(stacks.applied).toHaveLength(1);
    });

    test("a refused update (policy pack or change guard) stops the warm-up before any waiting", async () => {
        const stacks = new RecordingStacks({ blue: ACTIVE, green: STANDBY_NO_HA }, "the change guard refused the update of green");
        const readiness = scriptedReadiness([[[], 0]]);
        await expect(warm("green", warmDeps(stacks, readiness), options)).rejects.toThrow("the change guard refused");
        expect(readiness.asked).toBe(0);
    });

    test("a clock that jumps forward ends the wait early as not ready, never as warm", async () => {
        const clock = new FakeClock();
        const stacks = new RecordingStacks({ blue: ACTIVE, green: ACTIVE });
        const readiness = { healthFailures: async () => [], replicaLagSeconds: async () => { clock.time += 3_600_000; return 0.1; } };
        expect(await warm("green", warmDeps(stacks, readiness, clock), options)).toMatchObject({ kind: "not-ready" });
    });
});

describe("readinessProblems", () => {
    const source = (failures: string[], lag: number | Error) => scriptedReadiness([[failures, lag]]);

    test.each([
        ["NaN", Number.NaN], ["negative", -0.5], ["Infinity", Number.POSITIVE_INFINITY],
    ])("garbage lag (%s) is unreadable, never caught up", async (_label, lag) => {
        expect((await readinessProblems(source([], lag), "green", 1)).problems).toEqual([`replica lag unreadable: got ${String(lag)}`]);
    });

    test("health failures and an exactly-1 s lag both count; under 1 s is ready", async () => {
        expect((await readinessProblems(source(["/health/ivor: 500"], 1), "green", 1)).problems).toEqual(["/health/ivor: 500", "replica 1.00 s behind (needs < 1 s)"]);
        expect(await readinessProblems(source([], 0.99), "green", 1)).toEqual({ problems: [], lag: 0.99 });
    });

    test("a health source that throws is a problem, not an exception", async () => {
        const throwing = { healthFailures: () => Promise.reject(new Error("origin unknown")), replicaLagSeconds: async () => 0 };
        expect((await readinessProblems(throwing, "green", 1)).problems).toEqual(["health unreadable: origin unknown"]);
    });
});
