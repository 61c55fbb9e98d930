import { parseArgs as tokenize } from "node:util";
import { ColourUrls, parseColourUrls } from "./colourUrls";
import { EngineSettings } from "./engine";
import { DEFAULT_THRESHOLDS, Thresholds } from "./gates";
import { MetricsSpec, Overrides } from "./journal";
import { DEFAULT_PROBE_PATHS } from "./metrics";
import { colourProblems, Colour, DEFAULT_STEPS, parseDuration, parseSteps } from "./plan";

export const COMMANDS = ["to", "status", "rollback", "abort", "resume", "history", "help"] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliOptions {
    readonly command: Command;
    /** `--help`/`-h` given with any command: print usage, exit 0. */
    readonly help: boolean;
    readonly target?: Colour;
    readonly steps: readonly number[];
    readonly windowMs: number;
    readonly dryRun: boolean;
    readonly reason: string;
    readonly engine: EngineSettings;
    readonly requestWaitMs: number;
    readonly metrics: MetricsSpec;
    /** Only what was given on the command line: `resume` uses the journaled settings for the rest. */
    readonly overrides: Overrides;
    /** A directory, or `s3://bucket/prefix` for a journal other machines can read. */
    readonly store: string;
    readonly trafficDir: string;
    readonly trafficStack: string;
    /** Each colour's Pushgateway, told the switch's step after every update (best effort); absent: no reporting. */
    readonly pushgateway?: ColourUrls;
}

/** A default in milliseconds as a flag value: "30s", "2m", "2000ms". */
function asFlag(ms: number): string {
    return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 && ms < 60_000 ? `${ms / 1000}s` : `${ms}ms`;
}

const T = DEFAULT_THRESHOLDS;

/** Flags taking a value, with their defaults; the help text is generated from this table. */
export const VALUE_FLAGS = {
    "--steps": { help: "canary steps, percent on the target", default: DEFAULT_STEPS.join(",") },
    "--window": { help: "observation window per step (seed: monitor 5 min)", default: "5m" },
    "--interval": { help: "time between samples of both colours", default: "5s" },
    "--health-fail": { help: "health failing longer than this rolls back", default: asFlag(T.healthFailingMs) },
    "--error-rate": { help: "error-rate breach, percent", default: String(T.errorRate * 100) },
    "--error-window": { help: "error-rate breach sustained this long rolls back", default: asFlag(T.errorRateWindowMs) },
    "--p95": { help: "p95 latency breach", default: asFlag(T.p95Ms) },
    "--p95-window": { help: "p95 breach sustained this long rolls back", default: asFlag(T.p95WindowMs) },
    "--metrics-grace": { help: "metrics unreadable longer than this halts the switch", default: asFlag(T.metricsMissingMs) },
    "--breach-fraction": { help: "percent of samples since a breach began that must be bad", default: String(T.breachFraction * 100) },
    "--store-timeout": { help: "longest a rollback waits on the journal or lock", default: "5s" },
    "--attempts": { help: "tries of one traffic update before rolling back", default: "3" },
    "--retry-delay": { help: "wait before retrying an update (doubles)", default: "5s" },
    "--lock-ttl": { help: "lease of the switch lock, renewed while running", default: "2m" },
    "--wait": { help: "how long abort waits for a running switch to stop", default: "60s" },
    "--metrics": { help: "synthetic | prometheus", default: "prometheus when PROMETHEUS_URL is set, else synthetic" },
    "--prometheus-url": { help: "Prometheus base URL for both colours, or blue=URL,green=URL (each colour's own)", default: "$PROMETHEUS_URL" },
    "--pushgateway-url": { help: "Pushgateway the switch reports its step to, best effort: one URL or blue=URL,green=URL", default: "$PUSHGATEWAY_URL, else none" },
    "--probe-paths": { help: "API routes the synthetic source probes", default: DEFAULT_PROBE_PATHS.join(",") },
    "--store": { help: "journal and lock: a directory or s3://bucket/prefix", default: "$BLKOUT_SWITCH_STORE or .switch" },
    "--traffic-dir": { help: "the traffic stack's program", default: "infra/traffic" },
    "--traffic-stack": { help: "the traffic stack", default: "production" },
    "--reason": { help: "why (rollback)", default: "manual rollback" },
} as const;
type ValueFlag = keyof typeof VALUE_FLAGS;

/** Flags without a value; each also takes `--flag=true` or `--flag=false`. */
const BOOLEAN_FLAGS = { "--dry-run": { help: "print the plan and refusals, touch nothing (to)" }, "--help": { help: "this text (also -h)" } } as const;

export function usage(): string {
    const flags = Object.entries(VALUE_FLAGS).map(([flag, { help, default: d }]) => `  ${flag.padEnd(17)} ${help} (default ${d})`);
    return [
        "usage: npm run switch -- <command> [flags]",
        "  to <blue|green>   walk the canary steps to a colour (--dry-run prints the plan and touches nothing)",
        "  status            weights, health and current step of both colours",
        "  rollback          all traffic back on the previous live colour, now: takes the lock over, works without a journal",
        "  abort             stop the running switch at its current weights",
        "  resume            continue or finish an interrupted, halted or aborted switch",
        "  history           the deployment record: every switch, who, which release, outcome",
        "  warm <colour>     bring a standby colour to active and wait until it is healthy and caught up (own flags: warm --help)",
        "  standby <colour>  send an idle colour to standby after the hold period (own flags: standby --help)",
        ...flags,
        ...Object.entries(BOOLEAN_FLAGS).map(([flag, { help }]) => `  ${flag.padEnd(17)} ${help}`),
        "resume uses the thresholds, interval and metrics source journaled when the switch started; flags given override them, and the override is journaled",
        "exit codes: 0 done, 1 bad input or error, 2 refused, 3 rolled back, 4 halted or aborted, 5 rollback failed",
    ].join("\n");
}

/**
 * `--flag=false` / `--flag=true` for boolean flags, which util.parseArgs (Node 20) only takes bare:
 * false drops the flag, true keeps it bare, anything else is a problem.
 */
function normaliseBooleans(argv: readonly string[], problems: string[]): string[] {
    return argv.flatMap(arg => {
        const match = /^(--[a-z-]+)=(.*)$/s.exec(arg);
        if (!match || !(match[1] in BOOLEAN_FLAGS)) return [arg];
        if (/^(true|1|yes)$/i.test(match[2])) return [match[1]];
        if (/^(false|0|no)$/i.test(match[2])) return [];
        problems.push(`${match[1]}: expected true or false, got ${JSON.stringify(match[2])}`);
        return [];
    });
}

/** Parses the command line with util.parseArgs; every problem is reported at once, each naming its flag. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): { options?: CliOptions; problems: string[] } {
    const problems: string[] = [];
    const args = normaliseBooleans(argv, problems);
    const spec = {
        ...Object.fromEntries(Object.keys(VALUE_FLAGS).map(flag => [flag.slice(2), { type: "string" as const }])),
        "dry-run": { type: "boolean" as const },
        help: { type: "boolean" as const, short: "h" },
    };
    // Non-strict, with tokens, so every unknown flag and missing value is named rather than the first thrown.
    const { tokens = [] } = tokenize({ args, options: spec, strict: false, allowPositionals: true, tokens: true });
    const values = new Map<ValueFlag, string>();
    const positional: string[] = [];
    let dryRun = false;
    let help = false;
    for (const token of tokens) {
        if (token.kind === "positional") {
            positional.push(token.value);
        } else if (token.kind === "option") {
            const flag = `--${token.name}`;
            if (flag === "--dry-run") dryRun = true;
            else if (flag === "--help") help = true;
            else if (!(flag in VALUE_FLAGS)) problems.push(`${token.rawName}: unknown flag (see \`npm run switch -- --help\`)`);
            else if (token.value === undefined || (!token.inlineValue && token.value.startsWith("--"))) problems.push(`${flag}: expected a value`);
            else values.set(flag as ValueFlag, token.value);
        }
    }
    const [command, ...rest] = positional;
    if (help || command === "help") {
        return { options: { help: true, command: "help" } as CliOptions, problems: [] };
    }
    if (!(COMMANDS as readonly string[]).includes(command ?? "")) {
        problems.push(`command: expected one of ${COMMANDS.join(", ")}, got ${JSON.stringify(command ?? "")}`);
    }
    if (command === "to") {
        problems.push(...colourProblems("to <colour>", rest[0]));
    }
    const extra = command === "to" ? rest.slice(1) : rest;
    if (extra.length > 0) {
        problems.push(`arguments: unexpected ${extra.map(a => JSON.stringify(a)).join(", ")}`);
    }
    const get = (flag: ValueFlag) => values.get(flag) ?? VALUE_FLAGS[flag].default;
    const duration = (flag: ValueFlag) => {
        const parsed = parseDuration(flag, get(flag));
        if (parsed.problem || parsed.ms === 0) problems.push(parsed.problem ?? `${flag}: expected a duration above zero, got ${JSON.stringify(get(flag))}`);
        return parsed.ms ?? 0;
    };
    const number = (flag: ValueFlag, min: number, max: number, integer: boolean) => {
        const value = Number(get(flag));
        if (!/^\d+(\.\d+)?$/.test(get(flag)) || value < min || value > max || (integer && !Number.isInteger(value))) {
            problems.push(`${flag}: expected ${integer ? "an integer" : "a number"} ${min}-${max}, got ${JSON.stringify(get(flag))}`);
        }
        return value;
    };
    const steps = parseSteps("--steps", get("--steps"));
    problems.push(...steps.problems);
    const thresholdFlags: Record<keyof Thresholds, [ValueFlag, () => number]> = {
        healthFailingMs: ["--health-fail", () => duration("--health-fail")],
        errorRate: ["--error-rate", () => number("--error-rate", 0, 100, false) / 100],
        errorRateWindowMs: ["--error-window", () => duration("--error-window")],
        p95Ms: ["--p95", () => duration("--p95")],
        p95WindowMs: ["--p95-window", () => duration("--p95-window")],
        metricsMissingMs: ["--metrics-grace", () => duration("--metrics-grace")],
        breachFraction: ["--breach-fraction", () => number("--breach-fraction", 1, 100, false) / 100],
    };
    const thresholds = Object.fromEntries(Object.entries(thresholdFlags).map(([key, [, read]]) => [key, read()])) as unknown as Thresholds;
    const explicitThresholds = Object.fromEntries(Object.entries(thresholdFlags).filter(([, [flag]]) => values.has(flag)).map(([key]) => [key, thresholds[key as keyof Thresholds]]));
    const prometheusUrl = flagOrVariable("--prometheus-url", "PROMETHEUS_URL", values, env);
    const kind = values.get("--metrics") ?? (prometheusUrl.raw ? "prometheus" : "synthetic");
    const prometheus = kind === "prometheus" && prometheusUrl.raw ? parseColourUrls(prometheusUrl.source, prometheusUrl.raw) : undefined;
    if (kind !== "synthetic" && kind !== "prometheus") {
        problems.push(`--metrics: expected "synthetic" or "prometheus", got ${JSON.stringify(kind)}`);
    } else if (kind === "prometheus" && !prometheusUrl.raw) {
        problems.push("--prometheus-url: expected a URL, or blue=URL,green=URL (or PROMETHEUS_URL) when --metrics is prometheus");
    }
    problems.push(...prometheus?.problems ?? []);
    const metrics: MetricsSpec = kind === "prometheus" && prometheus?.urls ? { kind, urls: prometheus.urls } : { kind: "synthetic", probePaths: get("--probe-paths").split(",").map(p => p.trim()) };
    const sampleIntervalMs = duration("--interval");
    // Unset or empty: the switch reports its step to no one.
    const pushgatewayUrl = flagOrVariable("--pushgateway-url", "PUSHGATEWAY_URL", values, env);
    const pushgateway = pushgatewayUrl.raw ? parseColourUrls(pushgatewayUrl.source, pushgatewayUrl.raw) : undefined;
    problems.push(...pushgateway?.problems ?? []);
    const options: CliOptions = {
        command: command as Command,
        help: false,
        target: rest[0] as Colour,
        steps: steps.steps,
        windowMs: duration("--window"),
        dryRun,
        reason: get("--reason"),
        engine: {
            thresholds,
            sampleIntervalMs,
            updateAttempts: number("--attempts", 1, 10, true),
            retryDelayMs: duration("--retry-delay"),
            lockTtlMs: duration("--lock-ttl"),
            storeTimeoutMs: duration("--store-timeout"),
        },
        requestWaitMs: duration("--wait"),
        metrics,
        overrides: {
            ...(Object.keys(explicitThresholds).length ? { thresholds: explicitThresholds } : {}),
            ...(values.has("--metrics") || values.has("--prometheus-url") || values.has("--probe-paths") ? { metrics } : {}),
            ...(values.has("--interval") ? { sampleIntervalMs } : {}),
        },
        store: values.get("--store") ?? env.BLKOUT_SWITCH_STORE ?? ".switch",
        trafficDir: get("--traffic-dir"),
        trafficStack: get("--traffic-stack"),
        ...(pushgateway?.urls ? { pushgateway: pushgateway.urls } : {}),
    };
    return problems.length > 0 ? { problems } : { options, problems };
}

/** A flag's value or, when the flag is absent, its variable's; `source` names whichever gave it, for problems. */
function flagOrVariable(flag: ValueFlag, variable: string, values: ReadonlyMap<ValueFlag, string>, env: NodeJS.ProcessEnv): { raw?: string; source: string } {
    return values.has(flag) ? { raw: values.get(flag), source: flag } : { raw: env[variable], source: variable };
}
