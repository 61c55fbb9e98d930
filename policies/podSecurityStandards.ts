import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import type { Fail } from "./lib/define";
import { containersOf, PodView, podSecurity } from "./lib/pods";
import { listOf, recordOf, show } from "./lib/resources";

/**
 * The Pod Security Standards ("restricted", which contains "baseline") as Kubernetes' own admission
 * evaluates them for a given policy version. Each function mirrors one check of
 * kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_<id>.go, named in
 * its comment, with the versions at which that check changed:
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */

/** The Kubernetes minor the committed stacks run (Pulumi.<colour>.yaml `cluster.kubernetesVersion`). */
export const DEFAULT_KUBERNETES_VERSION = "1.33";

/** The policy config every Pod Security rule takes. */
export const KUBERNETES_VERSION_CONFIG: Record<string, PolicyConfigJSONSchema> = {
    kubernetesVersion: {
        type: "string", pattern: "^1\\.\\d{1,2}$", default: DEFAULT_KUBERNETES_VERSION,
        description: "Kubernetes minor version whose Pod Security admission the rules mirror (the cluster's; see cluster.kubernetesVersion).",
    },
};

/** The minor number of "1.33"; an unparsable version reads as the default's. */
export function minorOf(version: unknown): number {
    const match = /^1\.(\d{1,2})$/.exec(String(version ?? DEFAULT_KUBERNETES_VERSION));
    return Number(match ? match[1] : DEFAULT_KUBERNETES_VERSION.split(".")[1]);
}

export type PodCheck = (pod: PodView, minor: number, fail: Fail) => void;

/** From policy 1.25, pods declaring `spec.os.name: windows` are exempt from the Linux-only restricted checks. */
const windowsExempt = (pod: PodView, minor: number) => minor >= 25 && recordOf(pod.spec.os).name === "windows";
/** From policy 1.35, `hostUsers: false` (a user namespace) lifts runAsNonRoot and runAsUser (policy/helpers.go). */
const userNamespaceRelaxed = (pod: PodView, minor: number) => minor >= 35 && pod.spec.hostUsers === false;

/** check_privileged.go and check_windowsHostProcess.go (1.0). */
export const privileged: PodCheck = (pod, _minor, fail) => {
    if (recordOf(podSecurity(pod).windowsOptions).hostProcess === true) {
        fail(`${pod.specPath}.securityContext runs as a Windows HostProcess.`, "remove windowsOptions.hostProcess.");
    }
    for (const { security, label } of containersOf(pod)) {
        if (security.privileged === true || recordOf(security.windowsOptions).hostProcess === true) {
            fail(`${label} is privileged.`, "remove securityContext.privileged and windowsOptions.hostProcess.");
        }
    }
};

/** check_allowPrivilegeEscalation.go (1.8; Windows exempt from 1.25). */
export const allowPrivilegeEscalation: PodCheck = (pod, minor, fail) => {
    if (windowsExempt(pod, minor)) return;
    for (const { security, label } of containersOf(pod)) {
        if (security.allowPrivilegeEscalation !== false) {
            fail(`${label} does not set allowPrivilegeEscalation: false.`, "set securityContext.allowPrivilegeEscalation: false.");
        }
    }
};

/**
 * check_runAsNonRoot.go (1.0; skipped for hostUsers: false from 1.35). A pod-level `false` fails even
 * when every container sets true: Kubernetes judges each field that is set, not only the effective value.
 */
export const runAsNonRoot: PodCheck = (pod, minor, fail) => {
    if (userNamespaceRelaxed(pod, minor)) return;
    const podLevel = podSecurity(pod).runAsNonRoot;
    if (podLevel === false) {
        fail(`${pod.specPath}.securityContext sets runAsNonRoot: false.`, "set runAsNonRoot: true on the pod (or remove it there).");
    }
    for (const { security, label } of containersOf(pod)) {
        const nonRoot = security.runAsNonRoot ?? podLevel;
        if (nonRoot !== true) {
            fail(`${label} may run as root (runAsNonRoot is ${show(nonRoot)}).`, "set runAsNonRoot: true on the pod or the container.");
        }
    }
};

/** check_runAsUser.go (1.23; skipped for hostUsers: false from 1.35). */
export const runAsUser: PodCheck = (pod, minor, fail) => {
    if (minor < 23 || userNamespaceRelaxed(pod, minor)) return;
    if (podSecurity(pod).runAsUser === 0) {
        fail(`${pod.specPath}.securityContext.runAsUser is 0 (root).`, "set a non-zero runAsUser, remove it, or run the pod with hostUsers: false.");
    }
    for (const { security, label } of containersOf(pod)) {
        if (security.runAsUser === 0) {
            fail(`${label} sets runAsUser: 0 (root).`, "set a non-zero runAsUser, remove it, or run the pod with hostUsers: false.");
        }
    }
};

/** check_capabilities_restricted.go (1.22; Windows exempt from 1.25). */
export const capabilities: PodCheck = (pod, minor, fail) => {
    if (windowsExempt(pod, minor)) return;
    for (const { security, label } of containersOf(pod)) {
        const caps = recordOf(security.capabilities);
        if (!listOf(caps.drop).includes("ALL")) {
            fail(`${label} does not drop ALL capabilities.`, 'set securityContext.capabilities.drop: ["ALL"].');
        }
        const added = listOf(caps.add).filter(capability => capability !== "NET_BIND_SERVICE");
        if (added.length > 0) {
            fail(`${label} adds capabilities ${show(added)}.`, "remove them (only NET_BIND_SERVICE may be added).");
        }
    }
};

/**
 * check_seccompProfile_restricted.go (1.19; Windows exempt from 1.25). A pod-level profile that is
 * set must itself be allowed, even when every container overrides it; a container may leave its
 * own unset only when the pod's is set and allowed.
 */
export function seccomp(allowed: readonly string[]): PodCheck {
    return (pod, minor, fail) => {
        if (windowsExempt(pod, minor)) return;
        const podProfile = recordOf(podSecurity(pod).seccompProfile).type;
        if (podProfile !== undefined && !allowed.includes(String(podProfile))) {
            fail(`${pod.specPath}.securityContext sets seccomp profile ${show(podProfile)}.`, `set seccompProfile.type to ${allowed.join(" or ")} on the pod.`);
        }
        for (const { security, label } of containersOf(pod)) {
            const own = recordOf(security.seccompProfile).type;
            const profile = own ?? podProfile;
            if (!allowed.includes(String(profile)) && (own !== undefined || podProfile === undefined)) {
                fail(`${label} runs with seccomp profile ${show(profile)}.`, `set seccompProfile.type to ${allowed.join(" or ")} on the pod.`);
            }
        }
    };
}

/** check_restrictedVolumes.go (1.0): the nine volume sources restricted allows; `image` joined them in Kubernetes 1.33. */
export const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"];

export const restrictedVolumes: PodCheck = (pod, minor, fail) => restrictedVolumesExcept(() => false)(pod, minor, fail);

/** The same check, skipping the hostPath volumes a named allowance admits (podSecurityAllowance.ts). */
export function restrictedVolumesExcept(admitted: (volume: Record<string, any>) => boolean): PodCheck {
    return (pod, _minor, fail) => listOf(pod.spec.volumes).forEach((volume, index) => {
        if (admitted(recordOf(volume))) return;
        const sources = Object.keys(recordOf(volume)).filter(key => key !== "name");
        for (const source of sources.filter(key => !RESTRICTED_VOLUMES.includes(key))) {
            fail(`${pod.specPath}.volumes[${index}] is a ${source} volume${source === "hostPath" ? " (a path on the node)" : ""}.`,
                `replace the ${source} volume with one of ${RESTRICTED_VOLUMES.join(", ")}.`);
        }
    });
}

/** check_sysctls.go: the safe set grows with the policy version (1.0, 1.27, 1.29, 1.32). */
const SAFE_SYSCTLS: readonly (readonly [since: number, names: readonly string[]])[] = [
    [0, ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"]],
    [27, ["net.ipv4.ip_local_reserved_ports"]],
    [29, ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]],
    [32, ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]],
];

export function safeSysctls(minor: number): string[] {
    return SAFE_SYSCTLS.filter(([since]) => minor >= since).flatMap(([, names]) => names);
}

export const sysctls: PodCheck = (pod, minor, fail) => {
    const safe = safeSysctls(minor);
    for (const sysctl of listOf(podSecurity(pod).sysctls)) {
        const name = recordOf(sysctl).name;
        if (!safe.includes(String(name))) {
            fail(`${pod.specPath}.securityContext sets sysctl ${show(name)}, which is not in the safe set of Kubernetes 1.${minor}.`,
                "remove it; only namespaced safe sysctls may be set.");
        }
    }
};

/** check_procMount_restricted.go (1.35) and check_procMount.go (1.0): restricted allows only the default /proc mask. */
export const procMount: PodCheck = (pod, _minor, fail) => {
    for (const { security, label } of containersOf(pod)) {
        if (security.procMount !== undefined && security.procMount !== "Default") {
            fail(`${label} sets procMount ${show(security.procMount)}, unmasking /proc.`, 'remove procMount (or set it to "Default").');
        }
    }
};

/**
 * check_hostProbesAndhostLifecycle.go (1.34): probes and lifecycle hooks may not name a host, which
 * would send the kubelet past the pod. The current file (allowedLocalHostIPv4/IPv6) accepts the
 * loopback addresses, patched into the same 1.34 check.
 */
const PROBE_HOSTS_ALLOWED = ["", "127.0.0.1", "::1"];

export const hostProbesAndLifecycle: PodCheck = (pod, minor, fail) => {
    if (minor < 34) return;
    for (const { container, label } of containersOf(pod)) {
        const handlers: [string, unknown][] = [
            ...["livenessProbe", "readinessProbe", "startupProbe"].map(key => [key, container[key]] as [string, unknown]),
            ...["postStart", "preStop"].map(key => [`lifecycle.${key}`, recordOf(container.lifecycle)[key]] as [string, unknown]),
        ];
        for (const [where, handler] of handlers) {
            for (const kind of ["httpGet", "tcpSocket"]) {
                const host = recordOf(recordOf(handler)[kind]).host;
                if (host !== undefined && !PROBE_HOSTS_ALLOWED.includes(String(host))) {
                    fail(`${label}.${where}.${kind}.host is ${show(host)}.`, `remove ${where}.${kind}.host: probes and hooks reach the pod itself.`);
                }
            }
        }
    }
};
