import { ConfigError } from "../config/validators";
import { estimateMonthlyCost } from "./cost";
import { platformCost, renderPlatformCost } from "./platformCost";
import { maskedOutputs, renderStack } from "./render";
import { REPO_ROOT } from "./stackFiles";
import { committedConfigProblems, evaluateStack, offlineStackNames, StackEvaluation } from "./stacks";
import { crossStackVerdicts, renderVerdicts, stackVerdicts, StackVerdicts } from "./verdicts";

/**
 * `npm run preview:offline -- [stack ...] [--json]`: evaluates stacks under the mock runtime with
 * their committed config (no cloud account, no Pulumi CLI) and prints each stack's resource tree and
 * outputs (secrets masked), its monthly cost and the policy pack's verdicts. Exits 1 when config is
 * invalid, a program throws, or a mandatory policy fails.
 */

interface CliOptions {
    readonly stacks: readonly string[];
    readonly json: boolean;
}

export function parseArgs(argv: readonly string[], root = REPO_ROOT): CliOptions {
    const unknown = argv.filter(arg => arg.startsWith("-") && arg !== "--json");
    if (unknown.length > 0) {
        throw new ConfigError(unknown.map(flag => `${flag}: unknown option (usage: preview:offline [stack ...] [--json])`), "the command line");
    }
    const stacks = argv.filter(arg => !arg.startsWith("-"));
    return { stacks: stacks.length > 0 ? stacks : [...offlineStackNames(root)], json: argv.includes("--json") };
}

/** The one-line reason shown for a failure: our own errors carry their message; others get theirs without a trace. */
function describeFailure(error: unknown): string {
    if (error instanceof Error) {
        return error.message;
    }
    return String(error);
}

/** Evaluates one stack; the tests pass their own to reach the failure paths. */
export type StackEvaluator = (stack: string, cache: Map<string, StackEvaluation>) => Promise<StackEvaluation>;

/** The committed configs' cross-stack invariants, as one failure entry (none when they hold). */
function acrossStacks(root: string): Array<{ stack: string; reason: string }> {
    try {
        const problems = committedConfigProblems(root);
        return problems.length === 0 ? [] : [{ stack: "(across stacks)", reason: new ConfigError(problems, "the stacks' configs together").message }];
    } catch (error) {
        return [{ stack: "(across stacks)", reason: describeFailure(error) }];
    }
}

/**
 * Runs the preview. `root` is the repository whose stack files are read (the tests' corpus uses
 * temporary ones); one stack's failure never stops the others or the report.
 */
export async function main(argv: readonly string[], evaluateOne?: StackEvaluator, root = REPO_ROOT): Promise<number> {
    const evaluator: StackEvaluator = evaluateOne ?? ((stack, cache) => evaluateStack(stack, cache, { root }));
    const options = parseArgs(argv, root);
    const cache = new Map<string, StackEvaluation>();
    const evaluations: StackEvaluation[] = [];
    const verdicts = new Map<StackEvaluation, StackVerdicts>();
    const failures = acrossStacks(root);
    for (const stack of options.stacks) {
        // A failure inside an Output also rejects every registration that used it; those echoes belong to this stack's failure.
        const echoes = (error: unknown) => failures.some(f => f.stack === stack) || failures.push({ stack, reason: describeFailure(error) });
        process.on("unhandledRejection", echoes);
        try {
            const evaluation = await evaluator(stack, cache);
            evaluations.push(evaluation);
            verdicts.set(evaluation, await stackVerdicts(evaluation));
        } catch (error) {
            failures.push({ stack, reason: describeFailure(error) });
        } finally {
            await new Promise(resolve => setImmediate(resolve));
            process.off("unhandledRejection", echoes);
        }
    }
    const crossStack = crossStackVerdicts(evaluations);
    const cost = platformCost(evaluations.map(e => ({ stack: e.stack, project: e.project, resources: e.resources, mode: e.outputs.mode?.value as string | undefined })));
    const blocked = [...verdicts.values()].some(v => v.blocking.length > 0) || (crossStack ?? []).length > 0;
    if (options.json) {
        const report = {
            ok: failures.length === 0 && !blocked,
            stacks: evaluations.map(e => ({
                stack: e.stack,
                project: e.project,
                resources: e.resources.map(r => ({ type: r.type, name: r.name, parent: r.parent, protect: r.protect })),
                outputs: maskedOutputs(e.outputs),
                monthlyCost: estimateMonthlyCost(e.resources),
                placeholderSecrets: e.placeholderSecrets,
                policyViolations: verdicts.get(e)?.violations ?? [],
            })),
            blueGreenViolations: crossStack ?? null,
            platformCost: cost,
            failures,
        };
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
        evaluations.forEach(e => process.stdout.write(`${renderStack(e)}\n\n${renderVerdicts("Policy pack", verdicts.get(e)?.violations ?? []).join("\n")}\n\n`));
        if (crossStack) {
            process.stdout.write(`${renderVerdicts("Blue/green invariants across the stacks", crossStack).join("\n")}\n\n`);
        }
        process.stdout.write(`${renderPlatformCost(cost).join("\n")}\n\n`);
        failures.forEach(f => process.stderr.write(`Stack ${f.stack} failed:\n${f.reason}\n\n`));
        process.stdout.write(`Previewed ${evaluations.length} of ${options.stacks.length} stack(s) offline${failures.length > 0 ? `; ${failures.length} failed` : ""}${blocked ? "; a mandatory policy is violated" : ""}.\n`);
    }
    return failures.length === 0 && !blocked ? 0 : 1;
}

/**
 * A failure inside an Output also surfaces as unhandled rejections (the engine's language host
 * catches those; here nothing would, and Node would crash with a stack trace). The stack's own
 * evaluation already reports it, so each distinct message is printed once at most, without a trace.
 */
function reportStrayFailures(): void {
    const said = new Set<string>();
    const report = (error: unknown) => {
        const message = describeFailure(error);
        if (!said.has(message)) {
            said.add(message);
            process.stderr.write(`(also raised while evaluating) ${message}\n`);
        }
        process.exitCode = 1;
    };
    process.on("unhandledRejection", report);
    process.on("uncaughtException", report);
}

if (require.main === module) {
    reportStrayFailures();
    // BLKOUT_OFFLINE_ROOT points the preview at another checkout's stack files (the corpus tests use temporary ones).
    main(process.argv.slice(2), undefined, process.env.BLKOUT_OFFLINE_ROOT ?? REPO_ROOT).then(
        code => { process.exitCode = code; },
        error => { process.stderr.write(`${describeFailure(error)}\n`); process.exitCode = 1; },
    );
}
