import type { ResourceValidationPolicy } from "@pulumi/policy";
import { MANAGED_RULESETS } from "../components/cloudflarePlan";
import { monitorAuthenticates } from "./cloudflarePlan";
import { resourcePolicy } from "./lib/define";
import { isRecord, listOf, recordOf, show, TYPES } from "./lib/resources";
import { weightProblems } from "./lib/weights";

/**
 * The Cloudflare edge in front of both colours: a well-formed traffic split, health checks that
 * verify the origin's certificate, every platform hostname behind the proxy (and so the WAF), and
 * TLS that is strict end to end.
 */

const weightsValid = resourcePolicy({
    name: "lb-weights-valid",
    description: "The load balancer's split is explicit and whole: every pool weight is a whole percent (0-100 %, i.e. 0-1 in Cloudflare's terms), the weights add up to 100 %, and no unlisted pool takes traffic by default.",
    severity: "critical",
    remediationSteps: "Set randomSteering.poolWeights from the integer percent weights (percent / 100) with defaultWeight: 0.",
    types: [TYPES.loadBalancer],
    check: (props, { args, fail }) => {
        for (const problem of weightProblems(props)) {
            fail(`load balancer "${args.name}": ${problem}.`, "derive poolWeights from integer percentages summing to 100 and set defaultWeight: 0.");
        }
    },
});

const loadBalancerProxied = resourcePolicy({
    name: "lb-proxied",
    description: "The load balancer's hostname is proxied, so visitors reach Cloudflare's WAF, rate limits and edge TLS, never the origins' addresses.",
    severity: "critical",
    remediationSteps: "Set proxied: true on the load balancer.",
    types: [TYPES.loadBalancer],
    check: (props, { args, fail }) => {
        if (props.proxied !== true) {
            fail(`load balancer "${args.name}" is not proxied (DNS-only answers reveal the origins).`, "set proxied: true.");
        }
    },
});

const monitorHttps = resourcePolicy({
    name: "monitor-https",
    description: "Health monitors probe over HTTPS and either verify the origin's certificate or authenticate to the origin with the colour's monitor token and Host (the Origin CA certificate is not publicly trusted; components/monitorAuth.ts): a check that accepts any certificate unauthenticated would keep routing to an impostor.",
    severity: "high",
    remediationSteps: 'Set type: "https", and either allowInsecure: false or the monitor token and Host headers.',
    types: [TYPES.monitor],
    check: (props, { args, fail }) => {
        if (props.type !== "https") {
            fail(`monitor "${args.name}" probes over ${show(props.type ?? "http")}.`, 'set type: "https".');
        }
        if (props.allowInsecure === true && !monitorAuthenticates(props)) {
            fail(`monitor "${args.name}" accepts any certificate.`, "set allowInsecure: false, or send the colour's monitor token and Host headers.");
        }
    },
});

const PROXIABLE = ["A", "AAAA", "CNAME"];

const dnsProxied = resourcePolicy({
    name: "dns-proxied",
    description: "Platform hostnames (A, AAAA, CNAME records) are proxied by Cloudflare, so their traffic passes the WAF and their origin addresses stay private.",
    severity: "high",
    remediationSteps: "Set proxied: true (and ttl: 1) on the record, or list the hostname in unproxiedNames if it must answer directly (e.g. a mail host).",
    types: [TYPES.dnsRecord],
    config: {
        unproxiedNames: { type: "array", uniqueItems: true, items: { type: "string", minLength: 1 }, default: [], description: "Hostnames that may be DNS-only." },
    },
    check: (props, { config, fail }) => {
        if (PROXIABLE.includes(props.type) && props.proxied !== true && !(config.unproxiedNames as string[]).includes(props.name)) {
            fail(`${props.type} record ${show(props.name)} is DNS-only.`, "set proxied: true and ttl: 1.");
        }
    },
});

const TLS_ORDER = ["1.0", "1.1", "1.2", "1.3"];

const zoneTls = resourcePolicy({
    name: "zone-tls-settings",
    description: "The zone encrypts end to end and verifies the origin (SSL mode strict), refuses TLS older than 1.2, and redirects HTTP to HTTPS.",
    severity: "critical",
    remediationSteps: 'Set the zone settings ssl: "strict", min_tls_version: "1.2" or newer, always_use_https: "on".',
    types: [TYPES.zoneSetting],
    config: { minTlsVersion: { type: "string", enum: ["1.2", "1.3"], default: "1.2", description: "Oldest TLS version the edge accepts." } },
    check: (props, { config, fail }) => {
        const value = props.value;
        if (props.settingId === "ssl" && value !== "strict") {
            fail(`SSL mode is ${show(value)}, which does not verify the origin's certificate.`, 'set value: "strict".');
        }
        if (props.settingId === "min_tls_version" && TLS_ORDER.indexOf(String(value)) < TLS_ORDER.indexOf(config.minTlsVersion)) {
            fail(`minimum TLS version is ${show(value)}, older than ${config.minTlsVersion}.`, `set value: "${config.minTlsVersion}".`);
        }
        if (props.settingId === "always_use_https" && value !== "on") {
            fail(`always_use_https is ${show(value)}, so plain HTTP is served.`, 'set value: "on".');
        }
    },
});

/** The Cloudflare Managed Ruleset, which the WAF phase must execute. */
export const MANAGED_RULESET = {
    managedRulesetId: {
        type: "string", pattern: "^[0-9a-f]{32}$", default: "efb7b8c949ac4650a09736fc376e9aee",
        description: "Id of the managed WAF ruleset that must execute (Cloudflare Managed Ruleset).",
    },
} as const;

/**
 * True when a ruleset's rules execute the managed ruleset, or the Free Managed Ruleset (the one a
 * Free zone has; which one the plan needs is cloudflare-plan-limits' check), in a rule not disabled.
 */
export function executesManagedRuleset(props: unknown, rulesetId: string): boolean {
    const accepted = [rulesetId, MANAGED_RULESETS.freeManaged];
    return listOf(recordOf(props).rules).some(rule => isRecord(rule)
        && rule.action === "execute" && accepted.includes(String(recordOf(rule.actionParameters).id)) && rule.enabled !== false);
}

const wafNotDisabled = resourcePolicy({
    name: "waf-managed-ruleset-enabled",
    description: "A managed-WAF ruleset must keep executing the Cloudflare Managed Ruleset; disabling that rule silently removes the WAF.",
    severity: "critical",
    remediationSteps: "Keep the execute rule for the managed ruleset, with enabled: true.",
    types: [TYPES.ruleset],
    config: MANAGED_RULESET,
    check: (props, { args, config, fail }) => {
        if (props.phase === "http_request_firewall_managed" && !executesManagedRuleset(props, config.managedRulesetId)) {
            fail(`ruleset "${args.name}" does not execute the managed ruleset ${config.managedRulesetId}.`,
                `add an enabled rule { action: "execute", actionParameters: { id: "${config.managedRulesetId}" }, expression: "true" }.`);
        }
    },
});

export const edgePolicies: ResourceValidationPolicy[] = [weightsValid, loadBalancerProxied, monitorHttps, dnsProxied, zoneTls, wafNotDisabled];
