import { ChildResult, evaluateInChild } from "./childEvaluation";
import { canaryConfig, colourOutputs, colourStackFixtures } from "./fixtures";

/**
 * Failures found inside Outputs (a colour stack's outputs, the weights Cloudflare reports back) are
 * raised the way the engine sees them, so these run the program in a child process: see
 * childEvaluation.ts.
 */

const PROVISIONED = [
    "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
    "cloudflare:index/loadBalancerPool:LoadBalancerPool",
    "cloudflare:index/loadBalancer:LoadBalancer",
];

/** The resource types a result registered. */
function typesOf(result: ChildResult): string[] {
    return result.registered.map(entry => entry.split("::")[0]);
}

const cfg = canaryConfig();
let results: Record<"healthy" | "greenMissing" | "bothWrong" | "weightsReset", ChildResult>;

beforeAll(async () => {
    const [healthy, greenMissing, bothWrong, weightsReset] = await Promise.all([
        evaluateInChild({ config: cfg, stackReferences: colourStackFixtures(cfg) }),
        evaluateInChild({ config: cfg, stackReferences: colourStackFixtures(cfg, { green: { colour: "green", mode: "active", releaseVersion: "2026.12.0" } }) }),
        evaluateInChild({ config: cfg, stackReferences: colourStackFixtures(cfg, { blue: {}, green: colourOutputs("green", { mode: "standby" }) }) }),
        // The provider bug this guards against: an update that leaves the pools equally weighted.
        evaluateInChild({ config: cfg, stackReferences: colourStackFixtures(cfg), loadBalancerSteering: { poolWeights: {}, defaultWeight: 1 } }),
    ]);
    results = { healthy, greenMissing, bothWrong, weightsReset };
}, 180_000);

describe("the child evaluation", () => {
    it("reports nothing for a healthy stack, so the failures below are the program's", () => {
        expect(results.healthy.outputError).toBeUndefined();
        expect(results.healthy.reported).toEqual([]);
        expect(typesOf(results.healthy)).toEqual(expect.arrayContaining(PROVISIONED));
    });
});

describe("a colour stack that has not been deployed", () => {
    it("fails with one RunError naming the colour, its stack and the missing outputs", () => {
        expect(results.greenMissing.outputError).toEqual({
            runError: true,
            message: "the traffic stack cannot route to the colour stacks yet:\n"
                + "  - the green colour stack \"organization/blkout-platform/green\" has no outputs gatewayOrigin, healthPath, previewHostname, monitorToken: it has not been deployed yet "
                + "(or predates these outputs); run `pulumi up --stack organization/blkout-platform/green` for the colour stacks before the traffic stack",
        });
    });

    it("is printed once, unprefixed, however many resources it reached", () => {
        expect(results.greenMissing.reported).toEqual([results.greenMissing.outputError?.message]);
    });

    it("provisions no monitor, pool or load balancer", () => {
        expect(typesOf(results.greenMissing).filter(type => PROVISIONED.includes(type))).toEqual([]);
    });

    it("lists the problems of both colours in the same error", () => {
        const message = results.bothWrong.outputError?.message ?? "";
        expect(message.split("\n")).toEqual([
            "the traffic stack cannot route to the colour stacks yet:",
            expect.stringMatching(/^ {2}- the blue colour stack "organization\/blkout-platform\/blue" has no outputs colour, releaseVersion, mode, gatewayOrigin, healthPath, previewHostname, monitorToken: /),
            expect.stringMatching(/^ {2}- weights\.green: 5 % of traffic would go to the green colour stack "organization\/blkout-platform\/green", which runs in standby mode; /),
        ]);
        expect(results.bothWrong.reported).toEqual([message]);
    });
});

describe("weights that did not take", () => {
    it("fail the update with one RunError saying what was asked and what Cloudflare holds", () => {
        expect(results.weightsReset.outputError?.runError).toBe(true);
        expect(results.weightsReset.outputError?.message).toMatch(
            /^the load balancer's weights did not take: requested blue 95 \/ green 5, Cloudflare reports blue 50 \/ green 50\. Treat this step as failed/);
        expect(results.weightsReset.reported).toEqual([results.weightsReset.outputError?.message]);
    });

    it("are detected after the load balancer was updated", () => {
        expect(typesOf(results.weightsReset)).toEqual(expect.arrayContaining(PROVISIONED));
    });
});
