import { PRICES_TABLE, priceTableProblems, estimateMonthlyCost } from "../../infra/offline/cost";
import { platformCost, renderPlatformCost, STANDBY_COST_TARGET } from "../../infra/offline/platformCost";
import { RecordedResource } from "../../infra/offline/mockRuntime";
import { evaluateStack, StackEvaluation } from "../../infra/offline/stacks";
import { TYPES } from "../../policies/lib/resources";
import { kubernetesCluster } from "../policies/compliant";
import { verdicts, withProp } from "../policies/helpers";

let stacks: StackEvaluation[];

beforeAll(async () => {
    const cache = new Map<string, StackEvaluation>();
    stacks = [await evaluateStack("blue", cache), await evaluateStack("green", cache), await evaluateStack("production", cache)];
}, 120_000);

const inputs = () => stacks.map(s => ({ stack: s.stack, project: s.project, resources: s.resources, mode: s.outputs.mode?.value as string | undefined }));

function recorded(type: string, name: string, props: Record<string, unknown>): RecordedResource {
    return {
        type, name, inputs: props, urn: `urn:${name}`, parent: "", custom: true, id: name, state: props,
        protect: false, deleteBeforeReplace: false, retainOnDelete: false, ignoreChanges: [], provider: "", secretInputPaths: [], propertyDependencies: {},
    };
}

describe("the standby colour's cost on the committed configs", () => {
    test("is at most 20 % of the active colour's minimum, measured by the offline preview's estimate", () => {
        const cost = platformCost(inputs());
        expect(cost.unpriced).toEqual([]);
        expect(cost.standbyRatio).toMatchObject({ standby: "green", active: "blue", withinTarget: true });
        expect(cost.standbyRatio!.ratio).toBeLessThanOrEqual(STANDBY_COST_TARGET);
        // Green in standby: one node and its gateway's load balancer; no HA, no replica of its own,
        // the Spaces subscription paid once by the account. (Other issues may add to both colours;
        // the ratio above is the requirement, these lines pin what the standby shaping removed.)
        const green = cost.stacks.find(s => s.stack === "green")!;
        expect(green.estimate.lines.map(l => l.item).filter(item => item === "HA control plane" || item.startsWith("read replica"))).toEqual([]);
        expect(green.estimate.lines.find(l => /nodes$/.test(l.item))).toMatchObject({ item: "1-1 × s-4vcpu-8gb nodes", minimum: PRICES_TABLE.droplet["s-4vcpu-8gb"] });
        expect(cost.stacks.find(s => s.stack === "blue")!.estimate.lines.map(l => l.item)).toEqual(expect.arrayContaining(["HA control plane", "read replica db-s-2vcpu-4gb"]));
    });

    test("covers both colours, the traffic stack and the total, and prints the ratio against 20 % with the price date", () => {
        const cost = platformCost(inputs());
        expect(cost.stacks.map(s => s.stack)).toEqual(["blue", "green", "production"]);
        expect(cost.total.minimum).toBe(cost.stacks.reduce((sum, s) => sum + s.ownMinimum, 0) + PRICES_TABLE.spacesSubscription);
        const text = renderPlatformCost(cost).join("\n");
        expect(text).toContain(`list prices of ${PRICES_TABLE.takenOn}`);
        expect(text).toContain(`standby green costs ${(cost.standbyRatio!.ratio * 100).toFixed(1)} % of active blue at its minimum: within the 20.0 % target`);
        expect(text).toContain(`$${cost.total.minimum}-$${cost.total.maximum}  total`);
        expect(text).toMatch(/\$5 {2}account-wide \(Spaces subscription, once\)/);
    });

    test("an over-budget standby is reported as OVER, and an unpriced size is named, never free", () => {
        const heavy = [
            { stack: "blue", project: "p", mode: "active", resources: [recorded(TYPES.kubernetesCluster, "a", { nodePool: { size: "s-4vcpu-8gb", minNodes: 2 } })] },
            { stack: "green", project: "p", mode: "standby", resources: [recorded(TYPES.kubernetesCluster, "b", { ha: true, nodePool: { size: "s-4vcpu-8gb", minNodes: 1 } }), recorded(TYPES.databaseReplica, "r", { size: "db-s-64vcpu-256gb" })] },
        ];
        const cost = platformCost(heavy);
        expect(cost.standbyRatio).toMatchObject({ ratio: (48 + 40) / 96, withinTarget: false });
        expect(cost.unpriced).toEqual(["green: r (db-s-64vcpu-256gb)"]);
        expect(renderPlatformCost(cost).join("\n")).toMatch(/OVER the 20\.0 % target[\s\S]*not priced \(size missing from infra\/offline\/prices\.json\): green: r \(db-s-64vcpu-256gb\)/);
    });
});

describe("prices as dated data", () => {
    test("the committed table is dated, names its sources, and every price is a number", () => {
        expect(priceTableProblems(PRICES_TABLE)).toEqual([]);
        expect(PRICES_TABLE.sources.haControlPlane).toMatch(/docs\.digitalocean\.com\/products\/kubernetes\/details\/pricing/);
        expect(estimateMonthlyCost([]).pricesTakenOn).toBe(PRICES_TABLE.takenOn);
    });

    test("a broken table is refused with every problem named", () => {
        const broken = { ...PRICES_TABLE, takenOn: "last year", droplet: { "s-1vcpu-2gb": "12" }, haControlPlane: -1, sources: {} };
        expect(priceTableProblems(broken)).toEqual([
            'takenOn: expected the date the prices were read, YYYY-MM-DD, got "last year"',
            'droplet.s-1vcpu-2gb: expected a price >= 0, got "12"',
            "haControlPlane: expected a price >= 0, got -1",
            "sources.droplet: expected where the price was read",
            "sources.database: expected where the price was read",
            "sources.haControlPlane: expected where the price was read",
            "sources.loadBalancerNode: expected where the price was read",
            "sources.spacesSubscription: expected where the price was read",
        ]);
    });
});

describe("the policy pack lets only a standby-tagged cluster run one node without HA", () => {
    const standby = () => withProp(withProp(withProp(kubernetesCluster(), "tags", ["blkout-standby"]), "nodePool.minNodes", 1), "ha", false);

    test("a standby cluster passes the node floor and the HA rule", async () => {
        expect(await verdicts("doks-node-pool-minimum", [standby()])).toEqual([]);
        expect(await verdicts("doks-ha-control-plane", [standby()])).toEqual([]);
    });

    test("the same cluster without the tag is blocked by both", async () => {
        const active = withProp(standby(), "tags", []);
        expect((await verdicts("doks-node-pool-minimum", [active])).map(v => v.message)).toEqual([expect.stringMatching(/minNodes is 1, below 2/)]);
        expect(await verdicts("doks-ha-control-plane", [active])).toHaveLength(1);
    });
});
