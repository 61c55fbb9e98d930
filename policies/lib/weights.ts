import { isRecord, recordOf, show } from "./resources";

/**
 * Cloudflare holds the traffic split as 0-1 pool weights keyed by pool id; people, config and the
 * seeds speak integer percent. These helpers read a load balancer's weights as percent, for the
 * weight policies and for the change guard's step-size check.
 */

/** How far a float may sit from a whole percent (0.95 comes back as 0.9500000000000001). */
const EPSILON = 1e-6;

/** Pool id -> percent of traffic, as the load balancer's inputs state it. */
export type PoolPercents = Record<string, number>;

/** The load balancer's explicit pool weights as percent (unrounded), keyed by pool id. */
export function poolPercents(loadBalancer: unknown): PoolPercents {
    const weights = recordOf(recordOf(recordOf(loadBalancer).randomSteering).poolWeights);
    return Object.fromEntries(Object.entries(weights).map(([pool, weight]) => [pool, typeof weight === "number" ? weight * 100 : NaN]));
}

/** Everything wrong with a load balancer's split: each weight a whole percent 0-100, the total 100. */
export function weightProblems(loadBalancer: unknown): string[] {
    const steering = recordOf(recordOf(loadBalancer).randomSteering);
    if (!isRecord(steering.poolWeights)) {
        return ["randomSteering.poolWeights is not set, so Cloudflare splits traffic evenly"];
    }
    const problems: string[] = [];
    const percents = poolPercents(loadBalancer);
    for (const [pool, percent] of Object.entries(percents)) {
        if (!(Math.abs(percent - Math.round(percent)) < EPSILON && percent > -EPSILON && percent < 100 + EPSILON)) {
            problems.push(`pool ${pool} has weight ${show(steering.poolWeights[pool])}, not a whole percent between 0 and 1 (0-100 %)`);
        }
    }
    const total = Object.values(percents).reduce((sum, percent) => sum + percent, 0);
    if (problems.length === 0 && Math.abs(total - 100) > EPSILON) {
        problems.push(`the weights add up to ${Math.round(total)} %, not 100 %`);
    }
    if (steering.defaultWeight !== 0) {
        problems.push(`defaultWeight is ${show(steering.defaultWeight)}, so a pool missing from poolWeights would still take traffic`);
    }
    return problems;
}

/** The largest change of any pool's share between two splits, in percent. */
export function largestShift(before: PoolPercents, after: PoolPercents): number {
    const pools = new Set([...Object.keys(before), ...Object.keys(after)]);
    return Math.max(0, ...[...pools].map(pool => Math.abs((after[pool] ?? 0) - (before[pool] ?? 0))));
}
