import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { CloudflarePlan, PLAN_LIMITS, planLimitProblems, RATE_LIMIT_VALUES } from "./cloudflarePlan";
import { assertNoProblems } from "./platformNames";

/**
 * Requests the rate limit counts: the APIs behind the gateway, on every hostname of the zone. Only
 * the URI path, the one field every plan may use in a rate-limiting rule's expression
 * (https://developers.cloudflare.com/waf/rate-limiting-rules/#availability).
 */
export const API_PATH_EXPRESSION = "starts_with(http.request.uri.path, \"/api/\")";

/**
 * Counted per client: `cf.colo.id` is mandatory (Cloudflare counts per data centre) and `ip.src` is
 * available on every plan (same availability table).
 */
export const RATE_LIMIT_CHARACTERISTICS: readonly string[] = ["cf.colo.id", "ip.src"];

/** The zone entry-point rulesets this component declares: phase, child name suffix and ruleset name. */
export const EDGE_ENTRY_POINTS = [
    { phase: "http_request_firewall_managed", suffix: "waf", rulesetName: "blkout managed WAF" },
    { phase: "http_ratelimit", suffix: "api-rate-limit", rulesetName: "blkout API rate limit" },
] as const;

export interface ApiRateLimit {
    /** Requests one client may make per period before it is blocked. */
    readonly requestsPerPeriod: number;
    /** Seconds the count runs over. */
    readonly period: number;
    /** Seconds a client stays blocked once over the limit. */
    readonly mitigationTimeout: number;
}

export interface EdgeHardeningArgs {
    readonly zoneId: string;
    /** The zone's plan: which managed ruleset the WAF runs and which rate-limit windows are allowed. */
    readonly plan: CloudflarePlan;
    readonly apiRateLimit: ApiRateLimit;
    /**
     * Seconds browsers remember to use HTTPS only. Not preloaded: leaving a preload list takes months.
     * @default 31536000 (one year)
     */
    readonly hstsMaxAge?: number;
}

/** Problems with a rate limit on a plan, each naming its key (values Cloudflare accepts, then the plan's ceilings). */
export function apiRateLimitProblems(limit: ApiRateLimit, plan: CloudflarePlan): string[] {
    const shape = [
        ...(Number.isInteger(limit.requestsPerPeriod) && limit.requestsPerPeriod > 0 ? [] : [`apiRateLimit.requestsPerPeriod: expected a positive integer, got ${limit.requestsPerPeriod}`]),
        ...(RATE_LIMIT_VALUES.includes(limit.period) ? [] : [`apiRateLimit.period: expected one of ${RATE_LIMIT_VALUES.join(", ")}, got ${limit.period}`]),
        ...(RATE_LIMIT_VALUES.includes(limit.mitigationTimeout) ? [] : [`apiRateLimit.mitigationTimeout: expected one of ${RATE_LIMIT_VALUES.join(", ")}, got ${limit.mitigationTimeout}`]),
    ];
    return [...shape, ...planLimitProblems(plan, { rateLimit: { ...limit, characteristics: RATE_LIMIT_CHARACTERISTICS } })];
}

/**
 * The zone's edge protection, which every colour shares: TLS end to end with a verified origin
 * certificate, TLS 1.2 or newer, HTTPS only with HSTS, the plan's managed WAF ruleset, and a rate
 * limit on the APIs within the plan's windows.
 *
 * Both rulesets are a phase's zone entry point, of which a zone has one per phase: a zone whose WAF
 * or rate limit was set up in the dashboard (or a Free zone where Cloudflare deployed the Free
 * Managed Ruleset) already has one, and creating ours fails. It is adopted with `pulumi import`
 * (docs/first-deploy.md, "Existing entry-point rulesets").
 */
export class EdgeHardening extends pulumi.ComponentResource {
    readonly settings: cloudflare.ZoneSetting[];
    readonly waf: cloudflare.Ruleset;
    readonly apiRateLimit: cloudflare.Ruleset;

    constructor(name: string, private readonly args: EdgeHardeningArgs, opts?: pulumi.ComponentResourceOptions) {
        super("blkout:platform:EdgeHardening", name, {}, opts);
        assertNoProblems(`EdgeHardening "${name}" args`, [
            ...(args.zoneId === "" ? ["zoneId: expected a zone id, got nothing"] : []),
            ...apiRateLimitProblems(args.apiRateLimit, args.plan),
        ]);
        this.settings = this.createZoneSettings(name);
        this.waf = this.createManagedWaf(name);
        this.apiRateLimit = this.createApiRateLimit(name);
        this.registerOutputs({});
    }

    private createZoneSettings(name: string): cloudflare.ZoneSetting[] {
        const hsts = {
            // Nested keys go to the API as written: camelCase here never converges (pulumi-cloudflare#1579).
            strict_transport_security: { enabled: true, max_age: this.args.hstsMaxAge ?? 31536000, include_subdomains: true, preload: false, nosniff: true },
        };
        const settings: ReadonlyArray<[string, string, unknown]> = [
            ["ssl", "ssl", "strict"],
            ["min-tls", "min_tls_version", "1.2"],
            ["always-https", "always_use_https", "on"],
            ["hsts", "security_header", hsts],
        ];
        return settings.map(([suffix, settingId, value]) => new cloudflare.ZoneSetting(`${name}-${suffix}`, {
            zoneId: this.args.zoneId,
            settingId,
            value,
        }, { parent: this }));
    }

    private createManagedWaf(name: string): cloudflare.Ruleset {
        const managed = PLAN_LIMITS[this.args.plan].managedRulesetId;
        return new cloudflare.Ruleset(`${name}-${EDGE_ENTRY_POINTS[0].suffix}`, {
            zoneId: this.args.zoneId,
            kind: "zone",
            phase: "http_request_firewall_managed",
            name: EDGE_ENTRY_POINTS[0].rulesetName,
            description: `Runs the ${this.args.plan} plan's managed ruleset on every request`,
            rules: [{
                action: "execute",
                actionParameters: { id: managed },
                expression: "true",
                description: `Managed ruleset ${managed}`,
                enabled: true,
            }],
        }, { parent: this });
    }

    private createApiRateLimit(name: string): cloudflare.Ruleset {
        const { requestsPerPeriod, period, mitigationTimeout } = this.args.apiRateLimit;
        return new cloudflare.Ruleset(`${name}-${EDGE_ENTRY_POINTS[1].suffix}`, {
            zoneId: this.args.zoneId,
            kind: "zone",
            phase: "http_ratelimit",
            name: EDGE_ENTRY_POINTS[1].rulesetName,
            description: "Limits each client's calls to /api/",
            rules: [{
                action: "block",
                expression: API_PATH_EXPRESSION,
                description: `${requestsPerPeriod} requests per ${period} s per client on /api/`,
                enabled: true,
                ratelimit: {
                    characteristics: [...RATE_LIMIT_CHARACTERISTICS],
                    period,
                    requestsPerPeriod,
                    mitigationTimeout,
                },
            }],
        }, { parent: this });
    }
}
