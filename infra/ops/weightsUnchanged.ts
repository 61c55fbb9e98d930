import { readFileSync } from "fs";
import { parsePreviewText, plannedSteps, PlannedStep } from "../../policies/lib/plan";
import { TYPES } from "../../policies/lib/resources";
import { poolPercents } from "../../policies/lib/weights";

/**
 * The deploy workflow's proof that a deploy does not move traffic: every planned change to the
 * Cloudflare load balancer must keep each pool's weight. Moving weights is the switch tool's job,
 * gated step by step; a deploy that re-applied stale committed weights would skip every gate.
 * Creating the load balancer (the first deploy) is not a move. Unknown weights are refused: the
 * size of the change cannot be shown.
 */
/** The engine's placeholder for a value unknown at preview time. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function weightChanges(document: unknown): string[] {
    return plannedSteps(document)
        .filter((step): step is PlannedStep & Required<Pick<PlannedStep, "old" | "new">> =>
            step.type === TYPES.loadBalancer && step.old !== undefined && step.new !== undefined && step.op !== "same")
        .flatMap(step => {
            if (JSON.stringify(step.new.inputs.randomSteering ?? null).includes(UNKNOWN)) {
                return [`${step.urn}: the new weights are unknown at preview, so they cannot be shown to be unchanged`];
            }
            const before = poolPercents(step.old.inputs);
            const after = poolPercents(step.new.inputs);
            const pools = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
            return pools
                .filter(pool => !(Math.abs((before[pool] ?? 0) - (after[pool] ?? 0)) < 1e-6))
                .map(pool => `${step.urn}: pool ${pool} would go from ${describe(before[pool])} to ${describe(after[pool])}`);
        });
}

function describe(percent: number | undefined): string {
    return percent === undefined ? "absent" : Number.isNaN(percent) ? "an unknown weight" : `${Math.round(percent)} %`;
}

if (require.main === module) {
    try {
        const changes = weightChanges(parsePreviewText(readFileSync(process.argv[2] ?? 0, "utf8")));
        if (changes.length > 0) {
            process.stderr.write(`a deploy must not move traffic (run the switch instead):\n${changes.map(c => `  - ${c}`).join("\n")}\n`);
            process.exitCode = 1;
        } else {
            process.stdout.write("traffic weights unchanged by this deploy\n");
        }
    } catch (error) {
        process.stderr.write(`${(error as Error).message}\n`);
        process.exitCode = 2;
    }
}
