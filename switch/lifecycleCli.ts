import { Colour, COLOURS } from "../components/platformNames";
import { DEFAULT_HOLD_MS, HoldDeps, standby } from "./hold";
import { WARM_DEFAULTS, warm, WarmDeps } from "./warm";
import { conciseError } from "./traffic";
import { CliIo } from "./wiring";

/**
 * The colour lifecycle commands, registered beside the switch's own:
 *
 *   npm run switch -- warm <colour> [--timeout 45m] [--poll 10s] [--policy-pack policies] [--store S]
 *   npm run switch -- standby <colour> [--hold 24h] [--force <reason>] [--check-config] [--allow <resource>=<reason>]... [--store S]
 *
 * Exit codes as the switch's: 0 done, 1 bad input or error, 2 refused, 4 not ready in time.
 */

export const LIFECYCLE_COMMANDS = ["warm", "standby"] as const;

export interface LifecycleOptions {
    readonly command: (typeof LIFECYCLE_COMMANDS)[number];
    readonly colour: Colour;
    readonly timeoutMs: number;
    readonly pollMs: number;
    readonly holdMs: number;
    readonly forceReason?: string;
    readonly checkConfig: boolean;
    readonly policyPack: string;
    readonly store: string;
    readonly allow: Readonly<Record<string, string>>;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "45m", "10s", "24h", "500ms" in milliseconds, or undefined. */
export function parseDuration(text: string | undefined): number | undefined {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text ?? "");
    return match ? Number(match[1]) * UNITS[match[2]] : undefined;
}

export function parseLifecycleArgs(argv: readonly string[], env: NodeJS.ProcessEnv): { options?: LifecycleOptions; problems: string[] } {
    const [command, colour, ...rest] = argv;
    const problems: string[] = [];
    const values: Record<string, string> = {};
    const allow: Record<string, string> = {};
    let checkConfig = false;
    for (let i = 0; i < rest.length; i++) {
        const flag = rest[i];
        if (flag === "--check-config") {
            checkConfig = true;
        } else if (["--timeout", "--poll", "--hold", "--force", "--policy-pack", "--store", "--allow"].includes(flag)) {
            const value = rest[i + 1];
            if (value === undefined || value.startsWith("--") || value.trim() === "") {
                problems.push(`${flag}: expected a value`);
                continue;
            }
            i++;
            if (flag === "--allow") {
                const at = value.indexOf("=");
                if (at <= 0 || value.slice(at + 1).trim() === "") problems.push(`--allow ${JSON.stringify(value)}: expected <resource>=<reason>`);
                else allow[value.slice(0, at)] = value.slice(at + 1).trim();
            } else {
                values[flag] = value;
            }
        } else {
            problems.push(`${flag}: unknown flag for ${command}`);
        }
    }
    if (!(COLOURS as readonly string[]).includes(colour ?? "")) {
        problems.push(`${command} <colour>: expected ${COLOURS.join(" or ")}, got ${JSON.stringify(colour ?? null)}`);
    }
    const duration = (flag: string, fallback: number) => {
        const parsed = values[flag] === undefined ? fallback : parseDuration(values[flag]);
        if (parsed === undefined || parsed <= 0) problems.push(`${flag}: expected a duration like 45m, 10s or 24h, got ${JSON.stringify(values[flag])}`);
        return parsed ?? fallback;
    };
    const options: LifecycleOptions = {
        command: command as LifecycleOptions["command"],
        colour: colour as Colour,
        timeoutMs: duration("--timeout", WARM_DEFAULTS.timeoutMs),
        pollMs: duration("--poll", WARM_DEFAULTS.pollMs),
        holdMs: duration("--hold", DEFAULT_HOLD_MS),
        forceReason: values["--force"],
        checkConfig,
        policyPack: values["--policy-pack"] ?? "policies",
        store: values["--store"] ?? env.BLKOUT_SWITCH_STORE ?? ".switch",
        allow,
    };
    if (command === "warm" && (options.forceReason !== undefined || checkConfig || values["--hold"] !== undefined)) {
        problems.push("warm: --force, --hold and --check-config belong to standby");
    }
    return problems.length > 0 ? { problems } : { options, problems };
}

export interface LifecycleDeps {
    readonly warm: WarmDeps;
    readonly hold: HoldDeps;
}

export type LifecycleFactory = (options: LifecycleOptions, io: CliIo, log: (line: string) => void) => LifecycleDeps;

export async function runLifecycleCli(argv: readonly string[], io: CliIo, makeDeps: LifecycleFactory): Promise<number> {
    const out = (line: string) => io.stdout.write(`${line}\n`);
    const err = (line: string) => io.stderr.write(`switch: ${line}\n`);
    const parsed = parseLifecycleArgs(argv, io.env);
    if (!parsed.options) {
        err(`invalid arguments:\n${parsed.problems.map(p => `  - ${p}`).join("\n")}`);
        return 1;
    }
    const options = parsed.options;
    try {
        const deps = makeDeps(options, io, out);
        if (options.command === "warm") {
            const outcome = await warm(options.colour, deps.warm, { ...WARM_DEFAULTS, timeoutMs: options.timeoutMs, pollMs: options.pollMs });
            if (outcome.kind === "warm") {
                out(`${options.colour} is warm: healthy and its replica ${outcome.lagSeconds.toFixed(2)} s behind`);
                return 0;
            }
            err(`${options.colour} is not ready after ${Math.round(outcome.waitedMs / 1000)} s (it stays active; nothing was undone): ${outcome.lastProblems.join("; ")}`);
            return 4;
        }
        if (options.checkConfig && (await deps.hold.stacks.settings(options.colour)).mode === "active") {
            out(`${options.colour}: config says active, no hold to check`);
            return 0;
        }
        const outcome = await standby({ colour: options.colour, holdMs: options.holdMs, forceReason: options.forceReason, checkOnly: options.checkConfig }, deps.hold);
        if (outcome.kind === "refused") {
            err(`refused:\n${outcome.reasons.map(r => `  - ${r}`).join("\n")}`);
            return 2;
        }
        out(options.checkConfig ? `${options.colour} may go to standby` : `${options.colour} is ${outcome.applied ? "now" : "already"} in standby${outcome.forced ? " (hold overridden, journaled)" : ""}`);
        return 0;
    } catch (error) {
        err(`error: ${conciseError(error)}`);
        return 1;
    }
}

/** The registration hook for the switch's CLI: runs a lifecycle command, or says it is not one. */
export function lifecycleCommand(argv: readonly string[], io: CliIo): Promise<number> | undefined {
    if (!(LIFECYCLE_COMMANDS as readonly string[]).includes(argv[0] ?? "")) {
        return undefined;
    }
    // Loaded on demand: the Automation API wiring is only needed when a lifecycle command runs.
    return import("./lifecycleWiring").then(({ productionLifecycle }) =>
        runLifecycleCli(argv, io, (options, cliIo, log) => productionLifecycle(cliIo, options.store, options.policyPack, options.allow, log)));
}
