import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podSecurityLabels } from "./cluster";
import { PROMETHEUS_SELECTOR } from "./gatewayMetrics";
import { podsLabelled, restrictedContainerSecurity, restrictedPodSecurity, tcpPort } from "./k8sWorkload";
import type { MonitoringMode } from "./monitoringWorkloads";
import { assertNoProblems, LABELS, PART_OF } from "./platformNames";

import Input = k8s.types.input;

/**
 * node-exporter on every node of a colour's cluster: the series of the node CPU, memory and disk
 * rules. It needs the node's /proc and root filesystem, which no Pod Security level short of
 * "privileged" admits, so it runs alone in its own namespace under the policy pack's one named
 * allowance (policies/podSecurityAllowance.ts), with every other restricted setting kept.
 */

/**
 * The upstream image at the version Debian gives the tests (1.5.0), so the loopback test runs the
 * cluster's version: the Prometheus project publishes it on Quay (kube-prometheus pins this very
 * tag: prometheus-operator/kube-prometheus manifests/nodeExporter-daemonset.yaml, release-0.12).
 */
export const NODE_EXPORTER_IMAGE = "quay.io/prometheus/node-exporter:v1.5.0";
export const NODE_EXPORTER_NAMESPACE = "node-exporter";
export const NODE_EXPORTER_NAME = "node-exporter";
export const NODE_EXPORTER_PORT = 9100;
export const NODE_EXPORTER_SELECTOR: Readonly<Record<string, string>> = { [LABELS.app]: "node-exporter", [LABELS.partOf]: PART_OF };
/**
 * Non-root is what keeps the node's root filesystem mostly closed: the kubelet creates its root and
 * pods directories 0750 root (kubernetes/kubernetes pkg/kubelet/kubelet.go, setupDataDirs), so other
 * pods' Secret volumes stay out of reach. And not the image's `nobody` (65534), which Prometheus and
 * Alertmanager run as: with the node's /proc mounted, a process can read /proc/<pid>/environ of any
 * process of its own UID on the node, so node-exporter gets a UID no other workload uses.
 */
export const NODE_EXPORTER_UID = 59100;

/**
 * The node's paths the exporter reads, read-only. /proc: the cpu collector reads /proc/stat, meminfo
 * /proc/meminfo and the filesystem collector the node's mount table at /proc/1/mounts (a pod's own
 * /proc shows its own mounts). /: the filesystem collector statfs()s each mount point under
 * `--path.rootfs` (prometheus/node_exporter collector/filesystem_linux.go, mountPointDetails and
 * rootfsFilePath). Not /sys: the cpu collector opens sysfs only for thermal throttling, which the
 * container's own /sys serves (the loopback test runs with an empty sysfs and still gets every series).
 */
export const NODE_EXPORTER_HOST_PATHS = [
    { name: "proc", path: "/proc", mountPath: "/host/proc" },
    { name: "root", path: "/", mountPath: "/host/root" },
] as const;

/** Where the exporter finds the node's paths; the loopback test passes this machine's. */
export interface NodeExporterPaths {
    readonly procfs: string;
    readonly rootfs: string;
}

const CLUSTER_PATHS: NodeExporterPaths = { procfs: "/host/proc", rootfs: "/host/root" };

/**
 * Kubelet, containerd and Docker mount pods' volumes and images under /var/lib: those are not the
 * node's disks (and the exporter, not root, cannot statfs most of them). /run and its tmpfs neither.
 */
export const MOUNT_POINTS_EXCLUDE = "^/(dev|proc|run|sys|var/lib/kubelet/.+|var/lib/containerd/.+|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
/** node-exporter 1.5.0's own default list, plus tmpfs (memory, already counted by meminfo). */
export const FS_TYPES_EXCLUDE = "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tmpfs|tracefs)$";

/**
 * The command line. Only the three collectors the rules read are on (`--collector.disable-defaults
 * --collector.<name>`, prometheus/node_exporter README.md "Collectors"), so the other forty-odd file
 * and syscall reads never happen, and the exporter's own Go and process metrics are off
 * (`--web.disable-exporter-metrics`, node_exporter.go). Both exclude lists
 * (collector/filesystem_common.go) are passed explicitly because Debian's build changes the default
 * mount-point list. Every flag is in `prometheus-node-exporter --help` of 1.5.0, and the loopback
 * test runs this exact list (node-exporter's kingpin refuses unknown flags).
 */
export function nodeExporterArgs(paths: NodeExporterPaths = CLUSTER_PATHS, listenAddress = `:${NODE_EXPORTER_PORT}`): string[] {
    return [
        "--collector.disable-defaults",
        "--collector.cpu",
        "--collector.meminfo",
        "--collector.filesystem",
        "--web.disable-exporter-metrics",
        `--path.procfs=${paths.procfs}`,
        `--path.rootfs=${paths.rootfs}`,
        `--collector.filesystem.mount-points-exclude=${MOUNT_POINTS_EXCLUDE}`,
        `--collector.filesystem.fs-types-exclude=${FS_TYPES_EXCLUDE}`,
        `--web.listen-address=${listenAddress}`,
    ];
}

export function nodeExporterResources(mode: MonitoringMode): Input.core.v1.ResourceRequirements {
    return mode === "standby"
        ? { requests: { cpu: "10m", memory: "24Mi" }, limits: { cpu: "100m", memory: "64Mi" } }
        : { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "96Mi" } };
}

/** The DaemonSet's pod template: restricted in everything but the two read-only host paths. */
export function nodeExporterPodSpec(mode: MonitoringMode): Input.core.v1.PodSpec {
    const probe = { httpGet: { path: "/", port: NODE_EXPORTER_PORT } };
    return {
        automountServiceAccountToken: false,
        // No hostNetwork or hostPID: the rules read CPU, memory and filesystems, none of which is per
        // network or PID namespace once the node's /proc is mounted.
        securityContext: restrictedPodSecurity(NODE_EXPORTER_UID),
        // Every node, tainted ones too: a node the exporter skips is a node the disk rule cannot see
        // (as kube-prometheus's nodeExporter-daemonset.yaml tolerates: `operator: Exists`).
        tolerations: [{ operator: "Exists" }],
        containers: [{
            name: "node-exporter",
            image: NODE_EXPORTER_IMAGE,
            args: nodeExporterArgs(),
            ports: [{ name: "metrics", containerPort: NODE_EXPORTER_PORT, protocol: "TCP" }],
            resources: nodeExporterResources(mode),
            securityContext: restrictedContainerSecurity(),
            readinessProbe: { ...probe, periodSeconds: 10, timeoutSeconds: 3 },
            livenessProbe: { ...probe, initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
            // Recursive where the runtime can: the node's own submounts (/dev/shm, /run, ...) would
            // otherwise stay writable under a read-only bind. That rules out mount propagation
            // (VolumeMount.recursiveReadOnly: "IfPossible or Enabled" needs mountPropagation None, Kubernetes
            // API reference), so a filesystem mounted after the pod starts is seen from its next start.
            volumeMounts: NODE_EXPORTER_HOST_PATHS.map(h => ({ name: h.name, mountPath: h.mountPath, readOnly: true, recursiveReadOnly: "IfPossible" })),
        }],
        volumes: NODE_EXPORTER_HOST_PATHS.map(h => ({ name: h.name, hostPath: { path: h.path, type: "Directory" } })),
    };
}

/** In from the colour's Prometheus pods on the metrics port only; nothing out. */
export function nodeExporterPolicy(platformNamespace: pulumi.Input<string>): Input.networking.v1.NetworkPolicySpec {
    return {
        podSelector: { matchLabels: { ...NODE_EXPORTER_SELECTOR } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{
            from: [{
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": platformNamespace } },
                ...podsLabelled(PROMETHEUS_SELECTOR),
            }],
            ports: [tcpPort(NODE_EXPORTER_PORT)],
        }],
        egress: [],
    };
}

/** Prometheus's egress rule to the exporters (its own NetworkPolicy lists it). */
export const NODE_EXPORTER_EGRESS: Input.networking.v1.NetworkPolicyEgressRule = {
    to: [{
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NODE_EXPORTER_NAMESPACE } },
        ...podsLabelled(NODE_EXPORTER_SELECTOR),
    }],
    ports: [tcpPort(NODE_EXPORTER_PORT)],
};

/** The headless Service's name Prometheus resolves: one A record per node's exporter. */
export const NODE_EXPORTER_HOST = `${NODE_EXPORTER_NAME}.${NODE_EXPORTER_NAMESPACE}.svc.cluster.local`;

/**
 * Pod Security admission for the namespace: enforce "privileged" (the only level admitting hostPath),
 * while audit and warn stay "restricted", so every admission of the exporter is logged and warned
 * as the exception it is. The pack refuses anything else in this namespace at preview.
 */
export function nodeExporterNamespaceLabels(kubernetesMinor: string): Record<string, string> {
    return { ...podSecurityLabels(kubernetesMinor), "pod-security.kubernetes.io/enforce": "privileged" };
}

export interface NodeExporterArgs {
    readonly provider: k8s.Provider;
    readonly colour: string;
    readonly mode: MonitoringMode;
    /** The namespace of the colour's Prometheus, the one source admitted. */
    readonly platformNamespace: pulumi.Input<string>;
    /** The cluster's minor ("1.33"), which the namespace's Pod Security labels pin. */
    readonly kubernetesVersion: string;
}

/** The Pod Security labels pin a minor: anything else would be refused by the admission controller. */
export function kubernetesVersionProblem(key: string, version: unknown): string | undefined {
    return typeof version === "string" && /^1\.\d{1,2}$/.test(version) ? undefined : `${key}: expected a Kubernetes minor like "1.33", got ${JSON.stringify(version)}`;
}

/** The namespace, DaemonSet, headless Service and NetworkPolicy. */
export class NodeExporter extends pulumi.ComponentResource {
    constructor(name: string, args: NodeExporterArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const problems = [kubernetesVersionProblem("kubernetesVersion", args.kubernetesVersion)];
        if (args.mode !== "active" && args.mode !== "standby") problems.push(`mode: expected "active" or "standby", got ${JSON.stringify(args.mode)}`);
        assertNoProblems(`NodeExporter "${name}" args`, problems.filter((p): p is string => p !== undefined));
        super("blkout:platform:NodeExporter", name, {}, opts);
        const o = { parent: this, provider: args.provider };
        const labels = { ...NODE_EXPORTER_SELECTOR, [LABELS.component]: "monitoring", [LABELS.colour]: args.colour };
        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: { name: NODE_EXPORTER_NAMESPACE, labels: { ...nodeExporterNamespaceLabels(args.kubernetesVersion), [LABELS.partOf]: PART_OF, [LABELS.colour]: args.colour } },
        }, o);
        // The namespace by its literal name (the pack matches the allowance on it at preview, when a
        // new Namespace's output name is still unknown), ordered after it by dependsOn.
        const metadata = { name: NODE_EXPORTER_NAME, namespace: NODE_EXPORTER_NAMESPACE, labels };
        const inNamespace = { ...o, dependsOn: [namespace] };
        new k8s.apps.v1.DaemonSet(`${name}-daemonset`, {
            metadata,
            spec: {
                selector: { matchLabels: { ...NODE_EXPORTER_SELECTOR } },
                updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
                template: { metadata: { labels }, spec: nodeExporterPodSpec(args.mode) },
            },
        }, inNamespace);
        new k8s.core.v1.Service(`${name}-service`, {
            metadata,
            spec: {
                clusterIP: "None",
                selector: { ...NODE_EXPORTER_SELECTOR },
                ports: [{ name: "metrics", port: NODE_EXPORTER_PORT, targetPort: "metrics", protocol: "TCP" }],
            },
        }, inNamespace);
        new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata, spec: nodeExporterPolicy(args.platformNamespace) }, inNamespace);
        this.registerOutputs({});
    }
}
