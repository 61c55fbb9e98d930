import { EngineSettings } from "./engine";
import { DEFAULT_THRESHOLDS, Thresholds } from "./gates";
import { DEFAULT_PROBE_PATHS } from "./metrics";
import { colourProblems, Colour, DEFAULT_STEPS, parseDuration, parseSteps } from "./plan";

export const COMMANDS = ["to", "status", "rollback", "abort", "resume", "history", "help"] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliOptions {
    readonly command: Command;
    readonly target?: Colour;
    readonly steps: readonly number[];
    readonly windowMs: number;
    readonly dryRun: boolean;
    readonly reason: string;
    readonly engine: EngineSettings;
    readonly requestWaitMs: number;
    readonly metrics: "synthetic" | "prometheus";
    readonly prometheusUrl?: string;
    readonly probePaths: readonly string[];
    /** A directory, or `s3://bucket/prefix` for a journal other machines can read. */
    readonly store: string;
    readonly trafficDir: string;
    readonly trafficStack: string;
}

/** A default in milliseconds as a flag value: "30s", "2m", "2000ms". */
function asFlag(ms: number): string {
    return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 && ms < 60_000 ? `${ms / 1000}s` : `${ms}ms`;
}

const T = DEFAULT_THRESHOLDS;

/** Flags taking a value, with their defaults; the help text is generated from this table. */
const VALUE_FLAGS = {
    "--steps": { help: "canary steps, percent on the target", default: DEFAULT_STEPS.join(",") },
    "--window": { help: "observation window per step (seed: monitor 5 min)", default: "5m" },
    "--interval": { help: "time between samples of both colours", default: "5s" },
    "--health-fail": { help: "health failing longer than this rolls back", default: asFlag(T.healthFailingMs) },
    "--error-rate": { help: "error-rate breach, percent", default: String(T.errorRate * 100) },
    "--error-window": { help: "error-rate breach sustained this long rolls back", default: asFlag(T.errorRateWindowMs) },
    "--p95": { help: "p95 latency breach", default: asFlag(T.p95Ms) },
    "--p95-window": { help: "p95 breach sustained this long rolls back", default: asFlag(T.p95WindowMs) },
    "--metrics-grace": { help: "metrics unreadable this long halts the switch", default: asFlag(T.metricsMissingMs) },
    "--attempts": { help: "tries of one traffic update before rolling back", default: "3" },
    "--retry-delay": { help: "wait before retrying an update (doubles)", default: "5s" },
    "--lock-ttl": { help: "lease of the switch lock, renewed while running", default: "2m" },
    "--wait": { help: "how long abort/rollback wait for a running switch", default: "60s" },
    "--metrics": { help: "synthetic | prometheus", default: "prometheus when PROMETHEUS_URL is set, else synthetic" },
    "--prometheus-url": { help: "Prometheus base URL", default: "$PROMETHEUS_URL" },
    "--probe-paths": { help: "API routes the synthetic source probes", default: DEFAULT_PROBE_PATHS.join(",") },
    "--store": { help: "journal and lock: a directory or s3://bucket/prefix", default: "$BLKOUT_SWITCH_STORE or .switch" },
    "--traffic-dir": { help: "the traffic stack's program", default: "infra/traffic" },
    "--traffic-stack": { help: "the traffic stack", default: "production" },
    "--reason": { help: "why (rollback)", default: "manual rollback" },
} as const;
type ValueFlag = keyof typeof VALUE_FLAGS;

export function usage(): string {
    const flags = Object.entries(VALUE_FLAGS).map(([flag, { help, default: d }]) => `  ${flag.padEnd(17)} ${help} (default ${d})`);
    return [
        "usage: npm run switch -- <command> [flags]",
        "  to <blue|green>   walk the canary steps to a colour (--dry-run prints the plan and touches nothing)",
        "  status            weights, health and current step of both colours",
        "  rollback          all traffic back on the previous live colour, now",
        "  abort             stop the running switch at its current weights",
        "  resume            continue or finish an interrupted, halted or aborted switch",
        "  history           the deployment record: every switch, who, which release, outcome",
        ...flags,
        "exit codes: 0 done, 1 bad input or error, 2 refused, 3 rolled back, 4 halted or aborted, 5 rollback failed",
    ].join("\n");
}

/** Parses the command line; every problem is reported at once, each naming its flag. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): { options?: CliOptions; problems: string[] } {
    const problems: string[] = [];
    const values = new Map<ValueFlag, string>();
    const positional: string[] = [];
    let dryRun = false;
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i].startsWith("--") ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
        if (flag === "--dry-run") {
            dryRun = true;
        } else if (flag in VALUE_FLAGS) {
            const value = inline ?? argv[++i];
            if (value === undefined || (inline === undefined && value.startsWith("--"))) {
                problems.push(`${flag}: expected a value`);
                if (value !== undefined) i--;
            } else {
                values.set(flag as ValueFlag, value);
            }
        } else if (flag.startsWith("--")) {
            problems.push(`${flag}: unknown flag (see \`npm run switch -- help\`)`);
        } else {
            positional.push(argv[i]);
        }
    }
    const [command, ...rest] = positional;
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
    const thresholds: Thresholds = {
        healthFailingMs: duration("--health-fail"),
        errorRate: number("--error-rate", 0, 100, false) / 100,
        errorRateWindowMs: duration("--error-window"),
        p95Ms: duration("--p95"),
        p95WindowMs: duration("--p95-window"),
        metricsMissingMs: duration("--metrics-grace"),
    };
    const prometheusUrl = values.get("--prometheus-url") ?? env.PROMETHEUS_URL;
    const metrics = values.get("--metrics") ?? (prometheusUrl ? "prometheus" : "synthetic");
    if (metrics !== "synthetic" && metrics !== "prometheus") {
        problems.push(`--metrics: expected "synthetic" or "prometheus", got ${JSON.stringify(metrics)}`);
    } else if (metrics === "prometheus" && !prometheusUrl) {
        problems.push("--prometheus-url: expected a URL (or PROMETHEUS_URL) when --metrics is prometheus");
    }
    const options: CliOptions = {
        command: command as Command,
        target: rest[0] as Colour,
        steps: steps.steps,
        windowMs: duration("--window"),
        dryRun,
        reason: get("--reason"),
        engine: {
            thresholds,
            sampleIntervalMs: duration("--interval"),
            updateAttempts: number("--attempts", 1, 10, true),
            retryDelayMs: duration("--retry-delay"),
            lockTtlMs: duration("--lock-ttl"),
        },
        requestWaitMs: duration("--wait"),
        metrics: metrics as CliOptions["metrics"],
        prometheusUrl,
        probePaths: get("--probe-paths").split(",").map(p => p.trim()),
        store: values.get("--store") ?? env.BLKOUT_SWITCH_STORE ?? ".switch",
        trafficDir: get("--traffic-dir"),
        trafficStack: get("--traffic-stack"),
    };
    return problems.length > 0 ? { problems } : { options, problems };
}
