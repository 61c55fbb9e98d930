import * as pulumi from "@pulumi/pulumi";
import { evaluate } from "../../infra/offline/evaluate";
import { OFFLINE_INVOKES } from "../../infra/offline/mockOutputs";
import { decideTraffic, selfStackName } from "../../infra/traffic/previous";
import { runTrafficProgram } from "../../infra/traffic/program";
import { named } from "../support/pulumi";
import { colourStackFixtures, productionConfig } from "./fixtures";

/**
 * The weights' one source of truth: the load balancer's last applied weights, read back from the
 * traffic stack's own outputs. These run the real entry point (config read, self-reference, stack).
 */

const committed = productionConfig();
const SELF = selfStackName(String((committed.colourStacks as Record<string, string>).blue), "blkout-traffic", "production");

/** One `pulumi up` of the traffic program: config as the stack file holds it, the stack's own last outputs. */
async function update(config: Record<string, unknown>, previous: Record<string, unknown>) {
    const evaluation = await evaluate({
        project: "blkout-traffic", stack: "production", config,
        stackReferences: { ...colourStackFixtures(config), [SELF]: { outputs: previous } },
        invokes: OFFLINE_INVOKES,
    }, runTrafficProgram);
    const values = Object.fromEntries(Object.entries(evaluation.outputs).map(([key, output]) => [key, output.value])) as Record<string, any>;
    const lb = named(evaluation.resources, "traffic-lb");
    const pools = values.poolIds as Record<string, string>;
    return { values, split: { blue: lb.inputs.randomSteering.poolWeights[pools.blue], green: lb.inputs.randomSteering.poolWeights[pools.green] }, lb, pools };
}

describe("a plain update after a switch", () => {
    it("from a clean checkout (no weights in the committed config) leaves the weights where the switch put them", async () => {
        expect(committed.weights).toBeUndefined();
        expect(committed.liveColour).toBeUndefined();
        // The switch's step: its config (weights and live colour, as switch/traffic.ts writes them) on top of the committed file.
        const step = await update({ ...committed, weights: { blue: 20, green: 80 }, liveColour: "blue" }, { appliedWeights: { blue: 50, green: 50 }, liveColour: "blue" });
        expect(step.values.appliedWeights).toEqual({ blue: 20, green: 80 });
        // CI or a fresh clone runs `pulumi up` with the committed file only; the stack's outputs are the step's.
        const plain = await update(committed, { appliedWeights: step.values.appliedWeights, liveColour: step.values.liveColour });
        expect(plain.split).toEqual({ blue: 0.2, green: 0.8 });
        expect(plain.values).toMatchObject({ weights: { blue: 20, green: 80 }, appliedWeights: { blue: 20, green: 80 }, liveColour: "blue", fallbackColour: "green" });
        expect(plain.lb.inputs.fallbackPool).toBe(plain.pools.green);
    });

    it("on the stack's very first update sends everything to the initial live colour", async () => {
        const first = await update(committed, {});
        expect(first.values).toMatchObject({ appliedWeights: { blue: 100, green: 0 }, liveColour: "blue" });
    });

    it("refuses to guess, with one RunError, when the stack's last weights are unreadable", async () => {
        await expect(update(committed, { appliedWeights: { blue: 70, green: 70 } })).rejects.toThrow(
            /this stack's last appliedWeights output is \{"blue":70,"green":70\}: must sum to 100, got 140; refusing to guess the split/);
        await expect(update(committed, { appliedWeights: { blue: 70, green: 70 } })).rejects.toBeInstanceOf(pulumi.RunError);
    });
});

describe("decideTraffic", () => {
    const intent = { initialLiveColour: "blue" as const };
    it("prefers the switch's weights, then the last applied, then the first-update split", () => {
        const last = { appliedWeights: { blue: 5, green: 95 }, liveColour: "green" };
        expect(decideTraffic({ ...intent, weights: { blue: 50, green: 50 }, liveColour: "blue" }, last)).toEqual({ weights: { blue: 50, green: 50 }, liveColour: "blue", source: "switch" });
        expect(decideTraffic(intent, last)).toEqual({ weights: { blue: 5, green: 95 }, liveColour: "green", source: "last-applied" });
        expect(decideTraffic({ initialLiveColour: "green" }, {})).toEqual({ weights: { blue: 0, green: 100 }, liveColour: "green", source: "first-update" });
    });

    it("keeps the last live colour when the previous one is not a colour name", () => {
        expect(decideTraffic(intent, { appliedWeights: { blue: 100, green: 0 }, liveColour: 42 }).liveColour).toBe("blue");
    });
});
