import { committedColours, deployOrder } from "../../infra/ops/deployOrder";
import { weightChanges } from "../../infra/ops/weightsUnchanged";

const LB = "cloudflare:index/loadBalancer:LoadBalancer";

function lbStep(op: string, before: Record<string, unknown> | undefined, after: Record<string, unknown>) {
    const state = (weights: Record<string, unknown>) => ({ type: LB, inputs: { randomSteering: { defaultWeight: 0, poolWeights: weights } } });
    return { op, urn: "urn:pulumi:production::blkout-traffic::cloudflare:index/loadBalancer:LoadBalancer::traffic-lb", ...(before ? { oldState: state(before) } : {}), newState: state(after) };
}

describe("deployOrder", () => {
    test("the committed configs put the owner (blue) before the follower (green)", () => {
        expect(deployOrder(committedColours())).toEqual({ owner: "blue", follower: "green" });
    });

    test("follows ownership when it moves: green owning means green first", () => {
        expect(deployOrder([
            { stack: "blue", role: "follower", ownerStack: "organization/blkout-platform/green" },
            { stack: "green", role: "owner", ownerStack: undefined },
        ])).toEqual({ owner: "green", follower: "blue" });
    });

    test("refuses two owners, an unknown role, or a follower of the wrong owner, naming each", () => {
        expect(() => deployOrder([
            { stack: "blue", role: "owner", ownerStack: undefined },
            { stack: "green", role: "owner", ownerStack: undefined },
        ])).toThrow(/exactly one owner colour, got 2 \(blue, green\)[\s\S]*exactly one follower colour, got 0/);
        expect(() => deployOrder([
            { stack: "blue", role: "owner", ownerStack: undefined },
            { stack: "green", role: "candidate?", ownerStack: undefined },
        ])).toThrow(/Pulumi\.green\.yaml: data\.role: expected "owner" or "follower", got "candidate\?"/);
        expect(() => deployOrder([
            { stack: "blue", role: "owner", ownerStack: undefined },
            { stack: "green", role: "follower", ownerStack: "organization/blkout-platform/green" },
        ])).toThrow(/data\.ownerStack: expected the owner's stack "\.\.\.\/blue"/);
    });
});

describe("weightChanges (a deploy never moves traffic)", () => {
    test("the same weights re-applied are no move, whatever else changes", () => {
        expect(weightChanges({ steps: [lbStep("update", { a: 1, b: 0 }, { a: 1, b: 0 })] })).toEqual([]);
    });

    test("any change of a pool's weight is named with before and after", () => {
        const changes = weightChanges({ steps: [lbStep("update", { a: 1, b: 0 }, { a: 0.95, b: 0.05 })] });
        expect(changes).toEqual([
            expect.stringMatching(/pool a would go from 100 % to 95 %$/),
            expect.stringMatching(/pool b would go from 0 % to 5 %$/),
        ]);
    });

    test("a replacement counts, unknown weights are refused, the first creation is not a move", () => {
        expect(weightChanges({ steps: [lbStep("replace", { a: 1 }, { a: 0, b: 1 })] })).toHaveLength(2);
        expect(weightChanges({ steps: [lbStep("update", { a: 1 }, { a: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" })] }))
            .toEqual([expect.stringMatching(/unknown at preview/)]);
        expect(weightChanges({ steps: [lbStep("create", undefined, { a: 1 })] })).toEqual([]);
    });
});
