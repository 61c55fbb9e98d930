import { CloudflarePlan, MONITOR_MAX_INTERVAL, PLAN_LIMITS, planLimitProblems, RATE_LIMIT_VALUES } from "../../components/cloudflarePlan";
import { declaredDemands } from "../../policies/cloudflarePlan";

/**
 * Value rules the providers enforce beyond types: their validators, their API's documented ranges
 * and the zone plan's limits. Each rule cites where it comes from. The SDK doc comments' enums
 * ("Available values") are checked separately, straight from the pinned declarations (sdkTypes.ts).
 */

export interface ValueRule {
    readonly type: string;
    readonly rule: string;
    /** Where the rule is documented or enforced. */
    readonly source: string;
    check(inputs: Record<string, any>, plan: CloudflarePlan): string[];
}

const CF = "cloudflare:index/";
const DO = "digitalocean:index/";

const oneOf = (key: string, value: unknown, allowed: readonly unknown[]) =>
    (value === undefined || allowed.includes(value) ? [] : [`${key}: ${JSON.stringify(value)} is not one of ${allowed.map(v => JSON.stringify(v)).join(", ")}`]);
const within = (key: string, value: unknown, min: number, max: number) =>
    (value === undefined || (typeof value === "number" && value >= min && value <= max) ? [] : [`${key}: ${JSON.stringify(value)} is outside ${min}-${max}`]);

export const VALUE_RULES: readonly ValueRule[] = [
    {
        type: `${CF}loadBalancerMonitor:LoadBalancerMonitor`, rule: "interval between the plan's minimum and 3600 s, timeout shorter than the interval",
        source: "https://developers.cloudflare.com/load-balancing/monitors/create-monitor/ (minimum 60 s Pro, 15 s Business, 10 s Enterprise); https://developers.cloudflare.com/load-balancing/reference/limitations/ (3600 s maximum)",
        check: (inputs, plan) => [
            ...within("interval", inputs.interval, PLAN_LIMITS[plan].monitorMinInterval, MONITOR_MAX_INTERVAL),
            ...(typeof inputs.timeout === "number" && typeof inputs.interval === "number" && inputs.timeout >= inputs.interval ? [`timeout: ${inputs.timeout} s is not shorter than the interval`] : []),
        ],
    },
    {
        type: `${CF}loadBalancer:LoadBalancer`, rule: "cookie session affinity TTL 1800-604800 s",
        source: "@pulumi/cloudflare 6.22.1 loadBalancer.d.ts, sessionAffinityTtl: \"cookie\": \"The accepted range of values is between [1800, 604800]\"",
        check: inputs => (inputs.sessionAffinity === "cookie" ? within("sessionAffinityTtl", inputs.sessionAffinityTtl, 1800, 604800) : []),
    },
    {
        type: `${CF}loadBalancer:LoadBalancer`, rule: "steering policy (own and in rule overrides) from the API's values",
        source: "Cloudflare API OpenAPI schema `load-balancing_steering_policy` (off, geo, random, dynamic_latency, proximity, least_outstanding_requests, least_connections, \"\"); the SDK documents no values",
        check: inputs => {
            const policies = ["off", "geo", "random", "dynamic_latency", "proximity", "least_outstanding_requests", "least_connections", ""];
            return [
                ...oneOf("steeringPolicy", inputs.steeringPolicy, policies),
                ...(inputs.rules ?? []).flatMap((rule: any, i: number) => oneOf(`rules[${i}].overrides.steeringPolicy`, rule.overrides?.steeringPolicy, policies)),
            ];
        },
    },
    {
        type: `${CF}loadBalancer:LoadBalancer`, rule: "random steering pool weights are 0-1",
        source: "Cloudflare API OpenAPI schema `load-balancing_random_steering` (pool_weights and default_weight: numbers 0-1)",
        check: inputs => Object.entries(inputs.randomSteering?.poolWeights ?? {}).flatMap(([pool, weight]) => within(`randomSteering.poolWeights.${pool}`, weight, 0, 1)),
    },
    {
        type: `${CF}loadBalancer:LoadBalancer`, rule: "at most one load-balancing rule below Enterprise",
        source: "https://developers.cloudflare.com/load-balancing/additional-options/load-balancing-rules/ (\"non-Enterprise customers have one Load Balancing rule per load balancer hostname\")",
        check: (inputs, plan) => planLimitProblems(plan, declaredDemands(`${CF}loadBalancer:LoadBalancer`, inputs)),
    },
    {
        type: `${CF}loadBalancerPool:LoadBalancerPool`, rule: "origin weights 0-1, at least one healthy origin required",
        source: "Cloudflare API OpenAPI schema `load-balancing_weight` (number, minimum 0, maximum 1, multipleOf 0.01); @pulumi/cloudflare loadBalancerPool.d.ts minimumOrigins (healthy origins a pool needs)",
        check: inputs => [
            ...(inputs.origins ?? []).flatMap((origin: any, i: number) => within(`origins[${i}].weight`, origin.weight, 0, 1)),
            ...within("minimumOrigins", inputs.minimumOrigins, 1, Number.MAX_SAFE_INTEGER),
        ],
    },
    {
        type: `${CF}ruleset:Ruleset`, rule: "rate-limit periods and timeouts from the supported list and within the plan; the plan's characteristics and managed ruleset",
        source: "https://developers.cloudflare.com/waf/rate-limiting-rules/#availability (cloudflare/cloudflare-docs partials/waf/rate-limiting-availability-by-plan.mdx); https://developers.cloudflare.com/waf/managed-rules/",
        check: (inputs, plan) => [
            ...(inputs.rules ?? []).flatMap((rule: any, i: number) => (rule.ratelimit ? [
                ...oneOf(`rules[${i}].ratelimit.period`, rule.ratelimit.period, RATE_LIMIT_VALUES),
                ...oneOf(`rules[${i}].ratelimit.mitigationTimeout`, rule.ratelimit.mitigationTimeout, RATE_LIMIT_VALUES),
                ...((rule.ratelimit.characteristics ?? []).includes("cf.colo.id") ? [] : [`rules[${i}].ratelimit.characteristics: cf.colo.id is mandatory`]),
            ] : [])),
            ...planLimitProblems(plan, declaredDemands(`${CF}ruleset:Ruleset`, inputs)),
        ],
    },
    {
        type: `${CF}zoneSetting:ZoneSetting`, rule: "ssl, min_tls_version and always_use_https take their documented values",
        source: "https://developers.cloudflare.com/api/resources/zones/subresources/settings/ (ssl: off|flexible|full|strict; min_tls_version: 1.0-1.3; always_use_https: on|off)",
        check: inputs => ({
            ssl: oneOf("value", inputs.value, ["off", "flexible", "full", "strict"]),
            min_tls_version: oneOf("value", inputs.value, ["1.0", "1.1", "1.2", "1.3"]),
            always_use_https: oneOf("value", inputs.value, ["on", "off"]),
        } as Record<string, string[]>)[inputs.settingId] ?? [],
    },
    {
        type: `${DO}cdn:Cdn`, rule: "CDN TTL from the accepted list",
        source: "terraform-provider-digitalocean digitalocean/cdn/resource_cdn.go (ttl: validation.IntInSlice 60, 600, 3600, 86400, 604800)",
        check: inputs => oneOf("ttl", inputs.ttl, [60, 600, 3600, 86400, 604800]),
    },
    {
        type: `${DO}monitorAlert:MonitorAlert`, rule: "alert window and comparison from the documented values",
        source: "@pulumi/digitalocean 4.80.1 monitorAlert.d.ts (window: 5m, 10m, 30m or 1h; compare: GreaterThan or LessThan)",
        check: inputs => [...oneOf("window", inputs.window, ["5m", "10m", "30m", "1h"]), ...oneOf("compare", inputs.compare, ["GreaterThan", "LessThan"])],
    },
    {
        type: `${DO}databaseCluster:DatabaseCluster`, rule: "engine from the documented values",
        source: "@pulumi/digitalocean 4.80.1 databaseCluster.d.ts engine (pg, mysql, valkey, redis, mongodb, kafka, opensearch)",
        check: inputs => oneOf("engine", inputs.engine, ["pg", "mysql", "valkey", "redis", "mongodb", "kafka", "opensearch"]),
    },
    {
        type: `${DO}spacesBucket:SpacesBucket`, rule: "canned ACL private or public-read",
        source: "@pulumi/digitalocean 4.80.1 spacesBucket.d.ts acl (\"private\" or \"public-read\")",
        check: inputs => oneOf("acl", inputs.acl, ["private", "public-read"]),
    },
];

/** Every value-rule problem of one resource, each prefixed with the rule's source. */
export function valueRuleProblems(type: string, inputs: Record<string, any>, plan: CloudflarePlan): string[] {
    return VALUE_RULES.filter(rule => rule.type === type)
        .flatMap(rule => rule.check(inputs, plan).map(problem => `${problem} (rule: ${rule.rule}; source: ${rule.source})`));
}
