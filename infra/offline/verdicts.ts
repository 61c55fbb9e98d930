import { isCloudflarePlan } from "../../components/cloudflarePlan";
import { planPolicyConfig } from "../../policies/cloudflarePlan";
import { checkBlueGreen, colourSummary } from "../../policies/crossStack";
import { runPolicies } from "../../policies/harness";
import { blocking } from "../../policies/lib/violation";
import type { PolicyViolation } from "../../policies/lib/violation";
import { fromRecorded } from "../../policies/recorded";
import { secretLeaks } from "../../policies/secrets";
import { outputValues } from "./evaluate";
import { StackEvaluation } from "./stacks";

export type { PolicyViolation };

/** The policy pack's verdicts on one stack, and which of them stop a deployment. */
export interface StackVerdicts {
    readonly violations: readonly PolicyViolation[];
    readonly blocking: readonly PolicyViolation[];
}

/**
 * Runs the whole policy pack over an evaluated stack, the way the engine would at preview. A traffic
 * stack's own `cloudflarePlan` output is the plan the pack checks against (for real, the operator
 * passes it with `--policy-pack-config`).
 */
export async function stackVerdicts(evaluation: StackEvaluation): Promise<StackVerdicts> {
    const known = verdictsOf.get(evaluation);
    if (known) {
        return known;
    }
    const plan = evaluation.outputs.cloudflarePlan?.value;
    const violations = [
        ...await runPolicies(fromRecorded(evaluation.resources), isCloudflarePlan(plan) ? { config: planPolicyConfig(plan) } : {}),
        ...secretLeaks(evaluation.resources, evaluation.outputs),
    ];
    const verdicts = { violations, blocking: blocking(violations) };
    verdictsOf.set(evaluation, verdicts);
    return verdicts;
}

/** An evaluation never changes, so neither do its verdicts (a reused evaluation is judged once). */
const verdictsOf = new WeakMap<StackEvaluation, StackVerdicts>();

/**
 * The blue/green invariants across the evaluated stacks (exactly one data owner, followers follow an
 * existing owner, weight only on active colours). Needs both colours; the traffic stack's weights
 * are added when it was evaluated too.
 */
export function crossStackVerdicts(evaluations: readonly StackEvaluation[]): PolicyViolation[] | undefined {
    const colours = evaluations.filter(e => e.outputs.colour !== undefined && e.outputs.dataRole !== undefined);
    if (colours.length < 2) {
        return undefined;
    }
    const traffic = evaluations.find(e => e.outputs.weights !== undefined);
    const weights = (traffic?.outputs.weights.value ?? {}) as Record<string, unknown>;
    return checkBlueGreen(colours.map(e => {
        const values = outputValues(e.outputs);
        return colourSummary(e.stack, values, weights, typeof values.dataOwnerStack === "string" ? values.dataOwnerStack : undefined);
    }));
}

/** One line per verdict, for the human-readable preview. */
export function renderVerdicts(title: string, violations: readonly PolicyViolation[]): string[] {
    const stopping = blocking(violations);
    const lines = [`  ${title}: ${stopping.length} blocking, ${violations.length - stopping.length} advisory`];
    for (const violation of violations) {
        const level = violation.unknownAtPreview ? `${violation.enforcementLevel}, unknown at preview` : violation.enforcementLevel;
        lines.push(`    [${level}] ${violation.policyName}${violation.resourceName ? ` (${violation.resourceName})` : ""}: ${violation.message}`);
    }
    return lines;
}
