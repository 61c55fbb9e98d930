import type { Severity } from "@pulumi/policy";
import { ColourMode, COLOUR_MODES } from "../contracts/colourOutputs";
import { PolicyViolation } from "./lib/violation";

/**
 * Blue/green invariants over every stack at once, which no single stack's policy run can see. The
 * offline preview and the switch tool build one summary per colour from the stacks' config and
 * outputs (and the traffic stack's weights) and call `checkBlueGreen` before acting.
 */

/** One colour stack, as its config/outputs and the traffic stack describe it. */
export interface ColourStackSummary {
    /** The stack's name, short (`blue`) or fully qualified (`organization/blkout-platform/blue`). */
    readonly stack: string;
    readonly colour: string;
    readonly mode: ColourMode;
    readonly dataRole: "owner" | "follower" | "candidate";
    /** For a follower: the stack it takes its data from. */
    readonly ownerStack?: string;
    /** Percent of traffic the traffic stack sends to this colour (0 when absent). */
    readonly weight?: number;
}

/**
 * A colour's summary from its stack outputs (`colour`, `mode`, `dataRole`), the traffic stack's
 * `weights` output (percent per colour) and, for a follower, its owner stack (config
 * `data.ownerStack`). Throws one error naming every missing or malformed output.
 */
export function colourSummary(stack: string, outputs: Readonly<Record<string, unknown>>, weights: Readonly<Record<string, unknown>> = {}, ownerStack?: string): ColourStackSummary {
    const problems = [
        ...(typeof outputs.colour === "string" && outputs.colour !== "" ? [] : [`output colour: expected a colour name, got ${JSON.stringify(outputs.colour)}`]),
        ...((COLOUR_MODES as readonly unknown[]).includes(outputs.mode) ? [] : [`output mode: expected "active" or "standby", got ${JSON.stringify(outputs.mode)}`]),
        ...(["owner", "follower", "candidate"].includes(outputs.dataRole as string) ? [] : [`output dataRole: expected "owner", "follower" or "candidate", got ${JSON.stringify(outputs.dataRole)}`]),
    ];
    const weight = weights[String(outputs.colour)];
    if (weight !== undefined && !(Number.isInteger(weight) && (weight as number) >= 0 && (weight as number) <= 100)) {
        problems.push(`traffic output weights.${String(outputs.colour)}: expected an integer 0-100, got ${JSON.stringify(weight)}`);
    }
    if (problems.length > 0) {
        throw new Error(`stack ${stack} cannot be summarised for the blue/green checks:\n${problems.map(problem => `  - ${problem}`).join("\n")}`);
    }
    return {
        stack,
        colour: outputs.colour as string,
        mode: outputs.mode as ColourStackSummary["mode"],
        dataRole: outputs.dataRole as ColourStackSummary["dataRole"],
        ...(ownerStack !== undefined ? { ownerStack } : {}),
        ...(weight !== undefined ? { weight: weight as number } : {}),
    };
}

function violation(policyName: string, severity: Severity, message: string, stack?: string): PolicyViolation {
    return { policyName, severity, enforcementLevel: "mandatory", message, ...(stack ? { stack } : {}) };
}

/** `organization/blkout-platform/blue` names the same stack as `blue`. */
function sameStack(a: string, b: string): boolean {
    return a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);
}

/**
 * Every broken invariant among the colour stacks. With `previous` (the summaries before the change),
 * a colour that carries traffic and is being moved to standby is reported as such; without it, the
 * same state is reported as weight on a standby colour.
 */
export function checkBlueGreen(
    summaries: readonly ColourStackSummary[],
    previous: readonly ColourStackSummary[] = [],
): PolicyViolation[] {
    const violations: PolicyViolation[] = [];
    const owners = summaries.filter(summary => summary.dataRole === "owner");
    if (owners.length !== 1) {
        const who = owners.length === 0 ? "no colour owns" : `${owners.map(owner => owner.colour).join(" and ")} each own`;
        violations.push(violation("exactly-one-data-owner", "critical",
            `${who} the data; exactly one colour must. Fix: make one stack data.role owner and the other a follower of it.`));
    }
    // A candidate follows the owner like a follower does until a cutover makes it the owner.
    for (const follower of summaries.filter(summary => summary.dataRole !== "owner")) {
        const owner = follower.ownerStack === undefined ? undefined : summaries.find(summary => sameStack(summary.stack, follower.ownerStack as string));
        if (owner === undefined || owner.dataRole !== "owner") {
            const what = follower.ownerStack === undefined ? "names no owner stack" : `follows "${follower.ownerStack}", which ${owner ? "is not an owner" : "does not exist"}`;
            violations.push(violation("follower-references-owner", "critical",
                `${follower.colour} ${what}. Fix: set data.ownerStack to the stack that owns the data.`, follower.stack));
        }
    }
    for (const summary of summaries.filter(candidate => (candidate.weight ?? 0) > 0 && candidate.mode !== "active")) {
        const before = previous.find(candidate => candidate.colour === summary.colour);
        const goingStandby = before !== undefined && before.mode === "active";
        const weightChanged = before === undefined || (before.weight ?? 0) !== summary.weight;
        if (goingStandby) {
            violations.push(violation("weighted-colour-stays-active", "critical",
                `${summary.colour} carries ${summary.weight} % of traffic and cannot go to standby. Fix: move its traffic to the other colour first.`, summary.stack));
        }
        if (weightChanged || !goingStandby) {
            violations.push(violation("weight-only-to-active-colours", "critical",
                `${summary.weight} % of traffic would go to ${summary.colour}, which is in standby. Fix: make it active and warm it up first, or give it weight 0.`, summary.stack));
        }
    }
    return violations;
}
