import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, PodView, podPolicy, podSecurity } from "./lib/pods";
import { Fail } from "./lib/define";
import { listOf, recordOf, show } from "./lib/resources";

/**
 * The rest of the Pod Security Standards baseline that "restricted" includes: AppArmor and SELinux
 * must not be switched off or overridden, /proc stays masked, and only namespaced-safe sysctls may
 * be set. Rarely touched by hand, which is why they are easy to miss in review.
 */

const SELINUX_TYPES = ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

/** Sysctls the kubelet allows by default: they are namespaced and cannot affect other pods. */
const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

/** The pod's securityContext and each container's, with where each sits. */
function securityContexts(pod: PodView): Array<{ where: string; security: Record<string, any> }> {
    return [
        { where: `${pod.specPath}.securityContext`, security: podSecurity(pod) },
        ...containersOf(pod).map(({ label, security }) => ({ where: label, security })),
    ];
}

function checkAppArmor(pod: PodView, fail: Fail): void {
    for (const { where, security } of securityContexts(pod)) {
        const type = recordOf(security.appArmorProfile).type;
        if (type !== undefined && type !== "RuntimeDefault" && type !== "Localhost") {
            fail(`${where} sets appArmorProfile ${show(type)}.`, 'remove it or use type "RuntimeDefault".');
        }
    }
    for (const [key, value] of Object.entries(recordOf(pod.metadata.annotations))) {
        if (key.startsWith(APPARMOR_ANNOTATION) && value !== "runtime/default" && !String(value).startsWith("localhost/")) {
            fail(`annotation ${key} is ${show(value)}.`, 'remove it or set it to "runtime/default".');
        }
    }
}

function checkSeLinux(pod: PodView, fail: Fail): void {
    for (const { where, security } of securityContexts(pod)) {
        const options = recordOf(security.seLinuxOptions);
        if (options.type !== undefined && options.type !== "" && !SELINUX_TYPES.includes(String(options.type))) {
            fail(`${where} sets SELinux type ${show(options.type)}.`, `remove it or use one of ${SELINUX_TYPES.join(", ")}.`);
        }
        for (const key of ["user", "role"].filter(name => options[name] !== undefined && options[name] !== "")) {
            fail(`${where} sets SELinux ${key} ${show(options[key])}.`, `remove seLinuxOptions.${key}.`);
        }
    }
}

function checkProcAndSysctls(pod: PodView, fail: Fail): void {
    for (const { security, label } of containersOf(pod)) {
        if (security.procMount !== undefined && security.procMount !== "Default") {
            fail(`${label} sets procMount ${show(security.procMount)}, unmasking /proc.`, 'remove procMount (or set it to "Default").');
        }
    }
    for (const sysctl of listOf(podSecurity(pod).sysctls)) {
        const name = recordOf(sysctl).name;
        if (!SAFE_SYSCTLS.includes(String(name))) {
            fail(`${pod.specPath}.securityContext sets sysctl ${show(name)}, which is not in the safe set.`, "remove it; only namespaced safe sysctls may be set.");
        }
    }
}

const baselineOptions = podPolicy({
    name: "pod-security-baseline-options",
    description: "AppArmor and SELinux stay on with their container profiles, /proc stays masked, and pods set only the safe sysctls (Pod Security baseline, part of restricted).",
    severity: "high",
    remediationSteps: "Remove the AppArmor, SELinux, procMount or sysctl override named in the message.",
    check: (pod, { fail }) => {
        checkAppArmor(pod, fail);
        checkSeLinux(pod, fail);
        checkProcAndSysctls(pod, fail);
    },
});

export const podBaselinePolicies: ResourceValidationPolicy[] = [baselineOptions];
