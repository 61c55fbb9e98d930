import type { ResourceValidationPolicy } from "@pulumi/policy";
import { CLOUDFLARE_PLANS, CloudflarePlan, DEFAULT_CLOUDFLARE_PLAN, PlanDemands, planLimitProblems } from "../components/cloudflarePlan";
import { MONITOR_TOKEN_HEADER } from "../components/monitorAuth";
import { resourcePolicy } from "./lib/define";
import { has, isRecord, listOf, recordOf, TYPES } from "./lib/resources";

/**
 * The zone's Cloudflare plan limits, enforced on what the program declares, so code cannot regress
 * what the traffic config already refuses (the limits and their sources: components/cloudflarePlan.ts).
 * The plan is a fact of the account, so it is policy config: `--policy-pack-config` names it for a
 * real preview (docs/first-deploy.md); the offline preview passes the traffic stack's own
 * `cloudflarePlan` output.
 */

export const PLAN_POLICY = "cloudflare-plan-limits";

/** The policy config that checks a stack against a plan. */
export function planPolicyConfig(plan: CloudflarePlan): Record<string, Record<string, unknown>> {
    return { [PLAN_POLICY]: { cloudflarePlan: plan } };
}

/** What one declared resource asks of the plan, read from its inputs. */
export function declaredDemands(type: string, props: Record<string, unknown>): PlanDemands {
    if (type === TYPES.monitor) {
        return typeof props.interval === "number" ? { monitorInterval: props.interval } : {};
    }
    if (type === TYPES.loadBalancer) {
        return { loadBalancerRules: listOf(props.rules).length };
    }
    const rules = listOf(props.rules).filter(isRecord);
    if (props.phase === "http_ratelimit") {
        const limits = rules.map(rule => recordOf(rule.ratelimit));
        const longest = (key: string) => Math.max(0, ...limits.map(limit => (typeof limit[key] === "number" ? limit[key] as number : 0)));
        return {
            rateLimitRules: rules.length,
            rateLimit: {
                period: longest("period"),
                mitigationTimeout: longest("mitigationTimeout"),
                characteristics: [...new Set(limits.flatMap(limit => listOf(limit.characteristics).map(String)))],
            },
        };
    }
    if (props.phase === "http_request_firewall_managed") {
        return { managedRulesetIds: rules.filter(rule => rule.action === "execute").map(rule => String(recordOf(rule.actionParameters).id)) };
    }
    return {};
}

const planLimits = resourcePolicy({
    name: PLAN_POLICY,
    description: "What the traffic stack declares fits the zone's Cloudflare plan: monitor interval at or above the plan's minimum, at most one load-balancer rule below Enterprise, rate-limit period, mitigation timeout and characteristics the plan allows, and the managed WAF ruleset the plan has. Otherwise the first real `pulumi up` fails at Cloudflare.",
    severity: "critical",
    remediationSteps: "Change the traffic stack's config (blkout-traffic:cloudflarePlan and the named key), or upgrade the zone's plan and set cloudflarePlan in the policy pack config.",
    types: [TYPES.monitor, TYPES.loadBalancer, TYPES.ruleset],
    config: {
        cloudflarePlan: { type: "string", enum: [...CLOUDFLARE_PLANS], default: DEFAULT_CLOUDFLARE_PLAN, description: "The zone's Cloudflare plan." },
    },
    check: (props, { args, config, fail }) => {
        for (const problem of planLimitProblems(config.cloudflarePlan, declaredDemands(args.type, props))) {
            fail(`"${args.name}": ${problem}.`, `stay within the ${config.cloudflarePlan} plan's limit, or set cloudflarePlan to the plan the zone really has.`);
        }
    },
});

/**
 * A monitor that skips certificate validation must make up for it: send the colour's monitor token
 * and a Host header, which the gateway checks (components/monitorAuth.ts). The header is secret, so
 * only the names are read.
 */
export function monitorAuthenticates(props: Record<string, unknown>): boolean {
    const header = recordOf(props.header);
    return has(header, MONITOR_TOKEN_HEADER) && has(header, "Host");
}

export const cloudflarePlanPolicies: ResourceValidationPolicy[] = [planLimits];
