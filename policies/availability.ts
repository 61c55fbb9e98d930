import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { Fail, stackPolicy } from "./lib/define";
import { podOf } from "./lib/pods";
import { recordOf, show, TYPES } from "./lib/resources";
import { sameNamespace, selectorMatches } from "./lib/selectors";

/**
 * Rules over a workload and its companions: a PodDisruptionBudget that keeps it serving through
 * node drains (cluster upgrades) without blocking them, and a NetworkPolicy that limits who may
 * reach it.
 */

const NETWORKED_WORKLOADS = [TYPES.deployment, TYPES.statefulSet, TYPES.daemonSet];

function podLabels(workload: PolicyResource): Record<string, unknown> {
    return recordOf(podOf(workload.type, workload.props)?.metadata.labels);
}

/** Why a budget would stop every drain of this workload (so node upgrades hang), if it would. */
function blocksDrains(budget: PolicyResource, replicas: unknown): string | undefined {
    const spec = recordOf(budget.props.spec);
    if (spec.maxUnavailable === 0 || spec.maxUnavailable === "0%") {
        return `maxUnavailable is ${show(spec.maxUnavailable)}`;
    }
    if (spec.minAvailable === "100%" || (typeof spec.minAvailable === "number" && typeof replicas === "number" && spec.minAvailable >= replicas)) {
        return `minAvailable ${show(spec.minAvailable)} leaves no pod of ${show(replicas)} free to move`;
    }
    return undefined;
}

function checkBudget(deployment: PolicyResource, budgets: readonly PolicyResource[], fail: Fail): void {
    const labels = podLabels(deployment);
    const own = budgets.filter(budget => sameNamespace(budget, deployment) && selectorMatches(recordOf(budget.props.spec).selector, labels));
    if (own.length === 0) {
        fail(`Deployment "${deployment.name}" has no PodDisruptionBudget.`, "add a PodDisruptionBudget with maxUnavailable: 1 selecting its pods.", deployment.urn);
    }
    for (const budget of own) {
        const blocked = blocksDrains(budget, recordOf(deployment.props.spec).replicas ?? 1);
        if (blocked !== undefined) {
            fail(`PodDisruptionBudget "${budget.name}" blocks every drain of "${deployment.name}": ${blocked}.`, "use maxUnavailable: 1.", budget.urn);
        }
    }
}

const deploymentHasBudget = stackPolicy({
    name: "deployment-has-pdb",
    description: "Every Deployment has a PodDisruptionBudget that keeps pods serving during voluntary disruptions (node upgrades, surge replacements) while still letting each drain proceed.",
    severity: "high",
    remediationSteps: "Add a PodDisruptionBudget (maxUnavailable: 1) whose selector matches the Deployment's pod labels, in the same namespace.",
    check: ({ ofType, fail }) => {
        const budgets = ofType(TYPES.podDisruptionBudget);
        for (const deployment of ofType(TYPES.deployment)) {
            checkBudget(deployment, budgets, fail);
        }
    },
});

/** True when the policy governs ingress (policyTypes lists it, or is omitted, which implies it). */
function governsIngress(policy: PolicyResource): boolean {
    const types = recordOf(policy.props.spec).policyTypes;
    return !Array.isArray(types) || types.includes("Ingress");
}

const workloadHasNetworkPolicy = stackPolicy({
    name: "workload-has-network-policy",
    description: "Every workload's pods are selected by a NetworkPolicy that governs their ingress, so a compromised pod cannot reach services it has no business calling.",
    severity: "high",
    remediationSteps: "Add a NetworkPolicy in the workload's namespace whose podSelector matches its pod labels and lists the allowed sources.",
    check: ({ ofType, fail }) => {
        const policies = ofType(TYPES.networkPolicy).filter(governsIngress);
        for (const workload of NETWORKED_WORKLOADS.flatMap(ofType)) {
            const labels = podLabels(workload);
            if (!policies.some(policy => sameNamespace(policy, workload) && selectorMatches(recordOf(policy.props.spec).podSelector, labels))) {
                fail(`${workload.type.split(":").pop()} "${workload.name}" has no NetworkPolicy governing its ingress.`,
                    "add a NetworkPolicy whose podSelector matches its pod labels.", workload.urn);
            }
        }
    },
});

export const availabilityPolicies: StackValidationPolicy[] = [deploymentHasBudget, workloadHasNetworkPolicy];
