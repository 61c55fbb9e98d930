import { COLOURS } from "../components/platformNames";
import { PlanResult, StatusReport, SwitchCommands } from "./commands";
import { EngineDeps, Outcome, SwitchEngine } from "./engine";
import { Thresholds } from "./gates";
import { formatDuration, formatWeights } from "./plan";
import { describeHolder } from "./preflight";
import { describeRecord } from "./record";
import { lifecycleCommand } from "./lifecycleCli";
import { createReporter, Reporter } from "./reporter";
import { CliOptions, parseArgs, usage } from "./settings";
import { CliIo, productionDeps } from "./wiring";

export type DepsFactory = (options: CliOptions, io: CliIo, reporter: Reporter) => Promise<EngineDeps>;

/** Exit codes, also listed in `usage()`. */
export const EXIT = { ok: 0, error: 1, refused: 2, rolledBack: 3, stopped: 4, rollbackFailed: 5 } as const;

export function describeThresholds(t: Thresholds, intervalMs: number): string {
    return `health failing > ${formatDuration(t.healthFailingMs)}, error rate > ${t.errorRate * 100} % for ${formatDuration(t.errorRateWindowMs)}, `
        + `p95 > ${t.p95Ms} ms for ${formatDuration(t.p95WindowMs)} roll back; metrics missing > ${formatDuration(t.metricsMissingMs)} halts; `
        + `sampled every ${formatDuration(intervalMs)}`;
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
                    + (command === "rollback" ? "the request" : "the breach began"),
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
    if (options.command === "help") {
        out(usage());
        return EXIT.ok;
    }
    try {
        const deps = await makeDeps(options, io, createReporter(io.stdout, io.env));
        const commands = new SwitchCommands(new SwitchEngine(deps, options.engine), { requestWaitMs: options.requestWaitMs, pollMs: 500 });
        const request = { target: options.target!, steps: options.steps, windowMs: options.windowMs };
        switch (options.command) {
            case "status":
                statusLines(await commands.status()).forEach(out);
                return EXIT.ok;
            case "history": {
                const records = await commands.history();
                (records.length > 0 ? records.map(describeRecord) : ["no switches recorded"]).forEach(out);
                return EXIT.ok;
            }
            case "to":
                if (options.dryRun) {
                    const result = await commands.plan(request);
                    planLines(result, options).forEach(out);
                    return result.refusals.length > 0 ? EXIT.refused : EXIT.ok;
                }
                return report(await commands.switchTo(request));
            case "resume":
                return report(await commands.resume());
            case "rollback":
                return report(await commands.rollback(options.reason));
            case "abort":
                return report(await commands.abort());
        }
    } catch (error) {
        err(`error: ${(error as Error).message}`);
        return EXIT.error;
    }

    function report(outcome: Outcome): number {
        const { line, code } = describeOutcome(outcome, options.command);
        (code === EXIT.ok ? out : err)(line);
        return code;
    }
}

if (require.main === module) {
    runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() })
        .then(code => { process.exitCode = code; });
}
