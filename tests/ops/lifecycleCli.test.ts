import { PassThrough } from "stream";
import { LifecycleFactory, parseDuration, parseLifecycleArgs, runLifecycleCli } from "../../switch/lifecycleCli";
import { StackNotFoundError } from "@pulumi/pulumi/automation";
import { AutomationColourControl, currentWeights, StackSelector } from "../../switch/lifecycleWiring";
import { runCli } from "../../switch/cli";
import { ACTIVE, holdDeps, RecordingStacks, scriptedReadiness, STANDBY_NO_HA, warmDeps } from "./support/lifecycleDoubles";

function io() {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", chunk => (out += chunk));
    stderr.on("data", chunk => (err += chunk));
    return { io: { stdout, stderr, env: {}, cwd: "/repo" }, out: () => out, err: () => err };
}

describe("parseLifecycleArgs", () => {
    test("defaults: 45 min warm-up, 10 s polls, a 24 h hold, the repository's policy pack, the switch's store", () => {
        expect(parseLifecycleArgs(["standby", "blue"], { BLKOUT_SWITCH_STORE: "s3://journal/blkout" }).options).toEqual({
            command: "standby", colour: "blue", timeoutMs: 45 * 60_000, pollMs: 10_000, holdMs: 24 * 3_600_000,
            forceReason: undefined, checkConfig: false, policyPack: "policies", store: "s3://journal/blkout", allow: {},
        });
        expect(parseDuration("90s")).toBe(90_000);
        expect(parseDuration("1.5h")).toBe(5_400_000);
        expect(parseDuration("soon")).toBeUndefined();
    });

    test("every problem at once, each naming its argument; --force needs a reason", () => {
        expect(parseLifecycleArgs(["standby", "purple", "--hold", "a day", "--force", "--allow", "replica", "--frobnicate"], {}).problems).toEqual([
            "--force: expected a value",
            '--allow "replica": expected <resource>=<reason>',
            "--frobnicate: unknown flag for standby",
            'standby <colour>: expected blue or green, got "purple"',
            '--hold: expected a duration like 45m, 10s or 24h, got "a day"',
        ]);
    });
});

describe("runLifecycleCli exit codes", () => {
    const factory = (stacks: RecordingStacks, lag: number, weights = { blue: 100, green: 0 }): LifecycleFactory => () => ({
        warm: { ...warmDeps(stacks, scriptedReadiness([[[], lag]])) },
        hold: holdDeps({ stacks, weights, now: Date.parse("2026-11-30T12:00:00Z") }),
    });

    test("warm: 0 when warm, 4 when not ready in time (with why), 1 on bad input", async () => {
        const ok = io();
        expect(await runLifecycleCli(["warm", "green", "--poll", "1s"], ok.io, factory(new RecordingStacks({ blue: ACTIVE, green: STANDBY_NO_HA }), 0.2))).toBe(0);
        expect(ok.out()).toMatch(/green is warm: healthy and its replica 0\.20 s behind/);
        const slow = io();
        expect(await runLifecycleCli(["warm", "green", "--timeout", "30s", "--poll", "10s"], slow.io, factory(new RecordingStacks({ blue: ACTIVE, green: STANDBY_NO_HA }), 5))).toBe(4);
        expect(slow.err()).toMatch(/green is not ready after 30 s \(it stays active; nothing was undone\): replica 5\.00 s behind/);
        const bad = io();
        expect(await runLifecycleCli(["warm"], bad.io, factory(new RecordingStacks({ blue: ACTIVE, green: ACTIVE }), 0))).toBe(1);
        expect(bad.err()).toMatch(/warm <colour>: expected blue or green, got null/);
    });

    test("standby: 2 when refused (the live colour), 0 with --check-config when the config says active", async () => {
        const refused = io();
        expect(await runLifecycleCli(["standby", "blue"], refused.io, factory(new RecordingStacks({ blue: ACTIVE, green: ACTIVE }), 0))).toBe(2);
        expect(refused.err()).toMatch(/blue carries 100 % of traffic/);
        const check = io();
        expect(await runLifecycleCli(["standby", "blue", "--check-config"], check.io, factory(new RecordingStacks({ blue: ACTIVE, green: ACTIVE }), 0))).toBe(0);
        expect(check.out()).toMatch(/config says active, no hold to check/);
    });

    test("the switch's CLI hands warm and standby to the lifecycle (registration)", async () => {
        const bad = io();
        expect(await runCli(["standby", "purple"], bad.io)).toBe(1);
        expect(bad.err()).toMatch(/standby <colour>: expected blue or green, got "purple"/);
    });
});

describe("AutomationColourControl (the Automation API side, against a recording stack)", () => {
    function fakeStack(events: unknown[], config: Record<string, string> = { "blkout-platform:mode": "standby", "blkout-platform:cluster.haControlPlane": "false" }) {
        const calls: string[] = [];
        const stack = {
            getConfig: async (key: string) => {
                if (!(key in config)) throw new Error(`missing ${key}`);
                return { value: config[key] };
            },
            setConfig: async (key: string, value: { value: string }, path?: boolean) => {
                calls.push(`set ${key}=${value.value}${path ? " (path)" : ""}`);
            },
            preview: async (opts: { policyPacks?: string[]; onEvent?: (e: unknown) => void }) => {
                calls.push(`preview ${opts.policyPacks?.join(",")}`);
                events.forEach(e => opts.onEvent?.(e));
                return {} as never;
            },
            up: async (opts: { policyPacks?: string[] }) => {
                calls.push(`up ${opts.policyPacks?.join(",")}`);
                return {} as never;
            },
        };
        const select: StackSelector = async () => stack as never;
        return { select, calls };
    }
    const replicaDelete = {
        resourcePreEvent: { metadata: { op: "delete", urn: "urn:pulumi:blue::blkout-platform::digitalocean:index/databaseReplica:DatabaseReplica::blue-data-pg-replica", type: "digitalocean:index/databaseReplica:DatabaseReplica", old: { type: "digitalocean:index/databaseReplica:DatabaseReplica", protect: true, inputs: {} } } },
    };

    test("reads mode and HA; writes both, previews with the policy pack, then updates with it", async () => {
        const { select, calls } = fakeStack([]);
        const control = new AutomationColourControl({ select, policyPack: "/repo/policies", liveColour: async () => "blue", log: () => undefined });
        expect(await control.settings("green")).toEqual({ mode: "standby", haControlPlane: false });
        await control.apply("green", { mode: "active", haControlPlane: true });
        expect(calls).toEqual([
            "set blkout-platform:mode=active",
            "set blkout-platform:cluster.haControlPlane=true (path)",
            "preview /repo/policies",
            "up /repo/policies",
        ]);
    });

    test("the change guard refuses a planned delete of a protected replica: the update never runs, unless --allow names it", async () => {
        const refused = fakeStack([replicaDelete]);
        const control = new AutomationColourControl({ select: refused.select, policyPack: "p", liveColour: async () => "green", log: () => undefined });
        await expect(control.apply("blue", { mode: "standby", haControlPlane: true })).rejects.toThrow(/change guard refused the update of blue:\n {2}- stateful-delete/);
        expect(refused.calls.filter(c => c.startsWith("up"))).toEqual([]);
        const allowed = fakeStack([replicaDelete]);
        const withAllow = new AutomationColourControl({ select: allowed.select, policyPack: "p", liveColour: async () => "green", allow: { "blue-data-pg-replica": "standby reads via the owner's replica" }, log: () => undefined });
        await withAllow.apply("blue", { mode: "standby", haControlPlane: true });
        expect(allowed.calls).toContain("up p");
    });

    test("a mode in the config that is neither active nor standby is an error naming the stack", async () => {
        const { select } = fakeStack([], { "blkout-platform:mode": "paused" });
        const control = new AutomationColourControl({ select, policyPack: "p", liveColour: async () => undefined, log: () => undefined });
        await expect(control.settings("green")).rejects.toThrow('stack green: mode: expected "active" or "standby", got "paused"');
    });
});

describe("currentWeights (the hold check's view of traffic)", () => {
    test("no traffic stack yet, or one never updated: no colour carries traffic", async () => {
        const missing = Object.create(StackNotFoundError.prototype) as Error;
        expect(await currentWeights(() => Promise.reject(missing), "infra/traffic")).toEqual({ blue: 0, green: 0 });
        expect(await currentWeights(async () => ({ outputs: async () => ({}) }), "infra/traffic")).toEqual({ blue: 0, green: 0 });
    });

    test("the applied weights when deployed; any other failure is an error, never 'no traffic'", async () => {
        expect(await currentWeights(async () => ({ outputs: async () => ({ appliedWeights: { value: { blue: 95, green: 5 }, secret: false } }) }), "t")).toEqual({ blue: 95, green: 5 });
        await expect(currentWeights(() => Promise.reject(new Error("403 Forbidden")), "t")).rejects.toThrow("403 Forbidden");
        await expect(currentWeights(async () => ({ outputs: async () => ({ appliedWeights: { value: "garbage", secret: false } }) }), "t")).rejects.toThrow(/appliedWeights/);
    });
});
