import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parseAllDocuments } from "yaml";
import { PolicySpec, resourcePolicy, ResourceCheckContext } from "./define";
import { listOf, recordOf, TYPES } from "./resources";

/**
 * Where each pod-bearing kind keeps its pod template, so the pod rules are written once for every
 * kind that runs containers, in any API version and as a Patch: Deployments, StatefulSets,
 * DaemonSets, ReplicaSets, ReplicationControllers, Jobs, CronJobs, PodTemplates and bare Pods. The
 * objects a ConfigGroup or ConfigFile declares inline are checked the same way.
 */

const POD_PATHS_BY_KIND: Readonly<Record<string, readonly string[]>> = {
    Deployment: ["spec", "template"],
    StatefulSet: ["spec", "template"],
    DaemonSet: ["spec", "template"],
    ReplicaSet: ["spec", "template"],
    ReplicationController: ["spec", "template"],
    Job: ["spec", "template"],
    CronJob: ["spec", "jobTemplate", "spec", "template"],
    PodTemplate: ["template"],
    Pod: [],
};

/** The Kubernetes kind of a Pulumi type token (`kubernetes:apps/v1:DeploymentPatch` -> Deployment), if it is one. */
export function kindOf(type: string): string | undefined {
    const match = /^kubernetes:[^:]+:([A-Za-z]+?)(?:Patch)?$/.exec(type);
    return match ? match[1] : undefined;
}

/** Types whose inputs declare Kubernetes objects inline (`objs`, or YAML text in `yaml`). */
export const OBJECT_GROUP_TYPES: readonly string[] = [
    "kubernetes:yaml/v2:ConfigGroup", "kubernetes:yaml:ConfigGroup", "kubernetes:yaml/v2:ConfigFile", "kubernetes:yaml:ConfigFile",
];

/** The objects a ConfigGroup/ConfigFile declares inline: `objs`, and every document of its `yaml` text. */
export function embeddedObjects(props: Record<string, any>): Array<Record<string, unknown>> {
    const texts = (Array.isArray(props.yaml) ? props.yaml : [props.yaml]).filter((text): text is string => typeof text === "string");
    const fromYaml = texts.flatMap(text => parseAllDocuments(text, { uniqueKeys: false }).map(doc => doc.toJS({ maxAliasCount: 100 }) as unknown));
    return [...listOf(props.objs), ...fromYaml].flatMap(item => (Array.isArray(item) ? item : [item])).map(recordOf).filter(object => Object.keys(object).length > 0);
}

export function isPodBearing(type: string): boolean {
    const kind = kindOf(type);
    return OBJECT_GROUP_TYPES.includes(type) || (kind !== undefined && kind in POD_PATHS_BY_KIND);
}

/** Every workload type the platform's own TYPES name (for rules listing them). */
export const WORKLOAD_TYPES: readonly string[] = [TYPES.deployment, TYPES.statefulSet, TYPES.daemonSet, TYPES.replicaSet, TYPES.job, TYPES.cronJob, TYPES.pod];

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

function podAt(kind: string, props: Record<string, any>, prefix: string): PodView | undefined {
    const path = POD_PATHS_BY_KIND[kind];
    if (path === undefined) {
        return undefined;
    }
    const template = path.reduce<Record<string, any>>((node, key) => recordOf(node[key]), props);
    return { metadata: recordOf(template.metadata), spec: recordOf(template.spec), specPath: [prefix, ...path, "spec"].filter(p => p !== "").join(".") };
}

/** The pod template of a workload's inputs, or undefined for a type that has none. */
export function podOf(type: string, props: Record<string, any>): PodView | undefined {
    const kind = kindOf(type);
    return kind === undefined ? undefined : podAt(kind, props, "");
}

/** Every pod template in a resource's inputs: its own, or those of the objects it declares inline. */
export function podsOf(type: string, props: Record<string, any>): PodView[] {
    if (!OBJECT_GROUP_TYPES.includes(type)) {
        const pod = podOf(type, props);
        return pod ? [pod] : [];
    }
    return embeddedObjects(props).flatMap((object, index) => {
        const pod = typeof object.kind === "string" ? podAt(object.kind, object, `objects[${index}] (${object.kind})`) : undefined;
        return pod ? [pod] : [];
    });
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
        types: [],
        matches: isPodBearing,
        check: (props, ctx) => {
            for (const pod of podsOf(ctx.args.type, props)) {
                spec.check(pod, ctx);
            }
        },
    });
}
