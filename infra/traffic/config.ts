import { z } from "zod";
import { MITIGATION_TIMEOUTS, RATE_LIMIT_PERIODS } from "../../components/edgeHardening";
import { COLOURS } from "../../components/platformNames";
import { ConfigError, describeValue, formatIssues, integer, matching, oneOf, section } from "../config/validators";
import { ColourWeights, weightProblems } from "./weights";
import { trafficValueProblems } from "../config/values";

/**
 * The traffic stack's config (`blkout-traffic:` keys), validated into one typed object. Keys whose
 * value is specific to the account or the release have no default; tuning knobs default to the
 * platform's seeds (health checked every 15 s, 100 API requests a minute per client).
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
    /** Seconds between checks. */
    interval: integer(5, 3600).default(15),
    /** Seconds before one check counts as failed. */
    timeout: integer(1, 10).default(5),
    retries: integer(0, 5).default(2),
    /** Two failed 15 s checks mark a pool down after 30 s: the seeds' rollback trigger. */
    consecutiveDown: integer(1, 10).default(2),
    consecutiveUp: integer(1, 10).default(2),
    checkRegions: z.array(oneOf(CHECK_REGIONS)).min(1, { error: "expected at least one region" }).default(["WEU", "EEU"]),
}).superRefine((monitor, ctx) => {
    if (monitor.timeout >= monitor.interval) {
        ctx.addIssue({ code: "custom", path: ["timeout"], message: `must be shorter than monitor.interval (${monitor.interval} s), got ${monitor.timeout}` });
    }
});

export const trafficConfigSchema = section({
    /** The public hostname the load balancer answers on. */
    hostname: matching(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a DNS hostname like blkoutuk.com"),
    zoneId: cloudflareId("zone"),
    accountId: cloudflareId("account"),
    weights: weightsSchema,
    /** The colour that served all traffic before the current switch began; breaks a 50/50 tie for the fallback pool. */
    liveColour: oneOf(COLOURS),
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
        requestsPerPeriod: integer(1, 1_000_000).default(100),
        period: oneOfNumbers(RATE_LIMIT_PERIODS).default(60),
        mitigationTimeout: oneOfNumbers(MITIGATION_TIMEOUTS).default(60),
    }).prefault({}),
    /** The largest share of traffic one switch step may move (read by the switch tool and the policy pack). */
    maxStepShare: integer(1, 100),
});

export type TrafficConfig = z.infer<typeof trafficConfigSchema>;

function crossFieldProblems(cfg: TrafficConfig): string[] {
    return cfg.colourStacks.blue === cfg.colourStacks.green
        ? [`colourStacks: blue and green both name ${describeValue(cfg.colourStacks.blue)}; each colour needs its own stack`]
        : [];
}

/** Validates raw config (keys without the `blkout-traffic:` prefix) into one typed object, or throws one ConfigError listing every problem. */
export function loadTrafficConfig(raw: unknown, subject = "the traffic stack's config"): TrafficConfig {
    const parsed = trafficConfigSchema.safeParse(raw, { reportInput: true });
    const problems = parsed.success ? [...crossFieldProblems(parsed.data), ...trafficValueProblems(parsed.data)] : formatIssues(parsed.error.issues, "", trafficConfigSchema);
    if (!parsed.success || problems.length > 0) {
        throw new ConfigError(problems, subject);
    }
    return parsed.data;
}
