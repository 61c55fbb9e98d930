import { LocalProgramArgs, OutputMap } from "@pulumi/pulumi/automation";
import { PulumiTrafficStack, StackHandle } from "../../switch/traffic";
import { colourOutputs } from "./fixtures";

/** The switch reads the colour stacks the traffic stack's config names, through the one output contract. */

const out = (value: unknown) => ({ value, secret: false });
const handle = (outputs: OutputMap): StackHandle => ({
    setAllConfig: async () => undefined, getConfig: async () => ({ value: "" }), outputs: async () => outputs,
    up: async () => ({ stdout: "", stderr: "", outputs, summary: {} as never }),
});

function switchStack(trafficOutputs: OutputMap, colourStacks: Record<string, OutputMap>) {
    const selected: LocalProgramArgs[] = [];
    const stack = new PulumiTrafficStack({
        trafficDir: "/repo/infra/traffic", colourDir: "/repo",
        selectStack: async args => {
            selected.push(args);
            return handle(args.workDir === "/repo/infra/traffic" ? trafficOutputs : colourStacks[args.stackName] ?? {});
        },
    });
    return { stack, selected };
}

const asOutputs = (values: Record<string, unknown>): OutputMap => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, out(v)]));

describe("the switch's view of the colour stacks", () => {
    it("selects the fully qualified stacks the traffic stack's config names, and keeps the monitor token out of what it reads", async () => {
        const names = { blue: "acme/blkout-platform/blue-eu", green: "acme/blkout-platform/green-eu" };
        const { stack, selected } = switchStack(asOutputs({ colourStacks: names }), { [names.green]: asOutputs(colourOutputs("green")) });
        const green = await stack.colourOutputs("green");
        expect(selected.map(s => s.stackName)).toContain(names.green);
        expect(green).toEqual({ colour: "green", releaseVersion: "2026.12.0", mode: "active", gatewayOrigin: "203.0.113.20", healthPath: "/healthz", previewHostname: "green.blkoutuk.com" });
    });

    it("refuses a colour stack the contract refuses, with the contract's message", async () => {
        const { stack } = switchStack(asOutputs({}), { green: asOutputs(colourOutputs("green", { previewHostname: "not a host" })) });
        await expect(stack.colourOutputs("green")).rejects.toThrow("stack green outputs: output previewHostname: expected a hostname, got \"not a host\"");
    });
});
