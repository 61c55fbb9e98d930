import { TYPES } from "../../policies/lib/resources";
import { kubernetesCluster } from "./compliant";
import { PolicyCase, resource, withProp } from "./helpers";

/** Cases for DigitalOcean Kubernetes clusters and node pools. */

const fixedPool = (nodeCount: number) => resource(TYPES.kubernetesNodePool, "blue-extra-pool", { clusterId: "c", name: "extra", size: "s-2vcpu-4gb", nodeCount });

export const CLUSTER_CASES: PolicyCase[] = [
    {
        policy: "doks-auto-upgrade",
        compliant: () => [kubernetesCluster()],
        violations: [{ title: "auto-upgrade off", resources: () => [withProp(kubernetesCluster(), "autoUpgrade", false)], message: /autoUpgrade is false\. Fix: set autoUpgrade: true/ }],
    },
    {
        policy: "doks-surge-upgrade",
        compliant: () => [kubernetesCluster()],
        violations: [{ title: "surge upgrade unset", resources: () => [withProp(kubernetesCluster(), "surgeUpgrade", undefined)], message: /surgeUpgrade is nothing\. Fix: set surgeUpgrade: true/ }],
    },
    {
        policy: "doks-node-pool-minimum",
        compliant: () => [kubernetesCluster(), fixedPool(2)],
        violations: [
            { title: "an autoscaling floor of one", resources: () => [withProp(kubernetesCluster(), "nodePool.minNodes", 1)], message: /nodePool\.minNodes is 1, below 2\. Fix: set nodePool\.minNodes to 2 or more/ },
            { title: "a fixed pool of one", resources: () => [fixedPool(1)], message: /nodeCount is 1, below 2/ },
            { title: "a floor raised by config", resources: () => [kubernetesCluster()], config: { "doks-node-pool-minimum": { minNodes: 3 } }, message: /nodePool\.minNodes is 2, below 3/ },
        ],
    },
    {
        policy: "doks-ha-control-plane",
        compliant: () => [kubernetesCluster(), resource(TYPES.kubernetesCluster, "dev-cluster", { ...kubernetesCluster().props, ha: false }, { stack: "dev" })],
        violations: [{ title: "no HA in production", resources: () => [withProp(kubernetesCluster(), "ha", false)], message: /the control plane of production stack "blue" is not highly available/ }],
    },
    {
        policy: "doks-keep-associated-resources",
        compliant: () => [kubernetesCluster(), withProp(kubernetesCluster(), "destroyAllAssociatedResources", undefined)],
        violations: [{ title: "destroy everything with it", resources: () => [withProp(kubernetesCluster(), "destroyAllAssociatedResources", true)], message: /destroyAllAssociatedResources is true/ }],
    },
    {
        policy: "doks-maintenance-window",
        compliant: () => [kubernetesCluster()],
        violations: [{ title: "no start time", resources: () => [withProp(kubernetesCluster(), "maintenancePolicy", { day: "sunday" })], message: /the cluster has no complete maintenance window/ }],
    },
];
