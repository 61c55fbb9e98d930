/**
 * Type tokens and small facts about resources that the policies, the harness and the change guard
 * share, so "what counts as stateful" is decided in one place.
 */

export const TYPES = {
    vpc: "digitalocean:index/vpc:Vpc",
    databaseCluster: "digitalocean:index/databaseCluster:DatabaseCluster",
    databaseReplica: "digitalocean:index/databaseReplica:DatabaseReplica",
    databaseDb: "digitalocean:index/databaseDb:DatabaseDb",
    databaseFirewall: "digitalocean:index/databaseFirewall:DatabaseFirewall",
    valkeyConfig: "digitalocean:index/databaseValkeyConfig:DatabaseValkeyConfig",
    redisConfig: "digitalocean:index/databaseRedisConfig:DatabaseRedisConfig",
    bucket: "digitalocean:index/spacesBucket:SpacesBucket",
    bucketPolicy: "digitalocean:index/spacesBucketPolicy:SpacesBucketPolicy",
    volume: "digitalocean:index/volume:Volume",
    kubernetesCluster: "digitalocean:index/kubernetesCluster:KubernetesCluster",
    kubernetesNodePool: "digitalocean:index/kubernetesNodePool:KubernetesNodePool",
    certificate: "digitalocean:index/certificate:Certificate",
    cdn: "digitalocean:index/cdn:Cdn",
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    replicaSet: "kubernetes:apps/v1:ReplicaSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    pod: "kubernetes:core/v1:Pod",
    service: "kubernetes:core/v1:Service",
    namespace: "kubernetes:core/v1:Namespace",
    persistentVolumeClaim: "kubernetes:core/v1:PersistentVolumeClaim",
    podDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    kubernetesProvider: "pulumi:providers:kubernetes",
    stackReference: "pulumi:pulumi:StackReference",
    loadBalancer: "cloudflare:index/loadBalancer:LoadBalancer",
    pool: "cloudflare:index/loadBalancerPool:LoadBalancerPool",
    monitor: "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
    dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
    zoneSetting: "cloudflare:index/zoneSetting:ZoneSetting",
    ruleset: "cloudflare:index/ruleset:Ruleset",
} as const;

/**
 * Resources whose deletion loses data: database clusters and their logical databases, replicas
 * (a rebuilt replica re-copies the whole primary and drops every reader meanwhile), Spaces buckets,
 * block volumes and claims on them.
 */
export const STATEFUL_TYPES: readonly string[] = Object.freeze([
    TYPES.databaseCluster,
    TYPES.databaseReplica,
    TYPES.databaseDb,
    TYPES.bucket,
    TYPES.volume,
    TYPES.persistentVolumeClaim,
]);

export function isStateful(type: string): boolean {
    return STATEFUL_TYPES.includes(type);
}

/** The stack an URN belongs to: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOf(urn: string): string {
    const match = /^urn:pulumi:([^:]+)::/.exec(urn);
    return match ? match[1] : "";
}

/** The resource name at the end of an URN. */
export function nameOf(urn: string): string {
    const parts = urn.split("::");
    return parts[parts.length - 1] ?? urn;
}

/** The type token of an URN (the last `$`-separated segment of its type path). */
export function typeOf(urn: string): string {
    const parts = urn.split("::");
    return parts.length >= 4 ? parts[2].split("$").pop() ?? "" : "";
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** An own key's presence, read without touching its value (an unknown value is still present). */
export function has(record: unknown, key: string): boolean {
    return isRecord(record) && Object.prototype.hasOwnProperty.call(record, key);
}

/** `value` as a list, or an empty one. */
export function listOf(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

/** `value` as a record, or an empty one. */
export function recordOf(value: unknown): Record<string, unknown> {
    return isRecord(value) ? value : {};
}

/** A short, quoted rendering of a value for a message. */
export function show(value: unknown): string {
    return value === undefined ? "nothing" : JSON.stringify(value);
}
