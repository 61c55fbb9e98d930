import type { ResourceValidationPolicy } from "@pulumi/policy";
import { isProduction, PRODUCTION_STACKS, resourcePolicy } from "./lib/define";
import { has, recordOf, show, TYPES } from "./lib/resources";

/**
 * DigitalOcean Kubernetes: patched automatically without dropping capacity, big enough to lose a
 * node, with a control plane that survives its own failures in production, and never taking the
 * colour's load balancers and volumes with it when the cluster is deleted.
 */

const CLUSTER = [TYPES.kubernetesCluster];

/**
 * The tag the colour program puts on a standby colour's cluster (infra/colourStack.ts): it serves
 * no traffic, so it may run one node and a non-HA control plane until the warm-up brings it back.
 */
const STANDBY_TAG = "blkout-standby";
const isStandby = (props: Record<string, unknown>) => Array.isArray(props.tags) && props.tags.includes(STANDBY_TAG);

const autoUpgrade = resourcePolicy({
    name: "doks-auto-upgrade",
    description: "Clusters take Kubernetes patch releases automatically in their maintenance window, so security fixes do not wait for someone to remember.",
    severity: "medium",
    remediationSteps: "Set autoUpgrade: true and a maintenancePolicy.",
    types: CLUSTER,
    check: (props, { fail }) => {
        if (props.autoUpgrade !== true) {
            fail(`autoUpgrade is ${show(props.autoUpgrade)}.`, "set autoUpgrade: true.");
        }
    },
});

const surgeUpgrade = resourcePolicy({
    name: "doks-surge-upgrade",
    description: "Upgrades add new nodes before draining old ones (surge), so a node upgrade never removes capacity the workloads are using.",
    severity: "medium",
    remediationSteps: "Set surgeUpgrade: true.",
    types: CLUSTER,
    check: (props, { fail }) => {
        if (props.surgeUpgrade !== true) {
            fail(`surgeUpgrade is ${show(props.surgeUpgrade)}.`, "set surgeUpgrade: true.");
        }
    },
});

/** The node count a pool can shrink to: its autoscaling floor, or its fixed size. */
function poolFloor(pool: Record<string, unknown>): { key: string; value: unknown } {
    return pool.autoScale === true ? { key: "minNodes", value: pool.minNodes } : { key: "nodeCount", value: pool.nodeCount };
}

const nodePoolMinimum = resourcePolicy({
    name: "doks-node-pool-minimum",
    description: "A node pool never shrinks below two nodes, so losing or draining one node leaves somewhere for every replica to run (the seeds' min_instances: 2).",
    severity: "high",
    remediationSteps: "Raise minNodes (autoscaling pools) or nodeCount (fixed pools) to the minimum.",
    types: [...CLUSTER, TYPES.kubernetesNodePool],
    config: { minNodes: { type: "integer", minimum: 1, maximum: 100, default: 2, description: "Fewest nodes a pool may run." } },
    check: (props, { args, config, fail }) => {
        const pool = args.type === TYPES.kubernetesNodePool ? recordOf(props) : recordOf(props.nodePool);
        const floor = poolFloor(pool);
        const minimum = args.type === TYPES.kubernetesCluster && isStandby(props) ? 1 : config.minNodes;
        if (!(typeof floor.value === "number" && floor.value >= minimum)) {
            const where = args.type === TYPES.kubernetesNodePool ? floor.key : `nodePool.${floor.key}`;
            fail(`${where} is ${show(floor.value)}, below ${minimum}.`, `set ${where} to ${minimum} or more.`);
        }
    },
});

const haControlPlane = resourcePolicy({
    name: "doks-ha-control-plane",
    description: "Production clusters run DigitalOcean's highly available control plane, so an API-server failure does not stop deployments, autoscaling or the traffic switch.",
    severity: "high",
    remediationSteps: "Set ha: true on production clusters.",
    types: CLUSTER,
    config: PRODUCTION_STACKS,
    check: (props, ctx) => {
        if (isProduction(ctx) && props.ha !== true && !isStandby(props)) {
            ctx.fail(`the control plane of production stack "${ctx.stack}" is not highly available.`, "set ha: true.");
        }
    },
});

const keepAssociated = resourcePolicy({
    name: "doks-keep-associated-resources",
    description: "Deleting or replacing a cluster must not also delete its load balancers and volumes: `destroyAllAssociatedResources` would take the gateway's address and any attached data with it.",
    severity: "critical",
    remediationSteps: "Set destroyAllAssociatedResources: false (or omit it).",
    types: CLUSTER,
    check: (props, { fail }) => {
        if (props.destroyAllAssociatedResources === true) {
            fail("destroyAllAssociatedResources is true.", "set destroyAllAssociatedResources: false.");
        }
    },
});

const maintenanceWindow = resourcePolicy({
    name: "doks-maintenance-window",
    description: "Clusters have a maintenance window, so automatic upgrades land at a quiet hour the team chose.",
    severity: "medium",
    remediationSteps: "Set maintenancePolicy: { day, startTime } to a low-traffic hour (UTC).",
    types: CLUSTER,
    check: (props, { fail }) => {
        const policy = recordOf(props.maintenancePolicy);
        if (!has(policy, "day") || !has(policy, "startTime")) {
            fail("the cluster has no complete maintenance window.", 'set maintenancePolicy: { day: "sunday", startTime: "03:00" }.');
        }
    },
});

export const clusterPolicies: ResourceValidationPolicy[] = [
    autoUpgrade,
    surgeUpgrade,
    nodePoolMinimum,
    haControlPlane,
    keepAssociated,
    maintenanceWindow,
];
