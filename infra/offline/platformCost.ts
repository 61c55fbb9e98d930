import { CostEstimate, estimateMonthlyCost, PRICES_TABLE, PriceTable } from "./cost";
import { RecordedResource } from "./mockRuntime";

/**
 * The whole platform's monthly estimate: each colour, the traffic stack and the total, with the
 * standby colour's cost as a share of an active colour's minimum against the seeds' target (the
 * blue/green premium under 20 %). Account-wide items (the Spaces subscription) are counted once in
 * the total and not charged to the standby colour: the active colour pays them anyway.
 */

/** The seeds' ceiling on what a standby colour may cost, as a share of an active colour at its minimum. */
export const STANDBY_COST_TARGET = 0.2;

export interface StackInput {
    readonly stack: string;
    readonly project: string;
    /** The colour stack's `mode` output (`active` or `standby`); undefined for the traffic stack. */
    readonly mode?: string;
    readonly resources: readonly RecordedResource[];
}

export interface StackCost {
    readonly stack: string;
    readonly mode?: string;
    readonly estimate: CostEstimate;
    /** The stack's own minimum and maximum, without account-wide items. */
    readonly ownMinimum: number;
    readonly ownMaximum: number;
}

export interface PlatformCost {
    readonly stacks: readonly StackCost[];
    readonly accountMonthly: number;
    readonly total: { readonly minimum: number; readonly maximum: number };
    /** Standby's own minimum over the active colour's minimum (as it would cost on its own). */
    readonly standbyRatio?: { readonly standby: string; readonly active: string; readonly ratio: number; readonly withinTarget: boolean };
    readonly unpriced: readonly string[];
    readonly pricesTakenOn: string;
}

export function platformCost(stacks: readonly StackInput[], prices: PriceTable = PRICES_TABLE): PlatformCost {
    const costs = stacks.map((s): StackCost => {
        const estimate = estimateMonthlyCost(s.resources, prices);
        const own = estimate.lines.filter(l => !l.account);
        return {
            stack: s.stack, mode: s.mode, estimate,
            ownMinimum: own.reduce((sum, l) => sum + l.minimum, 0),
            ownMaximum: own.reduce((sum, l) => sum + l.maximum, 0),
        };
    });
    const accountItems = new Map(costs.flatMap(c => c.estimate.lines.filter(l => l.account)).map(l => [l.item, l.minimum]));
    const accountMonthly = [...accountItems.values()].reduce((sum, amount) => sum + amount, 0);
    const active = costs.filter(c => c.mode === "active").sort((a, b) => a.estimate.minimum - b.estimate.minimum)[0];
    const standby = costs.filter(c => c.mode === "standby").sort((a, b) => b.ownMinimum - a.ownMinimum)[0];
    const ratio = active && standby && active.estimate.minimum > 0 ? standby.ownMinimum / active.estimate.minimum : undefined;
    return {
        stacks: costs,
        accountMonthly,
        total: {
            minimum: costs.reduce((sum, c) => sum + c.ownMinimum, accountMonthly),
            maximum: costs.reduce((sum, c) => sum + c.ownMaximum, accountMonthly),
        },
        standbyRatio: ratio === undefined ? undefined : { standby: standby.stack, active: active.stack, ratio, withinTarget: ratio <= STANDBY_COST_TARGET + 1e-9 },
        unpriced: costs.flatMap(c => c.estimate.unpriced.map(u => `${c.stack}: ${u}`)),
        pricesTakenOn: prices.takenOn,
    };
}

const dollars = (amount: number) => `$${amount.toFixed(0)}`;
const range = (min: number, max: number) => (min === max ? dollars(min) : `${dollars(min)}-${dollars(max)}`);
export const percent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;

/** The platform summary as lines, for the offline preview and `npm run bench`. */
export function renderPlatformCost(cost: PlatformCost): string[] {
    const lines = [
        `Monthly cost of the platform (list prices of ${cost.pricesTakenOn}, USD, before bandwidth and storage):`,
        ...cost.stacks.map(c => `  ${range(c.ownMinimum, c.ownMaximum).padStart(11)}  ${c.stack}${c.mode ? ` (${c.mode})` : ""}`),
        ...(cost.accountMonthly > 0 ? [`  ${dollars(cost.accountMonthly).padStart(11)}  account-wide (Spaces subscription, once)`] : []),
        `  ${range(cost.total.minimum, cost.total.maximum).padStart(11)}  total`,
    ];
    if (cost.standbyRatio) {
        const r = cost.standbyRatio;
        lines.push(`  standby ${r.standby} costs ${percent(r.ratio)} of active ${r.active} at its minimum: `
            + `${r.withinTarget ? "within" : "OVER"} the ${percent(STANDBY_COST_TARGET)} target`);
    }
    if (cost.unpriced.length > 0) {
        lines.push(`  not priced (size missing from infra/offline/prices.json): ${cost.unpriced.join(", ")}`);
    }
    return lines;
}
