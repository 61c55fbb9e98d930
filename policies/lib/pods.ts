import type { ResourceValidationPolicy } from "@pulumi/policy";
import { PolicySpec, resourcePolicy, ResourceCheckContext } from "./define";
import { listOf, recordOf, TYPES } from "./resources";

/**
 * Where each workload kind keeps its pod template, and the containers in it, so the pod rules are
 * written once for Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and bare Pods.
 */

const POD_PATHS: Readonly<Record<string, readonly string[]>> = {
    [TYPES.deployment]: ["spec", "template"],
    [TYPES.statefulSet]: ["spec", "template"],
    [TYPES.daemonSet]: ["spec", "template"],
    [TYPES.replicaSet]: ["spec", "template"],
    [TYPES.job]: ["spec", "template"],
    [TYPES.cronJob]: ["spec", "jobTemplate", "spec", "template"],
    [TYPES.pod]: [],
};

export const WORKLOAD_TYPES: readonly string[] = Object.keys(POD_PATHS);

/** A pod template: its metadata and spec, and the path to it for messages. */
export interface PodView {
    readonly metadata: Record<string, any>;
    readonly spec: Record<string, any>;
    /** e.g. `spec.template.spec`. */
    readonly specPath: string;
}

export type ContainerList = "containers" | "initContainers" | "ephemeralContainers";

export interface ContainerView {
    readonly container: Record<string, any>;
    readonly list: ContainerList;
    /** e.g. `spec.template.spec.containers[0] ("api")`. */
    readonly label: string;
    /** The container's securityContext, or an empty one. */
    readonly security: Record<string, any>;
}

/** The pod template of a workload's inputs, or undefined for a type that has none. */
export function podOf(type: string, props: Record<string, any>): PodView | undefined {
    const path = POD_PATHS[type];
    if (path === undefined) {
        return undefined;
    }
    const template = path.reduce<Record<string, any>>((node, key) => recordOf(node[key]), props);
    return { metadata: recordOf(template.metadata), spec: recordOf(template.spec), specPath: [...path, "spec"].join(".") };
}

/** The pod's containers of the given lists (all three by default). */
export function containersOf(pod: PodView, lists: readonly ContainerList[] = ["containers", "initContainers", "ephemeralContainers"]): ContainerView[] {
    return lists.flatMap(list => listOf(pod.spec[list]).map((item, index) => {
        const container = recordOf(item);
        const name = typeof container.name === "string" ? ` ("${container.name}")` : "";
        return { container, list, label: `${pod.specPath}.${list}[${index}]${name}`, security: recordOf(container.securityContext) };
    }));
}

/** The pod-level securityContext, or an empty one. */
export function podSecurity(pod: PodView): Record<string, any> {
    return recordOf(pod.spec.securityContext);
}

/** A rule over every workload's pod template. */
export function podPolicy(spec: PolicySpec & { check(pod: PodView, ctx: ResourceCheckContext): void }): ResourceValidationPolicy {
    return resourcePolicy({
        ...spec,
        types: WORKLOAD_TYPES,
        check: (props, ctx) => {
            const pod = podOf(ctx.args.type, props);
            if (pod !== undefined) {
                spec.check(pod, ctx);
            }
        },
    });
}
