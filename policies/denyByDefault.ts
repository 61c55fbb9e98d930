import type { ResourceValidationPolicy } from "@pulumi/policy";
import { resourcePolicy } from "./lib/define";
import { embeddedObjects, OBJECT_GROUP_TYPES } from "./lib/pods";
import { recordOf } from "./lib/resources";

/**
 * Deny by default: the pack's rules are written for the resource types the platform declares, so
 * any other type (a Patch kind, a ReplicationController, a bare Pod, a ConfigGroup's inline objects,
 * a Helm release whose rendered objects no policy sees) would pass every rule unchecked. Such a type
 * is a mandatory violation unless the pack's config allow-lists it with a reason.
 */

/** Every type the platform declares today (blue, green and the traffic stack), each covered by the pack's rules. */
export const KNOWN_TYPES: readonly string[] = [
    "cloudflare:index/dnsRecord:DnsRecord",
    "cloudflare:index/loadBalancer:LoadBalancer",
    "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
    "cloudflare:index/loadBalancerPool:LoadBalancerPool",
    "cloudflare:index/notificationPolicy:NotificationPolicy",
    "cloudflare:index/ruleset:Ruleset",
    "cloudflare:index/zoneSetting:ZoneSetting",
    "digitalocean:index/cdn:Cdn",
    "digitalocean:index/certificate:Certificate",
    "digitalocean:index/databaseCluster:DatabaseCluster",
    "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool",
    "digitalocean:index/databaseDb:DatabaseDb",
    "digitalocean:index/databaseFirewall:DatabaseFirewall",
    "digitalocean:index/databaseReplica:DatabaseReplica",
    "digitalocean:index/databaseUser:DatabaseUser",
    "digitalocean:index/kubernetesCluster:KubernetesCluster",
    "digitalocean:index/monitorAlert:MonitorAlert",
    "digitalocean:index/spacesBucket:SpacesBucket",
    "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration",
    "digitalocean:index/vpc:Vpc",
    "digitalocean:index/vpcPeering:VpcPeering",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:core/v1:Namespace",
    "kubernetes:core/v1:Secret",
    "kubernetes:core/v1:Service",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:policy/v1:PodDisruptionBudget",
    "pulumi:providers:kubernetes",
    "pulumi:pulumi:StackReference",
    "random:index/randomPassword:RandomPassword",
];

/** Types that declare nothing themselves: the stack, providers and the platform's own components. */
function isStructural(type: string): boolean {
    return type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:") || type.startsWith("blkout:platform:");
}

/** The Pulumi type token of a Kubernetes object (`apps/v1` + `Deployment` -> `kubernetes:apps/v1:Deployment`). */
export function kubernetesType(object: Record<string, unknown>): string {
    const apiVersion = String(object.apiVersion ?? "");
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${String(object.kind ?? "")}`;
}

const denyByDefault = resourcePolicy({
    name: "resource-type-known",
    description: "Deny by default: only resource types the pack's rules are written for may be declared; any other type (Patch kinds, ReplicationControllers, bare Pods, ConfigGroup/ConfigFile content, Helm releases) is refused unless allow-listed with a reason.",
    severity: "critical",
    remediationSteps: "Use the platform's components, or add the type to this policy's allowedTypes with a reason once the pack checks it.",
    types: [],
    matches: type => !isStructural(type),
    config: {
        allowedTypes: {
            type: "array",
            default: [],
            description: "Types allowed beyond the platform's own, each with why it is safe.",
            items: {
                type: "object",
                required: ["type", "reason"],
                additionalProperties: false,
                properties: { type: { type: "string", minLength: 3 }, reason: { type: "string", minLength: 10 } },
            },
        },
    },
    check: (props, { args, config, fail }) => {
        const allowed = new Set([...KNOWN_TYPES, ...(config.allowedTypes as Array<{ type: string }>).map(entry => entry.type)]);
        if (!allowed.has(args.type)) {
            fail(`"${args.name}" is a ${args.type}, a type no rule of this pack checks.`,
                `declare it through the platform's components, or allow-list it: { "resource-type-known": { "allowedTypes": [{ "type": "${args.type}", "reason": "..." }] } }.`);
            return;
        }
        if (OBJECT_GROUP_TYPES.includes(args.type)) {
            embeddedObjects(recordOf(props)).forEach((object, index) => {
                const type = kubernetesType(object);
                if (!allowed.has(type)) {
                    fail(`"${args.name}" declares objects[${index}], a ${type}, which no rule of this pack checks.`, "declare it as its own resource of a known type, or allow-list its type with a reason.");
                }
            });
        }
    },
});

export const denyByDefaultPolicies: ResourceValidationPolicy[] = [denyByDefault];
