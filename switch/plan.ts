import { Colour, COLOURS } from "../components/platformNames";
import { ColourWeights } from "../contracts/weights";

export type { Colour };

/** Percent of traffic per colour: the one contract the traffic stack, the switch and its journal share. */
export type Weights = ColourWeights;

/** The seeds' canary steps: 0 -> 5 -> 20 -> 50 -> 100. */
export const DEFAULT_STEPS: readonly number[] = Object.freeze([5, 20, 50, 100]);

export interface PlanStep {
    /** 0-based position in the plan. */
    readonly index: number;
    /** Percent of traffic on the target colour at this step. */
    readonly share: number;
    readonly weights: Weights;
}

export interface SwitchPlan {
    readonly from: Colour;
    readonly to: Colour;
    readonly steps: readonly PlanStep[];
    /** All traffic back on `from`, in one update. */
    readonly rollbackWeights: Weights;
    /** How long each step is observed before the next. */
    readonly windowMs: number;
}

export function otherColour(colour: Colour): Colour {
    return colour === "blue" ? "green" : "blue";
}

export function isColour(value: unknown): value is Colour {
    return typeof value === "string" && (COLOURS as readonly string[]).includes(value);
}

export function weightsFor(target: Colour, share: number): Weights {
    return { [target]: share, [otherColour(target)]: 100 - share } as Record<Colour, number>;
}

export function sameWeights(a: Weights, b: Weights): boolean {
    return COLOURS.every(colour => a[colour] === b[colour]);
}

/** The colour holding all the traffic, or undefined while it is split. */
export function liveColourOf(weights: Weights): Colour | undefined {
    return COLOURS.find(colour => weights[colour] === 100 && weights[otherColour(colour)] === 0);
}

export function formatWeights(weights: Weights): string {
    return COLOURS.map(colour => `${colour} ${weights[colour]}`).join(" / ");
}

/** Problems with a colour argument, naming the key. */
export function colourProblems(key: string, value: string | undefined): string[] {
    if (value === undefined || value === "") {
        return [`${key}: expected a colour (${COLOURS.join(" or ")}), got nothing`];
    }
    return isColour(value) ? [] : [`${key}: expected ${COLOURS.join(" or ")}, got ${JSON.stringify(value)}`];
}

/** Steps as typed on the command line ("5,20,50,100"), with every problem found. */
export function parseSteps(key: string, raw: string): { steps: number[]; problems: string[] } {
    const parts = raw.split(",").map(part => part.trim());
    if (raw.trim() === "") {
        return { steps: [], problems: [`${key}: expected comma-separated percentages like 5,20,50,100, got an empty list`] };
    }
    const problems: string[] = [];
    const steps: number[] = [];
    parts.forEach((part, i) => {
        const value = /^\d+$/.test(part) ? Number(part) : NaN;
        if (Number.isNaN(value)) {
            problems.push(`${key}[${i}]: expected an integer percentage 1-100, got ${JSON.stringify(part)}`);
        } else {
            steps.push(value);
        }
    });
    return problems.length > 0 ? { steps, problems } : { steps, problems: stepProblems(key, steps) };
}

/**
 * Steps must climb strictly to exactly 100. `maxStepShare` is the traffic stack's ceiling on how
 * many points one update may move forward; a rollback is exempt because it must be one update.
 */
export function stepProblems(key: string, steps: readonly number[], maxStepShare?: number): string[] {
    if (steps.length === 0) {
        return [`${key}: expected at least one step ending at 100, got an empty list`];
    }
    const problems: string[] = [];
    steps.forEach((step, i) => {
        if (!Number.isInteger(step) || step < 1 || step > 100) {
            problems.push(`${key}[${i}]: expected an integer percentage 1-100, got ${step}`);
        }
        if (i > 0 && step <= steps[i - 1]) {
            problems.push(`${key}[${i}]: expected steps to increase, got ${step} after ${steps[i - 1]}`);
        }
        const moved = step - (i > 0 ? steps[i - 1] : 0);
        if (maxStepShare !== undefined && moved > maxStepShare) {
            problems.push(`${key}[${i}]: moves ${moved} points, more than the traffic stack's maxStepShare ${maxStepShare}`);
        }
    });
    if (steps[steps.length - 1] !== 100) {
        problems.push(`${key}: expected the last step to be 100, got ${steps[steps.length - 1]}`);
    }
    return problems;
}

export function buildPlan(from: Colour, to: Colour, steps: readonly number[], windowMs: number): SwitchPlan {
    return {
        from,
        to,
        steps: steps.map((share, index) => ({ index, share, weights: weightsFor(to, share) })),
        rollbackWeights: weightsFor(from, 100),
        windowMs,
    };
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "60s", "2m", "1500ms", "1.5s"; a bare number is seconds. */
export function parseDuration(key: string, raw: string): { ms?: number; problem?: string } {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
    if (!match) {
        return { problem: `${key}: expected a duration like 60s, 2m or 1500ms, got ${JSON.stringify(raw)}` };
    }
    return { ms: Math.round(Number(match[1]) * UNITS[match[2] ?? "s"]) };
}

export function formatDuration(ms: number): string {
    if (ms < 1000) {
        return `${Math.round(ms)} ms`;
    }
    const seconds = ms / 1000;
    if (seconds < 120) {
        return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
    }
    return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
