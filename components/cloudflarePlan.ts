/**
 * What each Cloudflare plan lets the traffic stack declare. One table, read by the traffic config
 * (to default and refuse), the components (to shape what they declare) and the policy pack (to
 * refuse the same things when code, not config, changes). Each limit cites where it is documented.
 */

export const CLOUDFLARE_PLANS = ["free", "pro", "business", "enterprise"] as const;
export type CloudflarePlan = (typeof CLOUDFLARE_PLANS)[number];

/**
 * The plan a small community organisation most likely has: a Free zone with the Load Balancing
 * add-on (sold on every plan). Pro's only gain here is the Cloudflare Managed Ruleset and longer
 * rate-limit windows, at a monthly fee a volunteer-run organisation rarely pays.
 */
export const DEFAULT_CLOUDFLARE_PLAN: CloudflarePlan = "free";

/** Cloudflare Managed Ruleset (Pro and up) and Cloudflare Free Managed Ruleset (every plan). */
export const MANAGED_RULESETS = {
    // https://developers.cloudflare.com/waf/managed-rules/ (cloudflare/cloudflare-docs content/waf/managed-rules/_index.md)
    cloudflareManaged: "efb7b8c949ac4650a09736fc376e9aee",
    // Same page: "Cloudflare Free Managed Ruleset | Available on all Cloudflare plans", id 77454fe2d30c4220b5701f6fdfb893ba.
    freeManaged: "77454fe2d30c4220b5701f6fdfb893ba",
} as const;

/**
 * Periods (and mitigation timeouts) the ruleset engine accepts for a rate-limiting rule; a plan
 * allows those up to its ceiling. Footnote 3 of
 * https://developers.cloudflare.com/waf/rate-limiting-rules/#availability
 * (cloudflare/cloudflare-docs src/content/partials/waf/rate-limiting-availability-by-plan.mdx).
 */
export const RATE_LIMIT_VALUES: readonly number[] = Object.freeze(
    [10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600, 65535, 86400]);

/** Counting characteristics: `cf.colo.id` is mandatory; IP on every plan; IP with NAT support from Business (same table). */
const IP_CHARACTERISTICS = ["cf.colo.id", "ip.src"] as const;
const NAT_CHARACTERISTICS = [...IP_CHARACTERISTICS, "cf.unique_visitor_id"] as const;

export interface PlanLimits {
    /** Shortest monitor interval, seconds. */
    readonly monitorMinInterval: number;
    /** Custom load-balancing rules per load balancer. */
    readonly loadBalancerRules: number;
    /** Longest rate-limit counting period, seconds. */
    readonly rateLimitMaxPeriod: number;
    /** Longest mitigation timeout, seconds. */
    readonly rateLimitMaxMitigation: number;
    /** Rate-limiting rules per zone. */
    readonly rateLimitRules: number;
    readonly rateLimitCharacteristics: readonly string[];
    /** The managed WAF ruleset the plan may execute. */
    readonly managedRulesetId: string;
}

/** The longest monitor interval on any plan (https://developers.cloudflare.com/load-balancing/reference/limitations/). */
export const MONITOR_MAX_INTERVAL = 3600;

/**
 * Monitor minimums: "Minimum time in seconds is 60 (Pro), 15 (Business), and 10 (Enterprise)"
 * (https://developers.cloudflare.com/load-balancing/monitors/create-monitor/); Free, which buys the
 * same add-on, gets Pro's 60 s. Rules: "non-Enterprise customers have one Load Balancing rule per
 * load balancer hostname" (https://developers.cloudflare.com/load-balancing/additional-options/load-balancing-rules/);
 * Enterprise's number is contractual, so no ceiling is enforced here. Rate limiting: the availability
 * table cited at RATE_LIMIT_VALUES (Free: 10 s period and timeout, 1 rule; Pro: 1 min, 1 h, 2 rules;
 * Business: 10 min, 1 day, 5 rules; Enterprise: 65,535 s, 1 day, 100 rules).
 */
export const PLAN_LIMITS: Readonly<Record<CloudflarePlan, PlanLimits>> = {
    free: {
        monitorMinInterval: 60, loadBalancerRules: 1, rateLimitMaxPeriod: 10, rateLimitMaxMitigation: 10, rateLimitRules: 1,
        rateLimitCharacteristics: IP_CHARACTERISTICS, managedRulesetId: MANAGED_RULESETS.freeManaged,
    },
    pro: {
        monitorMinInterval: 60, loadBalancerRules: 1, rateLimitMaxPeriod: 60, rateLimitMaxMitigation: 3600, rateLimitRules: 2,
        rateLimitCharacteristics: IP_CHARACTERISTICS, managedRulesetId: MANAGED_RULESETS.cloudflareManaged,
    },
    business: {
        monitorMinInterval: 15, loadBalancerRules: 1, rateLimitMaxPeriod: 600, rateLimitMaxMitigation: 86400, rateLimitRules: 5,
        rateLimitCharacteristics: NAT_CHARACTERISTICS, managedRulesetId: MANAGED_RULESETS.cloudflareManaged,
    },
    enterprise: {
        monitorMinInterval: 10, loadBalancerRules: Number.POSITIVE_INFINITY, rateLimitMaxPeriod: 65535, rateLimitMaxMitigation: 86400,
        rateLimitRules: 100, rateLimitCharacteristics: NAT_CHARACTERISTICS, managedRulesetId: MANAGED_RULESETS.cloudflareManaged,
    },
};

export function isCloudflarePlan(value: unknown): value is CloudflarePlan {
    return (CLOUDFLARE_PLANS as readonly unknown[]).includes(value);
}

/** What the traffic stack asks of the plan, as plain values (from config, or from declared resources). */
export interface PlanDemands {
    readonly monitorInterval?: number;
    readonly loadBalancerRules?: number;
    readonly rateLimit?: { readonly period: number; readonly mitigationTimeout: number; readonly characteristics?: readonly string[] };
    readonly rateLimitRules?: number;
    readonly managedRulesetIds?: readonly string[];
}

/**
 * Every way the demands exceed the plan, each naming the key, the plan and the limit. Keys are the
 * traffic config's, so a config error and a policy violation read the same.
 */
export function planLimitProblems(plan: CloudflarePlan, demands: PlanDemands): string[] {
    const limits = PLAN_LIMITS[plan];
    const problems: string[] = [];
    const on = `the ${plan} plan`;
    if (demands.monitorInterval !== undefined && demands.monitorInterval < limits.monitorMinInterval) {
        problems.push(`monitor.interval: ${demands.monitorInterval} s is below ${on}'s minimum of ${limits.monitorMinInterval} s`);
    }
    if (demands.loadBalancerRules !== undefined && demands.loadBalancerRules > limits.loadBalancerRules) {
        problems.push(`loadBalancer.rules: ${demands.loadBalancerRules} rules exceed ${on}'s limit of ${limits.loadBalancerRules} rule per load balancer (more need Enterprise)`);
    }
    const rate = demands.rateLimit;
    if (rate && rate.period > limits.rateLimitMaxPeriod) {
        problems.push(`apiRateLimit.period: ${rate.period} s exceeds ${on}'s longest counting period of ${limits.rateLimitMaxPeriod} s`);
    }
    if (rate && rate.mitigationTimeout > limits.rateLimitMaxMitigation) {
        problems.push(`apiRateLimit.mitigationTimeout: ${rate.mitigationTimeout} s exceeds ${on}'s longest mitigation timeout of ${limits.rateLimitMaxMitigation} s`);
    }
    for (const characteristic of (rate?.characteristics ?? []).filter(c => !limits.rateLimitCharacteristics.includes(c))) {
        problems.push(`apiRateLimit.characteristics: ${JSON.stringify(characteristic)} is not available on ${on} (allowed: ${limits.rateLimitCharacteristics.join(", ")})`);
    }
    if (demands.rateLimitRules !== undefined && demands.rateLimitRules > limits.rateLimitRules) {
        problems.push(`apiRateLimit: ${demands.rateLimitRules} rate-limiting rules exceed ${on}'s limit of ${limits.rateLimitRules}`);
    }
    for (const id of (demands.managedRulesetIds ?? []).filter(candidate => candidate !== limits.managedRulesetId)) {
        const known = Object.entries(MANAGED_RULESETS).find(([, value]) => value === id)?.[0] ?? id;
        problems.push(`waf.managedRuleset: ${known} is not the managed ruleset of ${on} (expected ${limits.managedRulesetId})`);
    }
    return problems;
}

/** The rate-limit window for a plan: its longest counting period and mitigation timeout, each up to a minute. */
export function defaultRateLimitWindow(plan: CloudflarePlan): { readonly period: number; readonly mitigationTimeout: number } {
    const limits = PLAN_LIMITS[plan];
    return { period: Math.min(60, limits.rateLimitMaxPeriod), mitigationTimeout: Math.min(60, limits.rateLimitMaxMitigation) };
}

/** The seeds' 100 requests a minute per client, scaled to a counting period. */
export function seedRequestsPerPeriod(period: number, requestsPerMinute = 100): number {
    return Math.ceil((requestsPerMinute * period) / 60);
}
