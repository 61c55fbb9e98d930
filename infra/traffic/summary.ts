import { Colour, COLOURS } from "../../components/platformNames";
import { describeValue } from "../config/validators";
import { ColourSummary } from "./stack";
import { ColourWeights, weightProblems } from "../../contracts/weights";

/** One colour's line in a traffic preview: the share it would get and what it runs. */
export interface TrafficSummaryRow {
    readonly colour: Colour;
    /** Percent of traffic the config asks for. */
    readonly weight: number;
    /** Percent read back from the load balancer (equal to `weight` once an update has taken). */
    readonly appliedWeight: number;
    readonly fallback: boolean;
    readonly releaseVersion?: string;
    readonly mode?: string;
}

function weightsOutput(outputs: Readonly<Record<string, unknown>>, key: string): ColourWeights {
    const problems = weightProblems(outputs[key]);
    if (problems.length > 0) {
        throw new Error(`traffic stack output ${key}: ${problems.map(p => p.message).join("; ")}`);
    }
    return outputs[key] as ColourWeights;
}

/**
 * The weights each colour gets, from the traffic stack's resolved outputs (plain values, e.g. each
 * `evaluation.outputs[key].value`), for the offline preview to print.
 */
export function trafficSummary(outputs: Readonly<Record<string, unknown>>): TrafficSummaryRow[] {
    const weights = weightsOutput(outputs, "weights");
    const applied = weightsOutput(outputs, "appliedWeights");
    if (!(COLOURS as readonly unknown[]).includes(outputs.fallbackColour)) {
        throw new Error(`traffic stack output fallbackColour: expected blue or green, got ${describeValue(outputs.fallbackColour)}`);
    }
    const colours = (outputs.colours ?? {}) as Partial<Record<Colour, ColourSummary>>;
    return COLOURS.map(colour => ({
        colour,
        weight: weights[colour],
        appliedWeight: applied[colour],
        fallback: outputs.fallbackColour === colour,
        ...(colours[colour] ? { releaseVersion: colours[colour].releaseVersion, mode: colours[colour].mode } : {}),
    }));
}

/** One line per colour, e.g. `blue   95 %  release 2026.11.3, active, fallback pool`. */
export function formatTrafficSummary(rows: readonly TrafficSummaryRow[]): string[] {
    return rows.map(row => {
        const notes = [
            row.releaseVersion ? `release ${row.releaseVersion}` : undefined,
            row.mode,
            row.fallback ? "fallback pool" : undefined,
            row.appliedWeight !== row.weight ? `load balancer reports ${row.appliedWeight} %` : undefined,
        ].filter((note): note is string => note !== undefined);
        return `${row.colour.padEnd(6)} ${String(row.weight).padStart(3)} %${notes.length > 0 ? `  ${notes.join(", ")}` : ""}`;
    });
}
