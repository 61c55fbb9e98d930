import type { StackValidationPolicy } from "@pulumi/policy";
import { DIGITALOCEAN_REGISTRY, DOCKER_HUB, QUAY, registryOf } from "../components/imageRegistry";
import { stackPolicy } from "./lib/define";
import { containersOf, podOf, WORKLOAD_TYPES } from "./lib/pods";
import { listOf, TYPES } from "./lib/resources";

/**
 * Every container image comes from a registry the cluster can pull from: a public registry, or
 * DigitalOcean's private registry with the cluster's registry integration on (DigitalOcean then
 * places the registry's pull secret in every namespace and on each default service account:
 * https://docs.digitalocean.com/reference/doctl/reference/registry/kubernetes-manifest/) or a pull
 * secret on the pod. Otherwise pods sit in ImagePullBackOff after a "successful" `pulumi up`.
 * Checked in stacks that declare their DOKS cluster (the colour stacks).
 */

const imagesPullable = stackPolicy({
    name: "images-pullable",
    description: "Every container image comes from a registry the cluster can pull from: a listed public registry, or DigitalOcean's registry with registry integration on the cluster (or an image pull secret on the pod).",
    severity: "high",
    remediationSteps: "Turn on registryIntegration on the DOKS cluster (it needs a DigitalOcean Container Registry in the account), add imagePullSecrets to the pod, or pull from a listed public registry.",
    config: {
        publicRegistries: {
            type: "array", uniqueItems: true, items: { type: "string", minLength: 1 }, default: [DOCKER_HUB, QUAY],
            description: "Registries any node may pull from without credentials.",
        },
    },
    check: ({ ofType, config, fail }) => {
        const clusters = ofType(TYPES.kubernetesCluster);
        // Only a stack that declares its cluster says what that cluster can pull.
        if (clusters.length === 0) {
            return;
        }
        const integrated = clusters.some(cluster => cluster.props.registryIntegration === true);
        for (const workload of WORKLOAD_TYPES.flatMap(type => ofType(type))) {
            const pod = podOf(workload.type, workload.props);
            if (pod === undefined || listOf(pod.spec.imagePullSecrets).length > 0) {
                continue;
            }
            for (const { container, label } of containersOf(pod)) {
                const registry = registryOf(String(container.image ?? ""));
                if ((config.publicRegistries as string[]).includes(registry) || (registry === DIGITALOCEAN_REGISTRY && integrated)) {
                    continue;
                }
                const why = registry === DIGITALOCEAN_REGISTRY ? "the cluster's registry integration is off and the pod has no pull secret" : `${registry} is not a listed public registry and the pod has no pull secret`;
                fail(`${workload.name} ${label} pulls ${JSON.stringify(container.image)}, but ${why}.`,
                    registry === DIGITALOCEAN_REGISTRY ? "set registryIntegration: true on the cluster." : "add imagePullSecrets, or list the registry in publicRegistries.", workload.urn);
            }
        }
    },
});

export const imageRegistryPolicies: StackValidationPolicy[] = [imagesPullable];
