import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { executesManagedRuleset, MANAGED_RULESET } from "./edge";
import { stackPolicy } from "./lib/define";
import { peek } from "./lib/references";
import { has, listOf, recordOf, TYPES } from "./lib/resources";
import { poolPercents } from "./lib/weights";

/**
 * Rules that connect the load balancer to its pools and the zone: weight only where Cloudflare can
 * see health and has an origin to send to, a fallback that is the colour serving most visitors,
 * and the zone's TLS settings and WAF declared next to the load balancer they protect.
 */

/** The pool with this id among the stack's pools (ids are known once the pools exist). */
function poolWithId(pools: readonly PolicyResource[], id: unknown): PolicyResource | undefined {
    return pools.find(pool => peek(pool.props, "id") === id);
}

/** Why a pool cannot safely take traffic, if it cannot. */
function unservable(pool: PolicyResource): string | undefined {
    if (pool.props.enabled === false) {
        return "it is disabled";
    }
    if (!has(pool.props, "monitor") || peek(pool.props, "monitor") === "") {
        return "it has no health monitor, so Cloudflare keeps sending traffic to it when it is down";
    }
    if (!listOf(pool.props.origins).some(origin => recordOf(origin).enabled !== false)) {
        return "it has no enabled origin";
    }
    return undefined;
}

const weightedPoolsServable = stackPolicy({
    name: "weighted-pools-healthy",
    description: "Traffic goes only to pools that can serve it: enabled, watched by a health monitor, with at least one enabled origin.",
    severity: "critical",
    remediationSteps: "Give the pool a monitor and an enabled origin before giving it weight, or set its weight to 0.",
    check: ({ ofType, fail }) => {
        const pools = ofType(TYPES.pool);
        for (const lb of ofType(TYPES.loadBalancer)) {
            for (const [id, percent] of Object.entries(poolPercents(lb.props)).filter(([, share]) => share > 0)) {
                const pool = poolWithId(pools, id);
                const reason = pool === undefined ? "it is not a pool of this stack, so its health cannot be checked" : unservable(pool);
                if (reason !== undefined) {
                    fail(`load balancer "${lb.name}" sends ${Math.round(percent)} % to pool ${pool ? `"${pool.name}"` : id}, but ${reason}.`,
                        "set that pool's weight to 0 until it is enabled, monitored and has an enabled origin.", lb.urn);
                }
            }
        }
    },
});

const fallbackIsLive = stackPolicy({
    name: "fallback-pool-is-live",
    description: "The fallback pool (used when every pool looks unhealthy) is the live colour: the one serving the largest share, never a colour that takes less traffic or none.",
    severity: "high",
    remediationSteps: "Point fallbackPool at the pool with the largest weight (on a 50/50 step, the colour that was live before the switch).",
    check: ({ ofType, fail }) => {
        const pools = ofType(TYPES.pool);
        for (const lb of ofType(TYPES.loadBalancer)) {
            const percents = poolPercents(lb.props);
            const fallback = poolWithId(pools, lb.props.fallbackPool);
            const fallbackShare = percents[String(lb.props.fallbackPool)] ?? 0;
            const largest = Math.max(0, ...Object.values(percents));
            if (fallbackShare <= 0 || fallbackShare < largest) {
                fail(`load balancer "${lb.name}" falls back to ${fallback ? `"${fallback.name}"` : "a pool"} carrying ${Math.round(fallbackShare)} %, while another pool carries ${Math.round(largest)} %.`,
                    "set fallbackPool to the pool with the largest weight.", lb.urn);
            }
        }
    },
});

const edgeHardeningPresent = stackPolicy({
    name: "edge-hardening-present",
    description: "A stack that routes the public hostname also declares the zone's strict TLS settings, always-HTTPS, HSTS, the managed WAF and the API rate limit, so the protection cannot be forgotten or removed without a failing preview.",
    severity: "critical",
    remediationSteps: "Declare the EdgeHardening component (zone settings ssl and min_tls_version, and the managed WAF ruleset) in the traffic stack.",
    config: MANAGED_RULESET,
    check: ({ ofType, config, fail }) => {
        if (ofType(TYPES.loadBalancer).length === 0) {
            return;
        }
        const settings = ofType(TYPES.zoneSetting).map(setting => setting.props.settingId);
        for (const required of ["ssl", "min_tls_version", "always_use_https", "security_header"].filter(id => !settings.includes(id))) {
            fail(`the stack routes traffic but does not manage the zone setting ${required}.`, `declare a ZoneSetting with settingId "${required}".`);
        }
        const managed = ofType(TYPES.ruleset).filter(ruleset => ruleset.props.phase === "http_request_firewall_managed");
        if (!managed.some(ruleset => executesManagedRuleset(ruleset.props, config.managedRulesetId))) {
            fail("the stack routes traffic but no ruleset executes the managed WAF.", `declare a zone Ruleset in phase http_request_firewall_managed executing ${config.managedRulesetId}.`);
        }
        const rateLimited = ofType(TYPES.ruleset).filter(ruleset => ruleset.props.phase === "http_ratelimit")
            .some(ruleset => listOf(ruleset.props.rules).some(rule => recordOf(rule).enabled !== false && has(rule, "ratelimit")));
        if (!rateLimited) {
            fail("the stack routes traffic but declares no enabled rate-limit rule.", "declare the zone Ruleset in phase http_ratelimit (the EdgeHardening component's API rate limit).");
        }
    },
});

export const edgeStackPolicies: StackValidationPolicy[] = [weightedPoolsServable, fallbackIsLive, edgeHardeningPresent];
