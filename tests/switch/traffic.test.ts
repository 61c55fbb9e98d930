import { LocalProgramArgs, OutputMap, StackNotFoundError, UpOptions, UpResult } from "@pulumi/pulumi/automation";
import { conciseError, PulumiTrafficStack, StackHandle } from "../../switch/traffic";

/** The few Stack methods the switch calls, recording their arguments. */
class FakeStack implements StackHandle {
    readonly calls: { method: string; args: unknown[] }[] = [];
    constructor(public outputsValue: OutputMap, public upOutputs: OutputMap = outputsValue, public config: Record<string, string> = {}) {}
    async setAllConfig(...args: Parameters<StackHandle["setAllConfig"]>) {
        this.calls.push({ method: "setAllConfig", args });
    }
    async getConfig(key: string) {
        this.calls.push({ method: "getConfig", args: [key] });
        if (!(key in this.config)) throw new Error(`configuration key '${key}' not found`);
        return { value: this.config[key] };
    }
    async up(options?: UpOptions): Promise<UpResult> {
        this.calls.push({ method: "up", args: [options] });
        return { stdout: "", stderr: "", outputs: this.upOutputs, summary: {} as UpResult["summary"] };
    }
    async outputs() {
        return this.outputsValue;
    }
}

const out = (value: unknown) => ({ value, secret: false });
const colourOut = (colour: string, release: string, over: Record<string, unknown> = {}): OutputMap => Object.fromEntries(Object.entries({
    colour, releaseVersion: release, mode: "active", gatewayOrigin: "203.0.113.7", healthPath: "/healthz", previewHostname: `${colour}.preview.blkoutuk.com`, ...over,
}).map(([k, v]) => [k, out(v)]));

function setup(traffic: FakeStack, colours: Record<string, FakeStack | Error> = {}) {
    const selected: LocalProgramArgs[] = [];
    const stack = new PulumiTrafficStack({
        trafficDir: "/repo/infra/traffic",
        colourDir: "/repo",
        selectStack: async args => {
            selected.push(args);
            if (args.workDir === "/repo/infra/traffic") return traffic;
            const colour = colours[args.stackName];
            if (colour instanceof Error || !colour) throw colour ?? new Error(`no stack ${args.stackName}`);
            return colour;
        },
    });
    return { stack, selected };
}

describe("PulumiTrafficStack", () => {
    it("sets both weights by path and the live colour in one call, runs up, and returns appliedWeights", async () => {
        const traffic = new FakeStack({}, { appliedWeights: out({ blue: 80, green: 20 }) });
        const { stack, selected } = setup(traffic);
        const applied = await stack.setWeights({ blue: 80, green: 20 }, "blue");
        expect(applied).toEqual({ blue: 80, green: 20 });
        expect(selected[0]).toEqual({ stackName: "production", workDir: "/repo/infra/traffic" });
        expect(traffic.calls[0]).toEqual({
            method: "setAllConfig",
            args: [{
                "blkout-traffic:weights.blue": { value: "80" },
                "blkout-traffic:weights.green": { value: "20" },
                "blkout-traffic:liveColour": { value: "blue" },
            }, true],
        });
        expect(traffic.calls[1].method).toBe("up");
        expect(traffic.calls[1].args[0]).toMatchObject({ message: "blkout switch: blue 80 / green 20" });
    });

    it("fails with a clear message when the update exports no usable appliedWeights", async () => {
        const { stack } = setup(new FakeStack({}, { appliedWeights: out({ blue: "80" }) }));
        await expect(stack.setWeights({ blue: 80, green: 20 }, "blue")).rejects.toThrow(
            'blkout-traffic/production: expected an output appliedWeights { blue, green } of integers, got {"blue":"80"}');
    });

    it("reads the current weights from the stack outputs", async () => {
        const { stack } = setup(new FakeStack({ appliedWeights: out({ blue: 100, green: 0 }) }));
        expect(await stack.getWeights()).toEqual({ blue: 100, green: 0 });
    });

    it("reads a colour stack's outputs from the colour program, and treats a missing or empty stack as not deployed", async () => {
        // The SDK's constructor wants a command result; the class is what the switch checks.
        const notFound = Object.create(StackNotFoundError.prototype) as Error;
        const { stack, selected } = setup(new FakeStack({}), { blue: new FakeStack(colourOut("blue", "1.4.0")), green: notFound });
        expect(await stack.colourOutputs("blue")).toMatchObject({ colour: "blue", releaseVersion: "1.4.0", mode: "active", gatewayOrigin: "203.0.113.7" });
        expect(selected).toContainEqual({ stackName: "blue", workDir: "/repo" });
        expect(await stack.colourOutputs("green")).toBeUndefined();
        const empty = setup(new FakeStack({}), { green: new FakeStack({}) });
        expect(await empty.stack.colourOutputs("green")).toBeUndefined();
    });

    it("lists every problem with a colour stack's outputs", async () => {
        const { stack } = setup(new FakeStack({}), { green: new FakeStack(colourOut("blue", "", { mode: "sleeping" })) });
        await expect(stack.colourOutputs("green")).rejects.toThrow(
            'stack green outputs: output releaseVersion: expected a release version, got ""; output mode: expected "active" or "standby", got "sleeping"; '
            + "output colour: reports \"blue\" where green was expected; are the blue and green stacks swapped?");
    });

    it("reads maxStepShare and the pool ids when present", async () => {
        const traffic = new FakeStack({ poolIds: out({ blue: "a".repeat(32), green: "b".repeat(32) }) }, {}, { "blkout-traffic:maxStepShare": "50" });
        const { stack } = setup(traffic);
        expect(await stack.maxStepShare()).toBe(50);
        expect(await stack.poolIds()).toEqual({ blue: "a".repeat(32), green: "b".repeat(32) });
        await expect(setup(new FakeStack({}, {}, { "blkout-traffic:maxStepShare": "half" })).stack.maxStepShare()).rejects.toThrow(
            'blkout-traffic/production: maxStepShare: expected an integer 1-100, got "half"');
        const bare = setup(new FakeStack({}));
        expect(await bare.stack.maxStepShare()).toBeUndefined();
        expect(await bare.stack.poolIds()).toBeUndefined();
    });

    it("reduces an Automation API failure to one line: a missing CLI, else the CLI's stderr", async () => {
        const missing = "code: -2\n stdout: \n stderr: Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT\n err?: Error: Command failed";
        const { stack } = setup(new FakeStack({}));
        const failing = new PulumiTrafficStack({ trafficDir: "/t", colourDir: "/", selectStack: async () => { throw new Error(missing); } });
        await expect(failing.getWeights()).rejects.toThrow(/^the Pulumi CLI is not installed \(no `pulumi` on PATH\)$/);
        expect(conciseError(new Error("code: 255\n stdout: Updating...\n stderr: error: [409] Conflict: Another update is currently in progress.\n err?: x")))
            .toBe("error: [409] Conflict: Another update is currently in progress.");
        await expect(stack.getWeights()).rejects.toThrow("blkout-traffic/production: expected an output appliedWeights { blue, green } of integers, got null");
    });
});
