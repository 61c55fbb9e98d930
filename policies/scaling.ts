import type { ResourceValidationPolicy } from "@pulumi/policy";
import { resourcePolicy } from "./lib/define";
import { recordOf, show, TYPES } from "./lib/resources";

/**
 * Replica floors (the seeds' min_instances: 2, so one pod can fail or drain while another
 * serves) and an autoscaling ceiling (the seeds' max_instances: 10) that caps runaway cost.
 */

const MIN_REPLICAS = { type: "integer", minimum: 1, maximum: 100, default: 2, description: "Fewest replicas a workload may run." } as const;

const deploymentReplicas = resourcePolicy({
    name: "deployment-min-replicas",
    description: "Deployments run at least two replicas, so a crash, a node drain or a rolling update never leaves a service with no pod.",
    severity: "high",
    remediationSteps: "Set spec.replicas to the minimum or more (the HPA's minReplicas should match).",
    types: [TYPES.deployment],
    config: { minReplicas: MIN_REPLICAS },
    check: (props, { args, config, fail }) => {
        // Kubernetes runs one replica when spec.replicas is omitted.
        const replicas = recordOf(props.spec).replicas ?? 1;
        if (!(typeof replicas === "number" && replicas >= config.minReplicas)) {
            fail(`Deployment "${args.name}" runs ${show(replicas)} replica(s), fewer than ${config.minReplicas}.`, `set spec.replicas to ${config.minReplicas} or more.`);
        }
    },
});

const hpaFloor = resourcePolicy({
    name: "hpa-min-replicas",
    description: "Autoscalers never scale a workload below two replicas, and their ceiling is at least their floor.",
    severity: "high",
    remediationSteps: "Set spec.minReplicas to the minimum or more and spec.maxReplicas at least as high.",
    types: [TYPES.hpa],
    config: { minReplicas: MIN_REPLICAS },
    check: (props, { args, config, fail }) => {
        const spec = recordOf(props.spec);
        // The API server defaults an omitted minReplicas to 1.
        const minReplicas = spec.minReplicas ?? 1;
        if (!(typeof minReplicas === "number" && minReplicas >= config.minReplicas)) {
            fail(`HPA "${args.name}" may scale down to ${show(minReplicas)} replica(s).`, `set spec.minReplicas to ${config.minReplicas} or more.`);
        } else if (!(typeof spec.maxReplicas === "number" && spec.maxReplicas >= minReplicas)) {
            fail(`HPA "${args.name}" has maxReplicas ${show(spec.maxReplicas)} below minReplicas ${minReplicas}.`, `set spec.maxReplicas to ${minReplicas} or more.`);
        }
    },
});

const hpaCeiling = resourcePolicy({
    name: "hpa-max-replicas-ceiling",
    description: "Autoscalers stop at the platform's ceiling, so a traffic spike or a bug cannot run up an unbounded bill. Advisory: a real surge may justify going higher for a while.",
    severity: "low",
    enforcementLevel: "advisory",
    remediationSteps: "Lower spec.maxReplicas to the ceiling, or raise the ceiling in the policy config after a capacity review.",
    types: [TYPES.hpa],
    config: { maxReplicas: { type: "integer", minimum: 1, maximum: 1000, default: 10, description: "Most replicas an autoscaler may run." } },
    check: (props, { args, config, fail }) => {
        const maxReplicas = recordOf(props.spec).maxReplicas;
        if (typeof maxReplicas === "number" && maxReplicas > config.maxReplicas) {
            fail(`HPA "${args.name}" may scale to ${maxReplicas} replicas, above the ceiling of ${config.maxReplicas}.`, `set spec.maxReplicas to ${config.maxReplicas} or less.`);
        }
    },
});

export const scalingPolicies: ResourceValidationPolicy[] = [deploymentReplicas, hpaFloor, hpaCeiling];
