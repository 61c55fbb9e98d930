import { containersOf, PodView } from "./lib/pods";
import { peek } from "./lib/references";
import { listOf, recordOf, show, TYPES } from "./lib/resources";

/**
 * The pack's one exception to Pod Security "restricted": read-only host paths for node-exporter.
 * Written out here, not imported from the component, so a change to the workload that widens its
 * access (another path, a writable mount, another image or namespace) fails the pack until someone
 * edits this allowance and its reason. Nothing else is relaxed: privileged, host namespaces, host
 * ports, capabilities, seccomp, non-root and privilege escalation are still checked on this pod.
 */

export interface HostPathAllowance {
    /** Named in every verdict that mentions it. */
    readonly name: string;
    readonly reason: string;
    /** The Pulumi type the workload is declared as (never a Patch or a ConfigGroup's inline object). */
    readonly type: string;
    readonly namespace: string;
    /** The workload's metadata.name. */
    readonly workload: string;
    /** Every container's image, without tag or digest. */
    readonly imageRepository: string;
    /** Host path -> where the container mounts it, read-only; exactly these, each a Directory. */
    readonly hostPaths: Readonly<Record<string, string>>;
    /** The namespace's Pod Security enforce level, the only one that admits hostPath. */
    readonly namespaceEnforce: "privileged";
}

export const NODE_EXPORTER_ALLOWANCE: HostPathAllowance = Object.freeze({
    name: "node-exporter-host-metrics",
    reason: "The node CPU, memory and disk alert rules need each node's /proc (CPU, memory, mount table) and root filesystem (statfs of each mount); "
        + "only a pod on the node reading them can see them. Read-only, non-root with its own UID, no capabilities, no host network or PID, "
        + "nothing in but Prometheus and nothing out, alone in its namespace.",
    type: TYPES.daemonSet,
    namespace: "node-exporter",
    workload: "node-exporter",
    imageRepository: "quay.io/prometheus/node-exporter",
    hostPaths: Object.freeze({ "/proc": "/host/proc", "/": "/host/root" }),
    namespaceEnforce: "privileged",
});

export const POD_SECURITY_ALLOWANCES: readonly HostPathAllowance[] = [NODE_EXPORTER_ALLOWANCE];

/** `quay.io/prometheus/node-exporter:v1.5.0` (or `@sha256:...`) -> `quay.io/prometheus/node-exporter`. */
export function imageRepository(image: string): string {
    const withoutDigest = image.split("@")[0];
    const slash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.indexOf(":", slash + 1);
    return colon < 0 ? withoutDigest : withoutDigest.slice(0, colon);
}

/** The allowance whose namespace the workload is declared in, if any (it claims that allowance). */
export function claimedAllowance(props: Record<string, any>): HostPathAllowance | undefined {
    const namespace = peek(recordOf(props.metadata), "namespace");
    return POD_SECURITY_ALLOWANCES.find(allowance => allowance.namespace === namespace);
}

/** Every way the workload differs from the allowance; empty when the allowance admits its host paths. */
export function allowanceMismatches(allowance: HostPathAllowance, type: string, props: Record<string, any>, pod: PodView): string[] {
    const problems: string[] = [];
    const metadata = recordOf(props.metadata);
    if (type !== allowance.type) problems.push(`it is a ${type}, not a ${allowance.type}`);
    if (pod.specPath !== "spec.template.spec") problems.push(`its pod is at ${pod.specPath}`);
    for (const [key, expected] of [["namespace", allowance.namespace], ["name", allowance.workload]] as const) {
        const value = peek(metadata, key);
        if (value !== expected) problems.push(`metadata.${key} is ${show(value)}, not ${show(expected)}`);
    }
    const containers = containersOf(pod);
    for (const { container, label } of containers) {
        const repository = imageRepository(String(container.image ?? ""));
        if (repository !== allowance.imageRepository) problems.push(`${label} runs ${show(repository)}, not ${show(allowance.imageRepository)}`);
    }
    const hostVolumes = new Map<string, string>();
    listOf(pod.spec.volumes).forEach((item, index) => {
        const volume = recordOf(item);
        if (volume.hostPath === undefined) return;
        const hostPath = recordOf(volume.hostPath);
        if (!(String(hostPath.path) in allowance.hostPaths) || [...hostVolumes.values()].includes(String(hostPath.path))) {
            problems.push(`${pod.specPath}.volumes[${index}] mounts host path ${show(hostPath.path)}, not one of ${show(Object.keys(allowance.hostPaths))} (each once)`);
        }
        if (hostPath.type !== "Directory") problems.push(`${pod.specPath}.volumes[${index}].hostPath.type is ${show(hostPath.type)}, not "Directory"`);
        hostVolumes.set(String(volume.name), String(hostPath.path));
    });
    const missing = Object.keys(allowance.hostPaths).filter(path => ![...hostVolumes.values()].includes(path));
    if (missing.length > 0) problems.push(`the host paths ${show(missing)} are not all mounted (the allowance is for exactly its set)`);
    for (const { container, label } of containers) {
        listOf(container.volumeMounts).map(recordOf).forEach((mount, index) => {
            const path = hostVolumes.get(String(mount.name));
            if (path === undefined) return;
            const where = `${label}.volumeMounts[${index}]`;
            if (mount.readOnly !== true) problems.push(`${where} mounts host path ${show(path)} writable`);
            if (mount.mountPath !== allowance.hostPaths[path]) problems.push(`${where} mounts ${show(path)} at ${show(mount.mountPath)}, not ${show(allowance.hostPaths[path])}`);
            if (mount.subPath !== undefined || mount.subPathExpr !== undefined) problems.push(`${where} mounts a subPath of host path ${show(path)}`);
            if (mount.mountPropagation !== undefined && mount.mountPropagation !== "None") problems.push(`${where} propagates mounts (${show(mount.mountPropagation)})`);
        });
    }
    return problems;
}

/** Whether a Namespace's Pod Security enforce level is the one an allowance for it needs. */
export function namespaceAllowance(metadata: Record<string, any>): HostPathAllowance | undefined {
    const name = peek(metadata, "name");
    return POD_SECURITY_ALLOWANCES.find(allowance => allowance.namespace === name);
}
