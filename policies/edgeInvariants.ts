import type { ResourceValidationPolicy } from "@pulumi/policy";
import { MANAGED_RULESET } from "./edge";
import { resourcePolicy } from "./lib/define";
import { peek } from "./lib/references";
import { isRecord, listOf, recordOf, show, TYPES } from "./lib/resources";

/**
 * The effective edge, not just its resources: a WAF that executes on nothing (expression `false`),
 * managed rules overridden off or to log-only, a skip rule, SSL set to flexible by a configuration
 * rule or a Page Rule, or a load-balancer rule or steering setting that routes around the weights
 * all leave the resources in place while removing the protection.
 */

const MANAGED_PHASE = "http_request_firewall_managed";
/** Phases whose skipping removes a protection the platform relies on. */
const PROTECTED_PHASES = [MANAGED_PHASE, "http_ratelimit", "http_request_firewall_custom"];
const PAGE_RULE = "cloudflare:index/pageRule:PageRule";

/** Why an override of the managed ruleset disables (or only logs) some of it, if it does. */
function overrideProblems(overrides: unknown): string[] {
    const top = recordOf(overrides);
    const problems: string[] = [];
    if (top.enabled === false) {
        problems.push("overrides.enabled is false (every managed rule off)");
    }
    if (typeof top.action === "string" && top.action !== "block" && top.action !== "managed_challenge") {
        problems.push(`overrides.action is ${show(top.action)} (matches are not blocked)`);
    }
    for (const list of ["rules", "categories"] as const) {
        listOf(top[list]).map(recordOf).forEach((entry, index) => {
            if (entry.enabled === false) {
                problems.push(`overrides.${list}[${index}] turns ${show(entry.id ?? entry.category)} off`);
            }
            if (entry.action === "log") {
                problems.push(`overrides.${list}[${index}] only logs ${show(entry.id ?? entry.category)}`);
            }
        });
    }
    return problems;
}

/** True for an expression that matches every request. */
const matchesAll = (expression: unknown) => typeof expression === "string" && /^\(*\s*true\s*\)*$/.test(expression.trim());

const wafEverywhere = resourcePolicy({
    name: "waf-executes-on-all-traffic",
    description: "The managed WAF runs on every request: its execute rule matches all traffic (expression true), no override turns managed rules off or to log-only, and no skip rule bypasses the WAF, rate-limit or custom firewall phases.",
    severity: "critical",
    remediationSteps: "Keep the managed ruleset's execute rule at expression \"true\" without disabling overrides, and remove skip rules.",
    types: [TYPES.ruleset],
    config: MANAGED_RULESET,
    check: (props, { args, config, fail }) => {
        listOf(props.rules).map(recordOf).forEach((rule, index) => {
            const params = recordOf(rule.actionParameters);
            if (props.phase === MANAGED_PHASE && rule.action === "execute" && params.id === config.managedRulesetId) {
                if (!matchesAll(rule.expression)) {
                    fail(`ruleset "${args.name}" runs the managed WAF only where ${show(rule.expression)} matches.`, 'set expression: "true".');
                }
                for (const problem of overrideProblems(params.overrides)) {
                    fail(`ruleset "${args.name}" rules[${index}]: ${problem}.`, "remove the override; tune false positives with a narrow exception reviewed by security.");
                }
            }
            const skipped = [...listOf(params.phases), ...(params.ruleset === "current" ? [props.phase] : []), ...listOf(params.rulesets), ...listOf(params.products)];
            if (rule.action === "skip" && rule.enabled !== false && (props.phase === MANAGED_PHASE || skipped.some(p => PROTECTED_PHASES.includes(String(p)) || p === config.managedRulesetId || p === "waf"))) {
                fail(`ruleset "${args.name}" rules[${index}] skips ${show(skipped)} where ${show(rule.expression)} matches.`, "remove the skip rule.");
            }
        });
    },
});

const sslStrictEverywhere = resourcePolicy({
    name: "ssl-strict-everywhere",
    description: "No configuration rule or Page Rule lowers SSL below strict or turns off HTTPS, HSTS, the WAF or security checks for part of the site.",
    severity: "critical",
    remediationSteps: "Remove the SSL/security override from the configuration rule or Page Rule.",
    types: [TYPES.ruleset, PAGE_RULE],
    check: (props, { args, fail }) => {
        const where = args.type === PAGE_RULE ? [recordOf(props.actions)] : listOf(props.rules).map(recordOf)
            .filter(rule => rule.action === "set_config" && rule.enabled !== false).map(rule => recordOf(rule.actionParameters));
        for (const params of where) {
            if (params.ssl !== undefined && params.ssl !== "strict") {
                fail(`"${args.name}" sets SSL to ${show(params.ssl)} where it matches.`, 'remove the ssl override (the zone runs "strict").');
            }
            for (const [key, bad] of [["alwaysUseHttps", false], ["alwaysUseHttps", "off"], ["disableSecurity", true], ["securityLevel", "essentially_off"], ["waf", "off"], ["bic", false]] as const) {
                if (params[key] === bad) {
                    fail(`"${args.name}" sets ${key} to ${show(bad)} where it matches.`, `remove the ${key} override.`);
                }
            }
        }
    },
});

const hstsOn = resourcePolicy({
    name: "hsts-enabled",
    description: "HSTS stays on: browsers refuse plain HTTP to the platform for at least six months, including subdomains.",
    severity: "high",
    remediationSteps: "Set security_header's strict_transport_security { enabled: true, max_age >= 15552000, include_subdomains: true }.",
    types: [TYPES.zoneSetting],
    check: (props, { fail }) => {
        if (props.settingId !== "security_header") {
            return;
        }
        const hsts = recordOf(recordOf(props.value).strict_transport_security ?? recordOf(props.value).strictTransportSecurity);
        const maxAge = Number(hsts.max_age ?? hsts.maxAge ?? 0);
        if (hsts.enabled !== true || maxAge < 15552000 || (hsts.include_subdomains ?? hsts.includeSubdomains) !== true) {
            fail(`HSTS is ${show(hsts)}.`, "enable it with max_age of at least 15552000 and include_subdomains: true.");
        }
    },
});

/** The only rule the load balancer may have: a tester's header or cookie picks one colour. */
const PREVIEW_CONDITION = /^\(http\.request\.headers\["[a-z0-9-]+"\]\[0\] eq "[a-z]+"\) or \(http\.cookie contains "[A-Za-z0-9_-]+=[a-z]+"\)$/;
const PREVIEW_OVERRIDE_KEYS = ["defaultPools", "fallbackPool", "steeringPolicy", "sessionAffinity"];

const routesByWeights = resourcePolicy({
    name: "lb-routes-by-weights",
    description: "Only the weights decide where visitors go: random steering, no country/PoP/region pools, and no rule other than the preview rule (a tester's own header or cookie picks one colour).",
    severity: "critical",
    remediationSteps: 'Keep steeringPolicy "random" and the generated preview rules; remove geo pools and other rules.',
    types: [TYPES.loadBalancer],
    check: (props, { args, fail }) => {
        if (props.steeringPolicy !== "random") {
            fail(`load balancer "${args.name}" steers with ${show(props.steeringPolicy)}, which ignores the weights.`, 'set steeringPolicy: "random".');
        }
        for (const key of ["countryPools", "popPools", "regionPools"]) {
            if ((isRecord(props[key]) && Object.keys(props[key]).length > 0) || listOf(props[key]).length > 0) {
                fail(`load balancer "${args.name}" sets ${key}, which sends some visitors around the weights.`, `remove ${key}.`);
            }
        }
        listOf(props.rules).map(recordOf).forEach((rule, index) => {
            const overrides = recordOf(rule.overrides);
            const extra = Object.keys(overrides).filter(key => !PREVIEW_OVERRIDE_KEYS.includes(key));
            // Pool ids are unknown while the pools are being created: compare them only once known.
            const pools = peek(overrides, "defaultPools");
            const [first, fallback] = [Array.isArray(pools) ? peek(pools, "0") : undefined, peek(overrides, "fallbackPool")];
            if (rule.disabled === true) {
                return;
            }
            if (typeof rule.condition !== "string" || !PREVIEW_CONDITION.test(rule.condition) || rule.fixedResponse !== undefined || extra.length > 0
                || !Array.isArray(pools) || pools.length !== 1 || (first !== undefined && fallback !== undefined && first !== fallback)
                || !["off", undefined].includes(overrides.steeringPolicy as string)) {
                fail(`load balancer "${args.name}" rules[${index}] (${show(rule.name)}) routes ${show(rule.condition)} around the weights.`,
                    "keep only the preview rules: a tester's header or cookie selecting one colour's pool.");
            }
        });
    },
});

export const edgeInvariantPolicies: ResourceValidationPolicy[] = [wafEverywhere, sslStrictEverywhere, hstsOn, routesByWeights];
