import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * The pieces every platform workload shares (gateway and APIs): Pod Security "restricted"
 * contexts, probes, spreading, autoscaling and disruption budgets, and the image pinning rule.
 */

import Input = k8s.types.input;

/** CPU and memory for one container. */
export interface ContainerResources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Replica bounds and the CPU target the autoscaler keeps. */
export interface ScalingArgs {
    /** Also the PDB's floor: two keeps one pod serving through a node drain. @default 2 */
    readonly minReplicas?: number;
    /** @default 10 */
    readonly maxReplicas?: number;
    /** @default 70 */
    readonly cpuTargetPercent?: number;
}

export type ResolvedScaling = Required<ScalingArgs>;

export function resolveScaling(args: ScalingArgs = {}): ResolvedScaling {
    return { minReplicas: args.minReplicas ?? 2, maxReplicas: args.maxReplicas ?? 10, cpuTargetPercent: args.cpuTargetPercent ?? 70 };
}

/** Problems with the scaling args, keys prefixed with `key`. */
export function scalingProblems(key: string, scaling: ResolvedScaling): string[] {
    const problems: string[] = [];
    const { minReplicas, maxReplicas, cpuTargetPercent } = scaling;
    if (!Number.isInteger(minReplicas) || minReplicas < 1 || minReplicas > 100) {
        problems.push(`${key}.minReplicas: expected an integer 1-100, got ${JSON.stringify(minReplicas)}`);
    }
    if (!Number.isInteger(maxReplicas) || maxReplicas < minReplicas || maxReplicas > 100) {
        problems.push(`${key}.maxReplicas: expected an integer from minReplicas (${minReplicas}) to 100, got ${JSON.stringify(maxReplicas)}`);
    }
    if (!Number.isInteger(cpuTargetPercent) || cpuTargetPercent < 10 || cpuTargetPercent > 100) {
        problems.push(`${key}.cpuTargetPercent: expected an integer 10-100, got ${JSON.stringify(cpuTargetPercent)}`);
    }
    return problems;
}

/**
 * A pinned image names a tag or digest other than `latest`: an unpinned one changes under a running
 * release and makes blue and green differ without any diff in the program.
 */
export function imageProblem(key: string, image: unknown): string | undefined {
    if (typeof image !== "string" || image.trim() === "") {
        return `${key}: expected a container image pinned by tag or digest, got ${JSON.stringify(image)}`;
    }
    if (/@sha256:[0-9a-f]{64}$/.test(image)) {
        return undefined;
    }
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : "";
    if (tag === "" || tag === "latest" || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) {
        return `${key}: expected an image pinned by tag or digest (not "latest", not untagged), got ${JSON.stringify(image)}`;
    }
    return undefined;
}

/** Pod-level settings of the "restricted" Pod Security Standard. */
export function restrictedPodSecurity(uid: number): Input.core.v1.PodSecurityContext {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

/** Container-level settings of the "restricted" Pod Security Standard, plus a read-only root. */
export function restrictedContainerSecurity(): Input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * Readiness takes a pod out of its Service quickly; liveness restarts it only after a longer
 * failure, so a slow dependency does not cause a restart storm.
 */
export function httpProbes(path: string, port: number): Pick<Input.core.v1.Container, "readinessProbe" | "livenessProbe"> {
    const httpGet = { path, port };
    return {
        readinessProbe: { httpGet, initialDelaySeconds: 2, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
        livenessProbe: { httpGet, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 },
    };
}

/** Spreads replicas over nodes; soft, so a standby colour on one node still schedules. */
export function spreadOverNodes(selector: Record<string, string>): Input.core.v1.TopologySpreadConstraint[] {
    return [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }];
}

/** Rolling updates never drop below the current replica count, so a release is zero-downtime. */
export const ZERO_DOWNTIME_STRATEGY: Input.apps.v1.DeploymentStrategy = {
    type: "RollingUpdate",
    rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
};

export interface ScaledWorkloadArgs {
    readonly namespace: pulumi.Input<string>;
    readonly deploymentName: pulumi.Input<string>;
    readonly labels: Record<string, string>;
    readonly selector: Record<string, string>;
    readonly scaling: ResolvedScaling;
}

/** The HPA (CPU) and PDB (one pod down at most) of a Deployment. */
export function createScalingAndBudget(name: string, args: ScaledWorkloadArgs, opts: pulumi.CustomResourceOptions) {
    const autoscaler = new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
        metadata: { name, namespace: args.namespace, labels: args.labels },
        spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.deploymentName },
            minReplicas: args.scaling.minReplicas,
            maxReplicas: args.scaling.maxReplicas,
            metrics: [{
                type: "Resource",
                resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.scaling.cpuTargetPercent } },
            }],
        },
    }, opts);
    const disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
        metadata: { name, namespace: args.namespace, labels: args.labels },
        spec: { maxUnavailable: 1, selector: { matchLabels: args.selector } },
    }, opts);
    return { autoscaler, disruptionBudget };
}

/** A NetworkPolicy port: TCP on a port number or a container port's name. */
export const tcpPort = (port: number | string): Input.networking.v1.NetworkPolicyPort => ({ protocol: "TCP", port });

/** A NetworkPolicy peer: the pods carrying these labels (in the policy's own namespace). */
export const podsLabelled = (selector: Readonly<Record<string, string>>): Input.networking.v1.NetworkPolicyPeer => ({ podSelector: { matchLabels: { ...selector } } });

/** Egress to the cluster DNS (CoreDNS in kube-system), which every workload needs. */
export const DNS_EGRESS: Input.networking.v1.NetworkPolicyEgressRule = {
    to: [{
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
    }],
    ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
};
