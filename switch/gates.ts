import { COLOURS } from "../components/platformNames";
import { Colour, formatDuration } from "./plan";

/** The seeds' rollback triggers, as numbers the CLI can override (tests scale them down). */
export interface Thresholds {
    /** Health failing for longer than this rolls back. @default 30000 (seed: > 30 s) */
    readonly healthFailingMs: number;
    /** Error rate (0-1) above this is a breach. @default 0.05 (seed: > 5 %) */
    readonly errorRate: number;
    /** @default 120000 (seed: for > 2 min) */
    readonly errorRateWindowMs: number;
    /** p95 latency above this is a breach. @default 2000 (seed: > 2000 ms) */
    readonly p95Ms: number;
    /** The seeds say "sustained" without a figure; one minute, half the error-rate window. @default 60000 */
    readonly p95WindowMs: number;
    /** Metrics unreadable for longer than this halts the switch (fail safe). @default 30000 */
    readonly metricsMissingMs: number;
    /**
     * A breach is judged over its window: the signal must be bad in at least this fraction of the
     * samples since the breach began, so flapping cannot hide a sustained problem and one clean
     * sample does not reset it, while a lone blip still cannot last the window. @default 0.8
     */
    readonly breachFraction: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({
    healthFailingMs: 30_000,
    errorRate: 0.05,
    errorRateWindowMs: 120_000,
    p95Ms: 2000,
    p95WindowMs: 60_000,
    metricsMissingMs: 30_000,
    breachFraction: 0.8,
});

/**
 * One observation of one colour. `errorRate`/`p95Ms`: a number, `undefined` when the source could
 * not be read or answered something that is not a measurement (empty, NaN, infinite, impossible).
 * `null` is kept for old journals' readings only.
 */
export interface Sample {
    /** Monotonic time (Clock.monotonic), never wall time: a clock step must not stretch or shrink a breach. */
    readonly at: number;
    readonly colour: Colour;
    readonly healthy: boolean;
    /** Why it is unhealthy (probe path and answer, pool regions). */
    readonly healthFailures: readonly string[];
    readonly errorRate: number | null | undefined;
    readonly p95Ms: number | null | undefined;
    /** Sources that could not be read, with their error. */
    readonly missing: readonly string[];
}

export type Signal = "health" | "errorRate" | "p95";

export type Verdict =
    | { readonly kind: "ok" }
    /** Not good enough to advance, not bad enough to act: hold and keep observing. */
    | { readonly kind: "watch"; readonly reasons: readonly string[] }
    | { readonly kind: "halt"; readonly reason: string }
    | { readonly kind: "rollback"; readonly reason: string; readonly colour: Colour; readonly signal: Signal; readonly breachStartedAt: number };

interface Breach {
    readonly signal: Signal;
    readonly colour: Colour;
    readonly since: number;
    readonly sustained: boolean;
    readonly describe: string;
}

interface SignalRule {
    readonly signal: Signal;
    readonly windowMs: (t: Thresholds) => number;
    /** true: breaching, false: fine, undefined: this sample says nothing about the signal. */
    readonly breached: (s: Sample, t: Thresholds) => boolean | undefined;
    readonly describe: (s: Sample, t: Thresholds) => string;
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;

const RULES: readonly SignalRule[] = [
    {
        signal: "health",
        windowMs: t => t.healthFailingMs,
        breached: s => !s.healthy,
        describe: s => `health failing (${s.healthFailures.join("; ") || "no detail"})`,
    },
    {
        signal: "errorRate",
        windowMs: t => t.errorRateWindowMs,
        breached: (s, t) => (typeof s.errorRate === "number" ? s.errorRate > t.errorRate : undefined),
        describe: (s, t) => `error rate ${percent(s.errorRate ?? 0)} above ${percent(t.errorRate)}`,
    },
    {
        signal: "p95",
        windowMs: t => t.p95WindowMs,
        breached: (s, t) => (typeof s.p95Ms === "number" ? s.p95Ms > t.p95Ms : undefined),
        describe: (s, t) => `p95 ${Math.round(s.p95Ms ?? 0)} ms above ${t.p95Ms} ms`,
    },
];

/**
 * The breach still going on at the newest sample, judged over a window rather than as an unbroken
 * run: it began at the oldest bad sample from which at least `fraction` of the samples to the newest
 * are bad. Samples for which `test` has no opinion (no reading) count neither way. Pure, exported for
 * the boundary tests.
 */
export function breachSpan(samples: readonly Sample[], test: (s: Sample) => boolean | undefined, fraction: number): { since: number; last: Sample; lastBad: Sample } | undefined {
    let bad = 0;
    let judged = 0;
    let since: number | undefined;
    let last: Sample | undefined;
    let lastBad: Sample | undefined;
    for (let i = samples.length - 1; i >= 0; i--) {
        const verdict = test(samples[i]);
        if (verdict === undefined) continue;
        last ??= samples[i];
        judged++;
        if (verdict) {
            bad++;
            lastBad ??= samples[i];
            if (bad >= fraction * judged) since = samples[i].at;
        }
    }
    return since === undefined || !last || !lastBad ? undefined : { since, last, lastBad };
}

/** "Longer than" is strict: a breach that has lasted exactly its window has not yet exceeded it. */
export const exceeds = (lastedMs: number, limitMs: number) => lastedMs > limitMs;

function breachesOf(samples: readonly Sample[], t: Thresholds): Breach[] {
    const colour = samples[samples.length - 1].colour;
    return RULES.flatMap(rule => {
        const span = breachSpan(samples, s => rule.breached(s, t), t.breachFraction);
        if (!span) {
            return [];
        }
        // Measured to the last sample with a reading: a gap in the metrics is not evidence.
        const lasted = span.last.at - span.since;
        return [{
            signal: rule.signal,
            colour,
            since: span.since,
            sustained: exceeds(lasted, rule.windowMs(t)),
            describe: `${colour} ${rule.describe(span.lastBad, t)} for ${formatDuration(lasted)} (limit ${formatDuration(rule.windowMs(t))})`,
        }];
    });
}

/** The trailing unbroken run of samples with unreadable metrics, for the grace period. */
function missingSince(samples: readonly Sample[]): { since: number; last: Sample } | undefined {
    let since: number | undefined;
    for (let i = samples.length - 1; i >= 0 && samples[i].missing.length > 0; i--) since = samples[i].at;
    return since === undefined ? undefined : { since, last: samples[samples.length - 1] };
}

/**
 * Judges both colours from their sample history (oldest first). A sustained breach on the target
 * rolls back; on the live colour it halts, because moving traffic back onto it would not help.
 * Missing metrics never let a switch advance: they hold it, then halt it. `idle`: colours at weight 0.
 */
export function evaluateGates(history: readonly Sample[], target: Colour, t: Thresholds, idle: readonly Colour[] = []): Verdict {
    const reasons: string[] = [];
    const halts: string[] = [];
    for (const colour of [target, ...COLOURS.filter(c => c !== target)]) {
        const samples = history.filter(s => s.colour === colour);
        if (samples.length === 0) {
            reasons.push(`${colour}: no samples yet`);
            continue;
        }
        for (const breach of breachesOf(samples, t)) {
            if (breach.sustained && colour === target) {
                return { kind: "rollback", reason: breach.describe, colour, signal: breach.signal, breachStartedAt: breach.since };
            }
            (breach.sustained ? halts : reasons).push(breach.sustained ? `live colour ${breach.describe}` : breach.describe);
        }
        // A colour carrying no traffic has no rates to read; its health still counts.
        const missing = idle.includes(colour) ? undefined : missingSince(samples);
        if (missing) {
            const lasted = missing.last.at - missing.since;
            const what = `${colour} metrics unavailable for ${formatDuration(lasted)} (${missing.last.missing.join("; ")})`;
            (exceeds(lasted, t.metricsMissingMs) ? halts : reasons).push(what);
        }
    }
    if (halts.length > 0) {
        return { kind: "halt", reason: halts.join("; ") };
    }
    return reasons.length > 0 ? { kind: "watch", reasons } : { kind: "ok" };
}
