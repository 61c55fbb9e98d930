import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { assertNoProblems } from "./platformNames";

/** Cloudflare Managed Ruleset: the WAF rules Cloudflare maintains, executed for every request. */
export const CLOUDFLARE_MANAGED_RULESET_ID = "efb7b8c949ac4650a09736fc376e9aee";

/** Requests the rate limit counts: the APIs behind the gateway, on every hostname of the zone. */
export const API_PATH_EXPRESSION = "starts_with(http.request.uri.path, \"/api/\")";

/** Rate-limit periods and mitigation timeouts Cloudflare accepts. */
export const RATE_LIMIT_PERIODS: readonly number[] = [10, 60, 120, 300, 600, 3600];
export const MITIGATION_TIMEOUTS: readonly number[] = [0, 10, 60, 120, 300, 600, 3600, 86400];

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
    readonly apiRateLimit: ApiRateLimit;
    /**
     * Seconds browsers remember to use HTTPS only. Not preloaded: leaving a preload list takes months.
     * @default 31536000 (one year)
     */
    readonly hstsMaxAge?: number;
}

/** Problems with a rate limit, each naming its key. */
export function apiRateLimitProblems(limit: ApiRateLimit): string[] {
    return [
        ...(Number.isInteger(limit.requestsPerPeriod) && limit.requestsPerPeriod > 0 ? [] : [`apiRateLimit.requestsPerPeriod: expected a positive integer, got ${limit.requestsPerPeriod}`]),
        ...(RATE_LIMIT_PERIODS.includes(limit.period) ? [] : [`apiRateLimit.period: expected one of ${RATE_LIMIT_PERIODS.join(", ")}, got ${limit.period}`]),
        ...(MITIGATION_TIMEOUTS.includes(limit.mitigationTimeout) ? [] : [`apiRateLimit.mitigationTimeout: expected one of ${MITIGATION_TIMEOUTS.join(", ")}, got ${limit.mitigationTimeout}`]),
    ];
}

/**
 * The zone's edge protection, which every colour shares: TLS end to end with a verified origin
 * certificate, TLS 1.2 or newer, HTTPS only with HSTS, the managed WAF, and a rate limit on the APIs.
 */
export class EdgeHardening extends pulumi.ComponentResource {
    readonly settings: cloudflare.ZoneSetting[];
    readonly waf: cloudflare.Ruleset;
    readonly apiRateLimit: cloudflare.Ruleset;

    constructor(name: string, private readonly args: EdgeHardeningArgs, opts?: pulumi.ComponentResourceOptions) {
        super("blkout:platform:EdgeHardening", name, {}, opts);
        assertNoProblems(`EdgeHardening "${name}" args`, [
            ...(args.zoneId === "" ? ["zoneId: expected a zone id, got nothing"] : []),
            ...apiRateLimitProblems(args.apiRateLimit),
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
        return new cloudflare.Ruleset(`${name}-waf`, {
            zoneId: this.args.zoneId,
            kind: "zone",
            phase: "http_request_firewall_managed",
            name: "blkout managed WAF",
            description: "Runs the Cloudflare Managed Ruleset on every request",
            rules: [{
                action: "execute",
                actionParameters: { id: CLOUDFLARE_MANAGED_RULESET_ID },
                expression: "true",
                description: "Cloudflare Managed Ruleset",
                enabled: true,
            }],
        }, { parent: this });
    }

    private createApiRateLimit(name: string): cloudflare.Ruleset {
        const { requestsPerPeriod, period, mitigationTimeout } = this.args.apiRateLimit;
        return new cloudflare.Ruleset(`${name}-api-rate-limit`, {
            zoneId: this.args.zoneId,
            kind: "zone",
            phase: "http_ratelimit",
            name: "blkout API rate limit",
            description: "Limits each client's calls to /api/",
            rules: [{
                action: "block",
                expression: API_PATH_EXPRESSION,
                description: `${requestsPerPeriod} requests per ${period} s per client on /api/`,
                enabled: true,
                ratelimit: {
                    // Cloudflare counts per data centre; with ip.src the limit is per client.
                    characteristics: ["cf.colo.id", "ip.src"],
                    period,
                    requestsPerPeriod,
                    mitigationTimeout,
                },
            }],
        }, { parent: this });
    }
}
