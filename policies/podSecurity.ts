import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { PolicySpec } from "./lib/define";
import { containersOf, podPolicy } from "./lib/pods";
import { listOf, recordOf, show } from "./lib/resources";
import { allowanceMismatches, claimedAllowance } from "./podSecurityAllowance";
import {
    allowPrivilegeEscalation, capabilities, KUBERNETES_VERSION_CONFIG, minorOf, PodCheck, privileged, restrictedVolumes,
    RESTRICTED_VOLUMES, restrictedVolumesExcept, runAsNonRoot, runAsUser, seccomp,
} from "./podSecurityStandards";

/**
 * The Kubernetes Pod Security Standards "restricted" profile (which contains "baseline"), checked
 * at preview instead of at admission, for the Kubernetes version the cluster runs (policy config
 * `kubernetesVersion`): a workload the namespace's admission controller would refuse fails here,
 * before anything is deployed, and one it would admit passes. The rule logic, with the Kubernetes
 * check each mirrors, is in podSecurityStandards.ts.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */

const REMEDIATION = "Give the pod and each container the platform's restricted securityContext (see components' pod defaults).";

/** A Pod Security rule: the given checks, run for the configured Kubernetes version. */
export function podSecurityRule(spec: PolicySpec, ...checks: PodCheck[]): ResourceValidationPolicy {
    return podPolicy({
        ...spec,
        config: { ...KUBERNETES_VERSION_CONFIG, ...spec.config },
        check: (pod, { config, fail }) => {
            const minor = minorOf(config.kubernetesVersion);
            for (const check of checks) check(pod, minor, fail);
        },
    });
}

const notPrivileged = podSecurityRule({
    name: "pod-not-privileged",
    description: "No privileged or Windows HostProcess containers: either gives the container the node itself.",
    severity: "critical",
    remediationSteps: REMEDIATION,
}, privileged);

const noHostNamespaces = podSecurityRule({
    name: "pod-no-host-namespaces",
    description: "Pods must not share the node's network, process or IPC namespaces: that lets them see and reach everything else on the node.",
    severity: "critical",
    remediationSteps: "Remove hostNetwork, hostPID and hostIPC from the pod spec.",
}, (pod, _minor, fail) => {
    // check_hostNamespaces.go (1.0)
    for (const key of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (pod.spec[key] === true) {
            fail(`${pod.specPath}.${key} is true.`, `remove ${key} (or set it to false).`);
        }
    }
});

const noHostPorts = podSecurityRule({
    name: "pod-no-host-ports",
    description: "Containers must not bind host ports: traffic reaches pods only through Services, where NetworkPolicies and the gateway apply.",
    severity: "high",
    remediationSteps: "Remove hostPort from the container ports and expose the port through a Service.",
}, (pod, _minor, fail) => {
    // check_hostPorts.go (1.0)
    for (const { container, label } of containersOf(pod)) {
        listOf(container.ports).forEach((port, index) => {
            const hostPort = recordOf(port).hostPort;
            if (hostPort !== undefined && hostPort !== 0) {
                fail(`${label}.ports[${index}] binds host port ${show(hostPort)}.`, "remove hostPort.");
            }
        });
    }
});

/**
 * A workload declared in an allowance's namespace may keep exactly that allowance's read-only host
 * paths when it matches it in every respect; otherwise its hostPath volumes fail as anywhere else,
 * with each way it differs named.
 */
const restrictedVolumesRule = podPolicy({
    name: "pod-restricted-volumes",
    description: `Pods may mount only restricted volume types (${RESTRICTED_VOLUMES.join(", ")}); hostPath and the rest reach into the node or around storage access control. The one exception is a named allowance (policies/podSecurityAllowance.ts) matching its workload exactly.`,
    severity: "high",
    remediationSteps: "Replace the volume with an emptyDir, a Secret/ConfigMap, or a PersistentVolumeClaim.",
    config: KUBERNETES_VERSION_CONFIG,
    check: (pod, { args, config, fail }) => {
        const minor = minorOf(config.kubernetesVersion);
        const allowance = claimedAllowance(args.props);
        const mismatches = allowance ? allowanceMismatches(allowance, args.type, args.props, pod) : [];
        if (allowance === undefined || mismatches.length > 0) {
            restrictedVolumes(pod, minor, fail);
            if (allowance !== undefined && listOf(pod.spec.volumes).some(volume => recordOf(volume).hostPath !== undefined)) {
                fail(`the pod does not match Pod Security allowance "${allowance.name}": ${mismatches.join("; ")}.`,
                    "make the workload match the allowance exactly, or change the allowance (with its reason) in policies/podSecurityAllowance.ts.");
            }
            return;
        }
        restrictedVolumesExcept(volume => volume.hostPath !== undefined)(pod, minor, fail);
    },
});

const noPrivilegeEscalation = podSecurityRule({
    name: "pod-no-privilege-escalation",
    description: "Every container sets allowPrivilegeEscalation: false, so no setuid binary or file capability can raise a process above the container's user (Windows pods exempt, as Kubernetes exempts them).",
    severity: "high",
    remediationSteps: REMEDIATION,
}, allowPrivilegeEscalation);

const runAsNonRootRule = podSecurityRule({
    name: "pod-run-as-non-root",
    description: "Containers must run as a non-root user (runAsNonRoot, never UID 0), so an escape from the application starts without root's powers; a pod in its own user namespace (hostUsers: false) is root only inside it.",
    severity: "high",
    remediationSteps: "Set runAsNonRoot: true on the pod, use images that run as an unprivileged user, and never runAsUser: 0.",
}, runAsNonRoot, runAsUser);

const dropAllCapabilities = podSecurityRule({
    name: "pod-drop-all-capabilities",
    description: "Containers drop every Linux capability and may add back only NET_BIND_SERVICE.",
    severity: "high",
    remediationSteps: 'Set securityContext.capabilities: { drop: ["ALL"] } on every container.',
}, capabilities);

const SECCOMP_CONFIG: Record<string, PolicyConfigJSONSchema> = {
    allowedProfiles: {
        type: "array", minItems: 1, uniqueItems: true, items: { type: "string", enum: ["RuntimeDefault", "Localhost"] },
        default: ["RuntimeDefault"], description: "Seccomp profile types allowed.",
    },
};

const seccompRule: ResourceValidationPolicy = podPolicy({
    name: "pod-seccomp-runtime-default",
    description: "Every container runs under a seccomp profile (the runtime's default), which blocks the system calls container escapes rely on; a pod-level Unconfined is refused even when containers override it.",
    severity: "high",
    remediationSteps: 'Set securityContext.seccompProfile: { type: "RuntimeDefault" } on the pod.',
    config: { ...KUBERNETES_VERSION_CONFIG, ...SECCOMP_CONFIG },
    check: (pod, { config, fail }) => seccomp(config.allowedProfiles as string[])(pod, minorOf(config.kubernetesVersion), fail),
});

export const podSecurityPolicies: ResourceValidationPolicy[] = [
    notPrivileged,
    noHostNamespaces,
    noHostPorts,
    restrictedVolumesRule,
    noPrivilegeEscalation,
    runAsNonRootRule,
    dropAllCapabilities,
    seccompRule,
];
