import { estimateMonthlyCost } from "../../infra/offline/cost";
import { RecordedResource } from "../../infra/offline/mockRuntime";

function recorded(type: string, name: string, inputs: Record<string, unknown>): RecordedResource {
    return {
        type, name, inputs, urn: `urn:${name}`, parent: "", custom: true, id: name, state: inputs,
        protect: false, deleteBeforeReplace: false, retainOnDelete: false, ignoreChanges: [], provider: "", secretInputPaths: [], propertyDependencies: {},
    };
}

describe("estimateMonthlyCost", () => {
    test("prices nodes as a range between the autoscaler's bounds, plus HA, databases, replicas and load balancers", () => {
        const estimate = estimateMonthlyCost([
            recorded("digitalocean:index/kubernetesCluster:KubernetesCluster", "k", { ha: true, nodePool: { size: "s-2vcpu-4gb", minNodes: 2, maxNodes: 5 } }),
            recorded("digitalocean:index/databaseCluster:DatabaseCluster", "pg", { engine: "pg", size: "db-s-2vcpu-4gb", nodeCount: 2 }),
            recorded("digitalocean:index/databaseReplica:DatabaseReplica", "replica", { size: "db-s-1vcpu-2gb" }),
            recorded("kubernetes:core/v1:Service", "lb", { spec: { type: "LoadBalancer" }, metadata: { annotations: { "service.beta.kubernetes.io/do-loadbalancer-size-unit": "2" } } }),
            recorded("kubernetes:core/v1:Service", "internal", { spec: { type: "ClusterIP" } }),
        ]);
        expect(estimate.minimum).toBe(24 * 2 + 40 + 120 + 30 + 24);
        expect(estimate.maximum).toBe(24 * 5 + 40 + 120 + 30 + 24);
        expect(estimate.lines.map(l => l.resource)).toEqual(["k", "k", "pg", "replica", "lb"]);
        expect(estimate.unpriced).toEqual([]);
    });

    test("names what it cannot price instead of silently counting it as free", () => {
        const estimate = estimateMonthlyCost([recorded("digitalocean:index/databaseCluster:DatabaseCluster", "big", { engine: "pg", size: "db-s-64vcpu-256gb" })]);
        expect(estimate.unpriced).toEqual(["big (db-s-64vcpu-256gb)"]);
    });

    test("counts the Spaces subscription once however many buckets there are", () => {
        const buckets = ["a", "b", "c"].map(name => recorded("digitalocean:index/spacesBucket:SpacesBucket", name, {}));
        expect(estimateMonthlyCost(buckets).minimum).toBe(5);
        expect(estimateMonthlyCost([]).minimum).toBe(0);
    });
});
