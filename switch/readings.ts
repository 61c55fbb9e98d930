import { Sample, Verdict } from "./gates";
import { HealthSource } from "./health";
import { GateReading } from "./journal";
import { MetricsSource } from "./metrics";
import { Colour } from "./plan";

/**
 * What counts as a measurement, apart from how it was queried: an error rate is a finite number in
 * 0-1, a p95 a finite number of milliseconds of at least 0. Anything else (no series, NaN from 0/0,
 * +Inf from a quantile past the top bucket, a negative rate from a counter reset) is missing data:
 * it holds the switch and, past the grace period, halts it. It is never read as "healthy".
 */
export function readingProblems(reading: { readonly errorRate?: unknown; readonly p95Ms?: unknown }): string[] {
    const problems: string[] = [];
    const check = (name: string, value: unknown, max: number) => {
        if (value === undefined || value === null) {
            problems.push(`${name}: no data (empty answer)`);
        } else if (typeof value !== "number" || Number.isNaN(value)) {
            problems.push(`${name}: not a number (${String(value)})`);
        } else if (!Number.isFinite(value)) {
            problems.push(`${name}: infinite (${value})`);
        } else if (value < 0 || value > max) {
            problems.push(`${name}: impossible value ${value}`);
        }
    };
    check("error rate", reading.errorRate, 1);
    check("p95", reading.p95Ms, Number.MAX_SAFE_INTEGER);
    return problems;
}

/** Health and metrics of one colour, read together; a source that fails or answers garbage is recorded as missing. */
export async function sampleColour(colour: Colour, health: HealthSource, metrics: MetricsSource, at: () => number): Promise<Sample> {
    const [healthReading, metricsReading] = await Promise.all([
        health.check(colour),
        metrics.sample(colour).then(reading => ({ reading, problems: readingProblems(reading) }), (err: Error) => ({ reading: undefined, problems: [err.message] })),
    ]);
    const valid = metricsReading.problems.length === 0;
    return {
        at: at(),
        colour,
        healthy: healthReading.healthy,
        healthFailures: healthReading.failures,
        errorRate: valid ? metricsReading.reading?.errorRate : undefined,
        p95Ms: valid ? metricsReading.reading?.p95Ms : undefined,
        missing: [...healthReading.missing, ...(valid ? [] : [`${metrics.name}: ${metricsReading.problems.join("; ")}`])],
    };
}

/** A verdict as the journal's gate entry words it. */
export function describeVerdict(verdict: Verdict): string {
    switch (verdict.kind) {
        case "ok":
            return "all gates pass";
        case "watch":
            return verdict.reasons.join("; ");
        default:
            return verdict.reason;
    }
}

/** One sample as the journal keeps it. */
export function toReading(sample: Sample): GateReading {
    return {
        colour: sample.colour, healthy: sample.healthy, errorRate: sample.errorRate, p95Ms: sample.p95Ms,
        detail: [...sample.healthFailures, ...sample.missing],
    };
}
