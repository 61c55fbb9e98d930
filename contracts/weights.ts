import { Colour, COLOURS, recordOf } from "../components/platformNames";
import { describeValue } from "./describe";

/**
 * The traffic split as people and config write it (integer percent per colour, summing to 100) and
 * as Cloudflare holds it (0-1 pool weights keyed by pool id), with the conversions between them.
 */

/** Percent of traffic per colour: integers 0-100 summing to 100. */
export type ColourWeights = Readonly<Record<Colour, number>>;

/** Pool id per colour. */
export type ColourPoolIds = Readonly<Record<Colour, string>>;

/** A problem found in a value, at a key path relative to that value. */
export interface Problem {
    readonly path: readonly string[];
    readonly message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Everything wrong with a weights value, every problem at once; the sum is checked once each weight is valid. */
export function weightProblems(value: unknown): Problem[] {
    if (!isRecord(value)) {
        return [{ path: [], message: `expected a mapping { blue, green } of integer percentages, got ${describeValue(value)}` }];
    }
    const problems: Problem[] = Object.keys(value)
        .filter(key => !(COLOURS as readonly string[]).includes(key))
        .map(key => ({ path: [key], message: `unknown colour (expected ${COLOURS.join(" or ")})` }));
    const invalid = COLOURS.filter(colour => {
        const weight = value[colour];
        return !(Number.isInteger(weight) && (weight as number) >= 0 && (weight as number) <= 100);
    });
    problems.push(...invalid.map(colour => ({ path: [colour], message: `expected an integer 0-100, got ${describeValue(value[colour])}` })));
    if (invalid.length === 0) {
        const sum = COLOURS.reduce((total, colour) => total + (value[colour] as number), 0);
        if (sum !== 100) {
            problems.push({ path: [], message: `must sum to 100, got ${sum}` });
        }
    }
    return problems;
}

/** Cloudflare's `randomSteering.poolWeights`: each colour's share as a 0-1 decimal, keyed by its pool id. */
export function toCloudflareWeights(weights: ColourWeights, poolIds: ColourPoolIds): Record<string, number> {
    return Object.fromEntries(COLOURS.map(colour => [poolIds[colour], weights[colour] / 100]));
}

/**
 * Reads Cloudflare's pool weights back as integer percentages. Cloudflare's weights are relative
 * (a pool's share is its weight over the sum), a pool it does not list gets `defaultWeight`, and
 * floats drift (0.95 may come back as 0.9500000000000001), so shares are normalised and rounded by
 * largest remainder: the result always sums to 100 unless every weight is zero.
 */
export function fromCloudflareWeights(
    poolWeights: Readonly<Record<string, number>> | undefined,
    poolIds: ColourPoolIds,
    defaultWeight = 1,
): ColourWeights {
    const raw = COLOURS.map(colour => Math.max(0, poolWeights?.[poolIds[colour]] ?? defaultWeight));
    const total = raw.reduce((sum, weight) => sum + weight, 0);
    const exact = raw.map(weight => (total === 0 ? 0 : (weight / total) * 100));
    const shares = exact.map(Math.floor);
    // The floors fall short of 100 by less than one per colour, so one pass hands out the rest.
    let left = total === 0 ? 0 : 100 - shares.reduce((sum, share) => sum + share, 0);
    const byRemainder = exact.map((value, index) => ({ index, remainder: value - shares[index] }))
        .sort((a, b) => b.remainder - a.remainder);
    for (const { index } of byRemainder) {
        if (left > 0) {
            shares[index] += 1;
            left -= 1;
        }
    }
    return recordOf(COLOURS, colour => shares[COLOURS.indexOf(colour)]);
}

/**
 * The pool Cloudflare uses when every pool is unhealthy: the colour with the larger weight, because
 * it is the one serving most visitors; on a tie (the 50 % canary step) the colour that was live
 * before the switch began, the one known to be good.
 */
export function fallbackColour(weights: ColourWeights, liveColour: Colour): Colour {
    const [first, second] = COLOURS;
    if (weights[first] === weights[second]) {
        return liveColour;
    }
    return weights[first] > weights[second] ? first : second;
}

export function formatWeights(weights: ColourWeights): string {
    return COLOURS.map(colour => `${colour} ${weights[colour]}`).join(" / ");
}

/** Why the weights Cloudflare reports differ from the ones requested, or undefined when they match. */
export function weightsMismatch(requested: ColourWeights, applied: ColourWeights): string | undefined {
    if (COLOURS.every(colour => requested[colour] === applied[colour])) {
        return undefined;
    }
    return `the load balancer's weights did not take: requested ${formatWeights(requested)}, `
        + `Cloudflare reports ${formatWeights(applied)}. Treat this step as failed and run the update again `
        + "(the Cloudflare provider has reset pool weights on update before).";
}
