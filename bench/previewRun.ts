import { evaluateStack, offlineStackNames, StackEvaluation } from "../infra/offline/stacks";
import { stackVerdicts } from "../infra/offline/verdicts";

/**
 * One offline preview's work in a fresh process, for `npm run bench`: each stack evaluated and run
 * through the policy pack, as `npm run preview:offline` does. Prints the time after module loading
 * and the process's peak resident memory as one JSON line.
 */
async function run(stacks: readonly string[]): Promise<void> {
    const started = process.hrtime.bigint();
    const cache = new Map<string, StackEvaluation>();
    let resources = 0;
    for (const stack of stacks) {
        const evaluation = await evaluateStack(stack, cache);
        await stackVerdicts(evaluation);
        resources += evaluation.resources.length;
    }
    const evaluationMs = Number(process.hrtime.bigint() - started) / 1e6;
    process.stdout.write(`${JSON.stringify({ stacks, resources, evaluationMs, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

const requested = process.argv.slice(2);
run(requested.length > 0 ? requested : offlineStackNames()).catch(error => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
});
