import { PRICES_TABLE } from "../infra/offline/cost";
import { percent, platformCost, STANDBY_COST_TARGET } from "../infra/offline/platformCost";
import { evaluateStack, offlineStackNames, StackEvaluation } from "../infra/offline/stacks";

/**
 * The blue/green premium as `npm run bench` prints it: the offline preview's estimate on the
 * committed configs, each stack's monthly minimum, and the standby colour as a share of the active
 * colour's minimum against the seeds' 20 %.
 */
export async function costFigures(): Promise<Record<string, string>> {
    const cache = new Map<string, StackEvaluation>();
    const stacks: StackEvaluation[] = [];
    for (const stack of offlineStackNames()) {
        stacks.push(await evaluateStack(stack, cache));
    }
    const cost = platformCost(stacks.map(s => ({ stack: s.stack, project: s.project, resources: s.resources, mode: s.outputs.mode?.value as string | undefined })));
    const figures: Record<string, string> = {};
    for (const stack of cost.stacks) {
        figures[`cost: ${stack.stack}${stack.mode ? ` (${stack.mode})` : ""}, own monthly minimum (Spaces subscription apart)`] = `$${stack.ownMinimum.toFixed(0)}`;
    }
    figures["cost: platform total, monthly minimum-maximum"] = `$${cost.total.minimum.toFixed(0)}-$${cost.total.maximum.toFixed(0)} (prices of ${PRICES_TABLE.takenOn})`;
    if (cost.standbyRatio) {
        figures["cost: standby share of an active colour's minimum"] = `${percent(cost.standbyRatio.ratio)} (target ${percent(STANDBY_COST_TARGET)})`;
    }
    return figures;
}
