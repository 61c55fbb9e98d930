import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { stackPolicy } from "./lib/define";
import { referencedBy } from "./lib/references";
import { show, TYPES } from "./lib/resources";

/**
 * Data-plane rules that need more than one resource: placement in the colour's own VPC, a firewall
 * per database cluster, and the Valkey cache's eviction policy.
 */

const PLACEMENT: ReadonlyArray<readonly [string, string]> = [
    [TYPES.databaseCluster, "privateNetworkUuid"],
    [TYPES.databaseReplica, "privateNetworkUuid"],
    [TYPES.kubernetesCluster, "vpcUuid"],
];

const inColourVpc = stackPolicy({
    name: "in-colour-vpc",
    description: "Databases, replicas and the Kubernetes cluster must sit in this colour's own VPC, so data travels only on the private network and one colour's network changes cannot strand the other.",
    severity: "high",
    remediationSteps: "Pass the colour's Network vpcId as privateNetworkUuid (databases) or vpcUuid (cluster).",
    check: ({ ofType, fail }) => {
        const vpcs = ofType(TYPES.vpc);
        for (const [type, key] of PLACEMENT) {
            for (const resource of ofType(type)) {
                if (referencedBy(resource, key, vpcs).length === 0) {
                    fail(`"${resource.name}" is not placed in a VPC of this stack (${key} does not come from one).`,
                        `set ${key} to this colour's VPC id.`, resource.urn);
                }
            }
        }
    },
});

const databaseHasFirewall = stackPolicy({
    name: "database-has-firewall",
    description: "Every database cluster needs a firewall (trusted sources): without one DigitalOcean accepts connections from any address that holds the credentials.",
    severity: "critical",
    remediationSteps: "Declare a DatabaseFirewall for the cluster that trusts the colours' Kubernetes clusters or their node tag.",
    check: ({ ofType, fail }) => {
        const firewalls = ofType(TYPES.databaseFirewall);
        for (const cluster of ofType(TYPES.databaseCluster)) {
            if (!firewalls.some(firewall => referencedBy(firewall, "clusterId", [cluster]).length > 0)) {
                fail(`database cluster "${cluster.name}" has no DatabaseFirewall.`, "add a DatabaseFirewall whose clusterId is this cluster's id.", cluster.urn);
            }
        }
    },
});

const isCache = (cluster: PolicyResource): boolean => cluster.props.engine === "valkey" || cluster.props.engine === "redis";

const MAXMEMORY_KEYS = ["valkeyMaxmemoryPolicy", "redisMaxmemoryPolicy"];

/** DigitalOcean spells eviction policies three ways (allkeys_lru, allkeys-lru, allkeysLru); compare one form. */
export function normalisePolicy(value: unknown): string {
    return String(value).replace(/([a-z])([A-Z])/g, "$1_$2").replace(/-/g, "_").toLowerCase();
}

const cacheEviction = stackPolicy({
    name: "cache-eviction-policy",
    description: "The Valkey/Redis cache must evict by an LRU/LFU policy, so a full cache drops old keys instead of failing every write (DigitalOcean's default is noeviction).",
    severity: "high",
    remediationSteps: "Set evictionPolicy on the cluster (or valkeyMaxmemoryPolicy on its DatabaseValkeyConfig) to an allowed policy.",
    config: {
        allowedEvictionPolicies: {
            type: "array", minItems: 1, uniqueItems: true, items: { type: "string", pattern: "^[a-z_]+$" },
            default: ["allkeys_lru", "allkeys_lfu", "volatile_lru", "volatile_lfu"],
            description: "Eviction policies allowed, in snake_case.",
        },
    },
    check: ({ ofType, config, fail }) => {
        const settings = [...ofType(TYPES.valkeyConfig), ...ofType(TYPES.redisConfig)];
        const allowed = config.allowedEvictionPolicies as string[];
        for (const cluster of ofType(TYPES.databaseCluster).filter(isCache)) {
            const own = settings.filter(setting => referencedBy(setting, "clusterId", [cluster]).length > 0);
            const policies = [
                ...("evictionPolicy" in cluster.props ? [cluster.props.evictionPolicy] : []),
                ...own.flatMap(setting => MAXMEMORY_KEYS.filter(key => key in setting.props).map(key => setting.props[key])),
            ];
            if (policies.length === 0) {
                fail(`cache "${cluster.name}" has no eviction policy, so it would run with noeviction.`, `set evictionPolicy to one of ${allowed.join(", ")}.`, cluster.urn);
            }
            for (const policy of policies.filter(value => !allowed.includes(normalisePolicy(value)))) {
                fail(`cache "${cluster.name}" evicts by ${show(policy)}, which is not allowed.`, `use one of ${allowed.join(", ")}.`, cluster.urn);
            }
        }
    },
});

export const dataStackPolicies: StackValidationPolicy[] = [inColourVpc, databaseHasFirewall, cacheEviction];
