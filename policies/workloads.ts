import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { resourcePolicy } from "./lib/define";
import { containersOf, isPodBearing, OBJECT_GROUP_TYPES, podPolicy } from "./lib/pods";
import { peek } from "./lib/references";
import { has, recordOf, show, TYPES } from "./lib/resources";

/**
 * Workload hygiene beyond Pod Security: immutable containers, bounded resources, health the
 * orchestrator can see, images that cannot change under a running release, no API credentials
 * the apps do not use, and enough replicas to lose one.
 */

const readOnlyRoot = podPolicy({
    name: "pod-read-only-root-filesystem",
    description: "Containers run with a read-only root filesystem, so an attacker cannot drop tools or alter the application inside a running container.",
    severity: "medium",
    remediationSteps: "Set readOnlyRootFilesystem: true and mount an emptyDir where the app must write (e.g. /tmp, nginx cache).",
    check: (pod, { fail }) => {
        for (const { security, label } of containersOf(pod, ["containers", "initContainers"])) {
            if (security.readOnlyRootFilesystem !== true) {
                fail(`${label} has a writable root filesystem.`, "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir for scratch space.");
            }
        }
    },
});

const RESOURCE_NAMES: PolicyConfigJSONSchema = { type: "array", minItems: 1, uniqueItems: true, items: { type: "string", enum: ["cpu", "memory", "ephemeral-storage"] } };

const requestsAndLimits = podPolicy({
    name: "pod-requests-and-limits",
    description: "Containers declare resource requests (so the scheduler and autoscaler can plan) and limits (so one runaway pod cannot starve its neighbours).",
    severity: "medium",
    remediationSteps: "Set resources.requests and resources.limits for cpu and memory on every container.",
    config: {
        requests: { ...RESOURCE_NAMES, default: ["cpu", "memory"], description: "Resources every container must request." },
        limits: { ...RESOURCE_NAMES, default: ["cpu", "memory"], description: "Resources every container must limit." },
    },
    check: (pod, { config, fail }) => {
        for (const { container, label } of containersOf(pod, ["containers", "initContainers"])) {
            const resources = recordOf(container.resources);
            for (const kind of ["requests", "limits"] as const) {
                const missing = (config[kind] as string[]).filter(name => !has(recordOf(resources[kind]), name));
                if (missing.length > 0) {
                    fail(`${label} has no ${kind} for ${missing.join(", ")}.`, `set resources.${kind}.${missing[0]} (and the others named).`);
                }
            }
        }
    },
});

const LONG_RUNNING: readonly string[] = [TYPES.deployment, TYPES.statefulSet, TYPES.daemonSet, TYPES.replicaSet, TYPES.pod];

const probes = podPolicy({
    name: "pod-probes",
    description: "Long-running containers have readiness probes (no traffic until ready, the L2 health check) and liveness probes (a hung process is restarted).",
    severity: "medium",
    remediationSteps: "Add readinessProbe and livenessProbe (HTTP GET on the service's health path) to every container.",
    check: (pod, { args, fail }) => {
        if (!LONG_RUNNING.includes(args.type)) {
            return;
        }
        for (const { container, label } of containersOf(pod, ["containers"])) {
            for (const probe of ["readinessProbe", "livenessProbe"].filter(key => !has(container, key))) {
                fail(`${label} has no ${probe}.`, `add a ${probe} (httpGet on the health path).`);
            }
        }
    },
});

/** The tag of an image reference (after the last path segment's colon), if any. */
export function imageTag(image: string): string | undefined {
    const withoutDigest = image.split("@")[0];
    const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    return colon < 0 ? undefined : lastSegment.slice(colon + 1);
}

const pinnedImages = podPolicy({
    name: "pod-pinned-images",
    description: "Images are pinned by tag or digest, never `latest` or untagged: a release must run exactly the image it was tested with, and a rollback must bring the old one back.",
    severity: "high",
    remediationSteps: "Reference images as repository:version (e.g. ivor:2026.11.2) or by @sha256 digest.",
    config: {
        forbiddenTags: { type: "array", uniqueItems: true, items: { type: "string", minLength: 1 }, default: ["latest"], description: "Tags that move and so do not pin an image." },
    },
    check: (pod, { config, fail }) => {
        for (const { container, label } of containersOf(pod)) {
            const image = String(container.image ?? "");
            const tag = imageTag(image);
            if (!image.includes("@sha256:") && (tag === undefined || (config.forbiddenTags as string[]).includes(tag))) {
                fail(`${label} uses image ${show(container.image)}, which is not pinned.`, "reference a version tag or an @sha256 digest.");
            }
        }
    },
});

const noServiceAccountToken = podPolicy({
    name: "pod-no-service-account-token",
    description: "Pods do not mount a Kubernetes API token: the platform's apps never call the API, so a stolen token would only help an attacker.",
    severity: "medium",
    remediationSteps: "Set automountServiceAccountToken: false in the pod spec.",
    check: (pod, { fail }) => {
        if (pod.spec.automountServiceAccountToken !== false) {
            fail(`${pod.specPath}.automountServiceAccountToken is ${show(pod.spec.automountServiceAccountToken)}.`, "set automountServiceAccountToken: false.");
        }
    },
});

/** The namespaced kinds the platform declares. */
const NAMESPACED_TYPES = [
    TYPES.deployment, TYPES.statefulSet, TYPES.daemonSet, TYPES.replicaSet, TYPES.job, TYPES.cronJob, TYPES.pod, TYPES.service,
    TYPES.persistentVolumeClaim, TYPES.podDisruptionBudget, TYPES.hpa, TYPES.networkPolicy, TYPES.ingress,
    "kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Secret", "kubernetes:core/v1:ServiceAccount",
    "kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
];

const notDefaultNamespace = resourcePolicy({
    name: "k8s-not-default-namespace",
    description: "Platform objects live in the platform's own namespace, where its Pod Security level, NetworkPolicies and quotas apply; the default namespace has none of them.",
    severity: "medium",
    remediationSteps: "Set metadata.namespace to the platform namespace (the Cluster component's namespace).",
    types: NAMESPACED_TYPES,
    // Every pod-bearing kind, in any API version or as a Patch (a ReplicationController in default included).
    matches: type => isPodBearing(type) && !OBJECT_GROUP_TYPES.includes(type),
    check: (props, { args, fail }) => {
        const metadata = recordOf(props.metadata);
        // A namespace taken from a Namespace resource is unknown at preview, and is never "default".
        const namespace = has(metadata, "namespace") ? peek(metadata, "namespace") ?? "(another resource's name)" : undefined;
        if (namespace === undefined || namespace === "" || namespace === "default") {
            fail(`${args.type.split(":").pop()} "${args.name}" is in the default namespace.`, "set metadata.namespace to the platform namespace.");
        }
    },
});

export const workloadPolicies: ResourceValidationPolicy[] = [
    readOnlyRoot,
    requestsAndLimits,
    probes,
    pinnedImages,
    noServiceAccountToken,
    notDefaultNamespace,
];
