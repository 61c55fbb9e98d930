import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, podPolicy, podSecurity } from "./lib/pods";
import { listOf, recordOf, show } from "./lib/resources";

/**
 * The Kubernetes Pod Security Standards "restricted" profile (which contains "baseline"), checked
 * at preview instead of at admission: a workload the namespace's admission controller would
 * refuse fails here, before anything is deployed.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */

const REMEDIATION = "Give the pod and each container the platform's restricted securityContext (see components' pod defaults).";

const notPrivileged = podPolicy({
    name: "pod-not-privileged",
    description: "No privileged or Windows HostProcess containers: either gives the container the node itself.",
    severity: "critical",
    remediationSteps: REMEDIATION,
    check: (pod, { fail }) => {
        if (recordOf(podSecurity(pod).windowsOptions).hostProcess === true) {
            fail(`${pod.specPath}.securityContext runs as a Windows HostProcess.`, "remove windowsOptions.hostProcess.");
        }
        for (const { security, label } of containersOf(pod)) {
            if (security.privileged === true || recordOf(security.windowsOptions).hostProcess === true) {
                fail(`${label} is privileged.`, "remove securityContext.privileged and windowsOptions.hostProcess.");
            }
        }
    },
});

const noHostNamespaces = podPolicy({
    name: "pod-no-host-namespaces",
    description: "Pods must not share the node's network, process or IPC namespaces: that lets them see and reach everything else on the node.",
    severity: "critical",
    remediationSteps: "Remove hostNetwork, hostPID and hostIPC from the pod spec.",
    check: (pod, { fail }) => {
        for (const key of ["hostNetwork", "hostPID", "hostIPC"]) {
            if (pod.spec[key] === true) {
                fail(`${pod.specPath}.${key} is true.`, `remove ${key} (or set it to false).`);
            }
        }
    },
});

const noHostPorts = podPolicy({
    name: "pod-no-host-ports",
    description: "Containers must not bind host ports: traffic reaches pods only through Services, where NetworkPolicies and the gateway apply.",
    severity: "high",
    remediationSteps: "Remove hostPort from the container ports and expose the port through a Service.",
    check: (pod, { fail }) => {
        for (const { container, label } of containersOf(pod)) {
            listOf(container.ports).forEach((port, index) => {
                const hostPort = recordOf(port).hostPort;
                if (hostPort !== undefined && hostPort !== 0) {
                    fail(`${label}.ports[${index}] binds host port ${show(hostPort)}.`, "remove hostPort.");
                }
            });
        }
    },
});

/** The volume sources "restricted" allows; anything else (hostPath above all) reaches outside the pod. */
const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

const restrictedVolumes = podPolicy({
    name: "pod-restricted-volumes",
    description: "Pods may mount only restricted volume types (configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret); hostPath and the rest reach into the node or around storage access control.",
    severity: "high",
    remediationSteps: "Replace the volume with an emptyDir, a Secret/ConfigMap, or a PersistentVolumeClaim.",
    check: (pod, { fail }) => {
        listOf(pod.spec.volumes).forEach((volume, index) => {
            const sources = Object.keys(recordOf(volume)).filter(key => key !== "name");
            for (const source of sources.filter(key => !RESTRICTED_VOLUMES.includes(key))) {
                fail(`${pod.specPath}.volumes[${index}] is a ${source} volume${source === "hostPath" ? " (a path on the node)" : ""}.`,
                    `replace the ${source} volume with one of ${RESTRICTED_VOLUMES.join(", ")}.`);
            }
        });
    },
});

const noPrivilegeEscalation = podPolicy({
    name: "pod-no-privilege-escalation",
    description: "Every container sets allowPrivilegeEscalation: false, so no setuid binary or file capability can raise a process above the container's user.",
    severity: "high",
    remediationSteps: REMEDIATION,
    check: (pod, { fail }) => {
        for (const { security, label } of containersOf(pod)) {
            if (security.allowPrivilegeEscalation !== false) {
                fail(`${label} does not set allowPrivilegeEscalation: false.`, "set securityContext.allowPrivilegeEscalation: false.");
            }
        }
    },
});

const runAsNonRoot = podPolicy({
    name: "pod-run-as-non-root",
    description: "Containers must run as a non-root user (runAsNonRoot, never UID 0), so an escape from the application starts without root's powers.",
    severity: "high",
    remediationSteps: "Set runAsNonRoot: true on the pod, use images that run as an unprivileged user, and never runAsUser: 0.",
    check: (pod, { fail }) => {
        const podLevel = podSecurity(pod);
        if (podLevel.runAsUser === 0) {
            fail(`${pod.specPath}.securityContext.runAsUser is 0 (root).`, "set a non-zero runAsUser or remove it.");
        }
        for (const { security, label } of containersOf(pod)) {
            const nonRoot = security.runAsNonRoot ?? podLevel.runAsNonRoot;
            if (nonRoot !== true) {
                fail(`${label} may run as root (runAsNonRoot is ${show(nonRoot)}).`, "set runAsNonRoot: true on the pod or the container.");
            }
            if (security.runAsUser === 0) {
                fail(`${label} sets runAsUser: 0 (root).`, "set a non-zero runAsUser or remove it.");
            }
        }
    },
});

const dropAllCapabilities = podPolicy({
    name: "pod-drop-all-capabilities",
    description: "Containers drop every Linux capability and may add back only NET_BIND_SERVICE.",
    severity: "high",
    remediationSteps: 'Set securityContext.capabilities: { drop: ["ALL"] } on every container.',
    check: (pod, { fail }) => {
        for (const { security, label } of containersOf(pod)) {
            const capabilities = recordOf(security.capabilities);
            if (!listOf(capabilities.drop).includes("ALL")) {
                fail(`${label} does not drop ALL capabilities.`, 'set securityContext.capabilities.drop: ["ALL"].');
            }
            const added = listOf(capabilities.add).filter(capability => capability !== "NET_BIND_SERVICE");
            if (added.length > 0) {
                fail(`${label} adds capabilities ${show(added)}.`, "remove them (only NET_BIND_SERVICE may be added).");
            }
        }
    },
});

const seccomp = podPolicy({
    name: "pod-seccomp-runtime-default",
    description: "Every container runs under a seccomp profile (the runtime's default), which blocks the system calls container escapes rely on.",
    severity: "high",
    remediationSteps: 'Set securityContext.seccompProfile: { type: "RuntimeDefault" } on the pod.',
    config: {
        allowedProfiles: {
            type: "array", minItems: 1, uniqueItems: true, items: { type: "string", enum: ["RuntimeDefault", "Localhost"] },
            default: ["RuntimeDefault"], description: "Seccomp profile types allowed.",
        },
    },
    check: (pod, { config, fail }) => {
        const allowed = config.allowedProfiles as string[];
        const podProfile = recordOf(podSecurity(pod).seccompProfile).type;
        for (const { security, label } of containersOf(pod)) {
            const profile = recordOf(security.seccompProfile).type ?? podProfile;
            if (!allowed.includes(String(profile))) {
                fail(`${label} runs with seccomp profile ${show(profile)}.`, `set seccompProfile.type to ${allowed.join(" or ")} on the pod.`);
            }
        }
    },
});

export const podSecurityPolicies: ResourceValidationPolicy[] = [
    notPrivileged,
    noHostNamespaces,
    noHostPorts,
    restrictedVolumes,
    noPrivilegeEscalation,
    runAsNonRoot,
    dropAllCapabilities,
    seccomp,
];
