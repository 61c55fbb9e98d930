import { z } from "zod";
import {
    CLOUDFLARE_PLANS, CloudflarePlan, DEFAULT_CLOUDFLARE_PLAN, defaultRateLimitWindow, MONITOR_MAX_INTERVAL, PLAN_LIMITS, planLimitProblems, RATE_LIMIT_VALUES,
    seedRequestsPerPeriod,
} from "../../components/cloudflarePlan";
import { COLOURS } from "../../components/platformNames";
import { previewRuleColours } from "../../components/trafficSwitch";
import { ConfigError, describeValue, formatIssues, integer, matching, oneOf, section } from "../config/validators";
import { ColourWeights, weightProblems } from "../../contracts/weights";
import { trafficValueProblems } from "../config/values";

/**
 * The traffic stack's config (`blkout-traffic:` keys), validated into one typed object. Keys whose
 * value is specific to the account or the release have no default; tuning knobs default to the
 * platform's seeds (100 API requests a minute per client) within what the zone's Cloudflare plan
 * allows (health checked as often as the plan allows). The weights are not config a checkout
 * carries: the switch sets them for one update and the program otherwise keeps the ones the load
 * balancer last applied (infra/traffic/previous.ts).
 */

/** A number out of a fixed set Cloudflare accepts (rate-limit periods and timeouts are not free values). */
function oneOfNumbers(values: readonly number[]) {
    const message = { error: (issue: { input?: unknown }) => `expected one of ${values.join(", ")}, got ${describeValue(issue.input)}` };
    return z.number(message).refine(value => values.includes(value), message);
}

/** Percent per colour; every problem (unknown colour, bad integer, wrong sum) reported at its key path. */
const weightsSchema = z.custom<ColourWeights>(() => true).superRefine((value, ctx) => {
    for (const problem of weightProblems(value)) {
        ctx.addIssue({ code: "custom", path: [...problem.path], message: problem.message, input: value });
    }
});

const cloudflareId = (what: string) => matching(/^[0-9a-f]{32}$/, `a Cloudflare ${what} id (32 lowercase hex digits)`);
const stackName = matching(/^[\w.-]+\/[\w.-]+\/[\w.-]+$/, "a fully qualified stack name like organization/blkout-platform/blue");

/** Cloudflare's health-check regions; checking from the regions the community lives in keeps probe traffic low. */
const CHECK_REGIONS = ["WNAM", "ENAM", "WEU", "EEU", "NSAM", "SSAM", "OC", "ME", "NAF", "SAF", "SAS", "SEAS", "NEAS", "ALL_REGIONS"] as const;

const monitorSchema = section({
    /** @default the colour stack's `healthPath` output */
    path: matching(/^\/[A-Za-z0-9/._~-]*$/, "a URL path starting with /").optional(),
    expectedCodes: matching(/^[1-5](?:\d{2}|xx)$/, "an HTTP status code or class like \"200\" or \"2xx\"").default("200"),
    /** Seconds between checks. @default the plan's minimum (components/cloudflarePlan.ts) */
    interval: integer(PLAN_LIMITS.enterprise.monitorMinInterval, MONITOR_MAX_INTERVAL).optional(),
    /** Seconds before one check counts as failed. */
    timeout: integer(1, 10).default(5),
    retries: integer(0, 5).default(2),
    /** Two failed checks mark a pool down; the switch's own probes catch a failure within 30 s (the seeds' trigger). */
    consecutiveDown: integer(1, 10).default(2),
    consecutiveUp: integer(1, 10).default(2),
    checkRegions: z.array(oneOf(CHECK_REGIONS)).min(1, { error: "expected at least one region" }).default(["WEU", "EEU"]),
});

export const trafficConfigSchema = section({
    /** The zone's Cloudflare plan: what the load balancer, monitors, WAF and rate limit may use. @default "free" */
    cloudflarePlan: oneOf(CLOUDFLARE_PLANS).default(DEFAULT_CLOUDFLARE_PLAN),
    /** The public hostname the load balancer answers on. */
    hostname: matching(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a DNS hostname like blkoutuk.com"),
    zoneId: cloudflareId("zone"),
    accountId: cloudflareId("account"),
    /** Set by the switch tool for one update only; a checkout carries none. @default the weights last applied */
    weights: weightsSchema.optional(),
    /** The colour live before the current switch began (fallback on a 50/50 tie). Set by the switch. @default the last applied */
    liveColour: oneOf(COLOURS).optional(),
    /** The colour that takes all traffic on the stack's very first update, before any switch. */
    initialLiveColour: oneOf(COLOURS),
    colourStacks: section({ blue: stackName, green: stackName }),
    monitor: monitorSchema.prefault({}),
    sessionAffinity: section({
        type: oneOf(["cookie"]).default("cookie"),
        /** Seconds a visitor stays on one colour; also how long a rollback takes to reach visitors pinned to the other. */
        ttl: integer(1800, 604800).default(1800),
    }).prefault({}),
    /** A request carrying this cookie with a colour as its value goes to that colour. */
    previewCookie: matching(/^[A-Za-z0-9_-]{1,64}$/, "a cookie name (letters, digits, _ and -)").default("blkout_preview"),
    /** A request carrying this header with a colour as its value goes to that colour. */
    previewHeader: matching(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, "an HTTP header name (letters, digits and -)").default("X-Blkout-Preview"),
    /** Who hears when a pool or origin changes health. */
    notificationEmail: matching(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "an email address"),
    apiRateLimit: section({
        /** @default 100 a minute, scaled to the period */
        requestsPerPeriod: integer(1, 1_000_000).optional(),
        /** @default the plan's longest period up to 60 s */
        period: oneOfNumbers(RATE_LIMIT_VALUES).optional(),
        /** @default the plan's longest timeout up to 60 s */
        mitigationTimeout: oneOfNumbers(RATE_LIMIT_VALUES).optional(),
    }).prefault({}),
    /** The largest share of traffic one switch step may move (read by the switch tool and the policy pack). */
    maxStepShare: integer(1, 100),
});

type ParsedTrafficConfig = z.infer<typeof trafficConfigSchema>;

/** The validated config with the plan's defaults filled in. */
export type TrafficConfig = Omit<ParsedTrafficConfig, "monitor" | "apiRateLimit"> & {
    readonly monitor: ParsedTrafficConfig["monitor"] & { readonly interval: number };
    readonly apiRateLimit: { readonly requestsPerPeriod: number; readonly period: number; readonly mitigationTimeout: number };
};

/** Fills what the plan decides: the monitor interval and the rate limit's window. */
export function withPlanDefaults(parsed: ParsedTrafficConfig): TrafficConfig {
    const plan: CloudflarePlan = parsed.cloudflarePlan;
    const rate = defaultRateLimitWindow(plan);
    const given = parsed.apiRateLimit;
    const period = given.period ?? rate.period;
    return {
        ...parsed,
        monitor: { ...parsed.monitor, interval: parsed.monitor.interval ?? PLAN_LIMITS[plan].monitorMinInterval },
        apiRateLimit: {
            period,
            requestsPerPeriod: given.requestsPerPeriod ?? seedRequestsPerPeriod(period),
            mitigationTimeout: given.mitigationTimeout ?? rate.mitigationTimeout,
        },
    };
}

function crossFieldProblems(cfg: TrafficConfig): string[] {
    const problems = cfg.colourStacks.blue === cfg.colourStacks.green
        ? [`colourStacks: blue and green both name ${describeValue(cfg.colourStacks.blue)}; each colour needs its own stack`]
        : [];
    if (cfg.monitor.timeout >= cfg.monitor.interval) {
        problems.push(`monitor.timeout: must be shorter than monitor.interval (${cfg.monitor.interval} s), got ${cfg.monitor.timeout}`);
    }
    return [...problems, ...planLimitProblems(cfg.cloudflarePlan, {
        monitorInterval: cfg.monitor.interval,
        loadBalancerRules: previewRuleColours(cfg.cloudflarePlan, COLOURS[0]).length,
        rateLimit: cfg.apiRateLimit,
    })];
}

/** Validates raw config (keys without the `blkout-traffic:` prefix) into one typed object, or throws one ConfigError listing every problem. */
export function loadTrafficConfig(raw: unknown, subject = "the traffic stack's config"): TrafficConfig {
    const parsed = trafficConfigSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
        throw new ConfigError(formatIssues(parsed.error.issues, "", trafficConfigSchema), subject);
    }
    const cfg = withPlanDefaults(parsed.data);
    const problems = [...crossFieldProblems(cfg), ...trafficValueProblems(cfg)];
    if (problems.length > 0) {
        throw new ConfigError(problems, subject);
    }
    return cfg;
}
