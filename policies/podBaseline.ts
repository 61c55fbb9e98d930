import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Fail } from "./lib/define";
import { containersOf, PodView, podSecurity } from "./lib/pods";
import { recordOf, show } from "./lib/resources";
import { podSecurityRule } from "./podSecurity";
import { hostProbesAndLifecycle, procMount, sysctls } from "./podSecurityStandards";

/**
 * The rest of the Pod Security Standards baseline that "restricted" includes: AppArmor and SELinux
 * must not be switched off or overridden, /proc stays masked, only the safe sysctls of the
 * configured Kubernetes version may be set, and (from 1.34) probes and lifecycle hooks may not name
 * a host. Rarely touched by hand, which is why they are easy to miss in review.
 */

/** check_seLinuxOptions.go: the allowed types (1.0), plus container_engine_t from 1.31. */
export function seLinuxTypes(minor: number): string[] {
    return ["container_t", "container_init_t", "container_kvm_t", ...(minor >= 31 ? ["container_engine_t"] : [])];
}

const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

/** The pod's securityContext and each container's, with where each sits. */
function securityContexts(pod: PodView): Array<{ where: string; security: Record<string, any> }> {
    return [
        { where: `${pod.specPath}.securityContext`, security: podSecurity(pod) },
        ...containersOf(pod).map(({ label, security }) => ({ where: label, security })),
    ];
}

/** check_appArmorProfile.go (1.0): the field and the annotation. */
function checkAppArmor(pod: PodView, _minor: number, fail: Fail): void {
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

/** check_seLinuxOptions.go (1.0, 1.31). */
function checkSeLinux(pod: PodView, minor: number, fail: Fail): void {
    const types = seLinuxTypes(minor);
    for (const { where, security } of securityContexts(pod)) {
        const options = recordOf(security.seLinuxOptions);
        if (options.type !== undefined && options.type !== "" && !types.includes(String(options.type))) {
            fail(`${where} sets SELinux type ${show(options.type)}.`, `remove it or use one of ${types.join(", ")}.`);
        }
        for (const key of ["user", "role"].filter(name => options[name] !== undefined && options[name] !== "")) {
            fail(`${where} sets SELinux ${key} ${show(options[key])}.`, `remove seLinuxOptions.${key}.`);
        }
    }
}

const baselineOptions = podSecurityRule({
    name: "pod-security-baseline-options",
    description: "AppArmor and SELinux stay on with their container profiles, /proc stays masked, pods set only the safe sysctls, and probes and hooks name no host (Pod Security baseline, part of restricted).",
    severity: "high",
    remediationSteps: "Remove the AppArmor, SELinux, procMount, sysctl or probe host override named in the message.",
}, checkAppArmor, checkSeLinux, procMount, sysctls, hostProbesAndLifecycle);

export const podBaselinePolicies: ResourceValidationPolicy[] = [baselineOptions];
