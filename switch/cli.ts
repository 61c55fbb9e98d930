import { COLOURS } from "../components/platformNames";
import { withTimeout } from "./clock";
import { PlanResult, SwitchCommands } from "./commands";
import { EngineDeps, Outcome, SwitchEngine } from "./engine";
import { Thresholds } from "./gates";
import { formatDuration, formatWeights, liveColourOf } from "./plan";
import { describeHolder } from "./preflight";
import { describeRecord } from "./record";
import { lifecycleCommand } from "./lifecycleCli";
import { createReporter, Reporter } from "./reporter";
import { Command, CliOptions, parseArgs, usage, VALUE_FLAGS } from "./settings";
import { history, StatusReport, statusReport } from "./settle";
import { CliIo, productionDeps } from "./wiring";

export type DepsFactory = (options: CliOptions, io: CliIo, reporter: Reporter) => Promise<EngineDeps>;

/** Exit codes, also listed in `usage()`. */
export const EXIT = { ok: 0, error: 1, refused: 2, rolledBack: 3, stopped: 4, rollbackFailed: 5 } as const;

export function describeThresholds(t: Thresholds, intervalMs: number): string {
    return `health failing > ${formatDuration(t.healthFailingMs)}, error rate > ${t.errorRate * 100} % for ${formatDuration(t.errorRateWindowMs)}, `
        + `p95 > ${t.p95Ms} ms for ${formatDuration(t.p95WindowMs)} roll back `
        + `(bad in >= ${Math.round(t.breachFraction * 100)} % of samples); metrics missing > ${formatDuration(t.metricsMissingMs)} halts; sampled every ${formatDuration(intervalMs)}`;
}

function planLines(result: PlanResult, options: CliOptions): string[] {
    const lines: string[] = [];
    if (result.plan) {
        const { plan } = result;
        lines.push(`plan: ${plan.from} -> ${plan.to}`);
        plan.steps.forEach(step => lines.push(`  step ${step.index + 1}/${plan.steps.length}: ${formatWeights(step.weights)}, then observe ${formatDuration(plan.windowMs)}`));
        lines.push(`  on a sustained breach: ${formatWeights(plan.rollbackWeights)} in one update`);
        lines.push(`gates: ${describeThresholds(options.engine.thresholds, options.engine.sampleIntervalMs)}`);
    }
    lines.push(...(result.refusals.length > 0 ? ["would refuse:", ...result.refusals.map(r => `  - ${r}`)] : ["preflight: every check passes"]));
    lines.push("dry run: nothing was changed");
    return lines;
}

function statusLines(status: StatusReport): string[] {
    const lines = [status.weights ? `traffic: ${formatWeights(status.weights)}` : `traffic: unknown (${status.weightsError})`];
    for (const colour of COLOURS) {
        const c = status.colours[colour];
        if (c.outputsError || !c.outputs) {
            lines.push(`${colour}: ${c.outputsError ?? "not deployed"}`);
            continue;
        }
        const health = c.health?.healthy ? "healthy" : `UNHEALTHY: ${c.health?.failures.join("; ")}`;
        const missing = c.health?.missing.length ? ` (unreadable: ${c.health.missing.join("; ")})` : "";
        lines.push(`${colour}: release ${c.outputs.releaseVersion}, ${c.outputs.mode}, origin ${c.outputs.gatewayOrigin}, ${health}${missing}`);
    }
    lines.push(status.latest ? `latest switch: ${describeRecord(status.latest)}` : "latest switch: none");
    lines.push(status.holder ? `lock: ${describeHolder(status.holder)}` : "lock: free");
    lines.push(`journal: ${status.journal}`);
    status.problems.forEach(problem => lines.push(`  unreadable, skipped: ${problem}`));
    if (status.mismatch) lines.push(`WARNING: ${status.mismatch}; run \`rollback\` or \`to\` to set them whole`);
    return lines;
}

/** The outcome as one line, and its exit code. */
export function describeOutcome(outcome: Outcome, command: string): { line: string; code: number } {
    switch (outcome.kind) {
        case "completed":
            return { line: `switch ${outcome.switchId} completed`, code: EXIT.ok };
        case "rolled-back":
            return {
                line: `switch ${outcome.switchId} rolled back (${outcome.reason}); traffic fully back ${formatDuration(outcome.durationMs)} after `
                    + (command === "rollback" ? "the request" : "the breach began")
                    + (outcome.journalErrors ? `. The journal could not record it (${outcome.journalErrors.join("; ")}): run \`rollback\` again once the store is writable` : ""),
                code: command === "rollback" ? EXIT.ok : EXIT.rolledBack,
            };
        case "halted":
            return { line: `switch ${outcome.switchId} halted at its current weights: ${outcome.reason}. Run \`resume\` once it is fixed, or \`rollback\``, code: EXIT.stopped };
        case "aborted":
            return { line: `switch ${outcome.switchId} aborted at its current weights; run \`resume\` or \`rollback\``, code: command === "abort" ? EXIT.ok : EXIT.stopped };
        case "rollback-failed":
            return { line: `switch ${outcome.switchId} ROLLBACK FAILED: ${outcome.error}. Traffic may be split: run \`rollback\` again`, code: EXIT.rollbackFailed };
        case "refused":
            return { line: `refused:\n${outcome.reasons.map(r => `  - ${r}`).join("\n")}`, code: EXIT.refused };
    }
}

/** The exact command that puts all traffic back, with the flags that locate the stores. */
export function finishCommand(options: CliOptions): string {
    const flags = ["--store", options.store];
    if (options.trafficDir !== VALUE_FLAGS["--traffic-dir"].default) flags.push("--traffic-dir", options.trafficDir);
    if (options.trafficStack !== VALUE_FLAGS["--traffic-stack"].default) flags.push("--traffic-stack", options.trafficStack);
    return `npm run switch -- rollback ${flags.map(f => (/^[\w./:@-]+$/.test(f) ? f : JSON.stringify(f))).join(" ")}`;
}

type Handler = (commands: SwitchCommands, options: CliOptions, out: (line: string) => void) => Promise<number | Outcome>;

/** One entry per command: a new command is one line in COMMANDS and one handler here. */
export const HANDLERS: Readonly<Record<Exclude<Command, "help">, Handler>> = {
    status: async (commands, _options, out) => {
        statusLines(await statusReport(commands.engine.deps)).forEach(out);
        return EXIT.ok;
    },
    history: async (commands, _options, out) => {
        const { records, problems } = await history(commands.engine.deps);
        (records.length > 0 ? records.map(describeRecord) : ["no switches recorded"]).forEach(out);
        problems.forEach(problem => out(`unreadable, skipped: ${problem}`));
        return EXIT.ok;
    },
    to: async (commands, options, out) => {
        const request = { target: options.target!, steps: options.steps, windowMs: options.windowMs };
        if (!options.dryRun) return commands.switchTo(request);
        const result = await commands.plan(request);
        planLines(result, options).forEach(out);
        return result.refusals.length > 0 ? EXIT.refused : EXIT.ok;
    },
    resume: (commands, options) => commands.resume(options.overrides),
    rollback: (commands, options) => commands.rollback(options.reason),
    abort: commands => commands.abort(),
};

/** Runs one command; resolves with the exit code. Errors come out as lines, never stack traces. */
export async function runCli(argv: readonly string[], io: CliIo, makeDeps: DepsFactory = productionDeps): Promise<number> {
    const out = (line: string) => io.stdout.write(`${line}\n`);
    const err = (line: string) => io.stderr.write(`switch: ${line}\n`);
    // `warm` and `standby` (the colour lifecycle, switch/lifecycleCli.ts) have their own parser.
    const lifecycle = lifecycleCommand(argv, io);
    if (lifecycle) return lifecycle;
    const parsed = parseArgs(argv, io.env);
    if (!parsed.options) {
        err(`invalid arguments:\n${parsed.problems.map(p => `  - ${p}`).join("\n")}`);
        return EXIT.error;
    }
    const options = parsed.options;
    if (options.help) {
        out(usage());
        return EXIT.ok;
    }
    let deps: EngineDeps | undefined;
    let code: number;
    try {
        deps = await makeDeps(options, io, createReporter(io.stdout, io.env));
        const interrupted = deps;
        for (const [signal, exit] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
            io.signals?.once(signal, () => void reportSplit(interrupted, options, err).finally(() => io.signals?.exit(exit)));
        }
        const commands = new SwitchCommands(new SwitchEngine(deps, options.engine), { requestWaitMs: options.requestWaitMs, pollMs: 500 });
        const result = await HANDLERS[options.command as Exclude<Command, "help">](commands, options, out);
        if (typeof result === "number") return result;
        const described = describeOutcome(result, options.command);
        (described.code === EXIT.ok ? out : err)(described.line);
        code = described.code;
    } catch (error) {
        err(`error: ${(error as Error).message.split("\n")[0]}`);
        code = EXIT.error;
    }
    await reportSplit(deps, options, err);
    // The last step report lands before the process ends; each push is bounded, so this is too.
    await deps?.steps?.settle();
    return code;
}

/** Any exit of a command that moves traffic, leaving it split, says so in one line with the command to finish. */
async function reportSplit(deps: EngineDeps | undefined, options: CliOptions, err: (line: string) => void): Promise<void> {
    if (!deps || options.command === "status" || options.command === "history" || options.dryRun) return;
    const weights = await withTimeout(deps.traffic.getWeights(), options.engine.storeTimeoutMs, "the traffic stack").catch(() => undefined);
    if (weights && liveColourOf(weights) === undefined) {
        err(`traffic is split: ${formatWeights(weights)}. To put it all back: ${finishCommand(options)}`);
    }
}

if (require.main === module) {
    runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signals: process })
        .then(code => { process.exitCode = code; });
}
