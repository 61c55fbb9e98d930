import { Colour } from "../components/platformNames";

/**
 * `warm <colour>`: brings a standby colour to active and waits until it can take traffic. In order:
 * the colour's config goes to `mode: active` with the HA control plane on (a standby colour runs
 * without it; DigitalOcean can turn HA on in place but never off again, so once warmed the colour
 * keeps it), the colour is updated (preview, change guard, update, with the policy pack), and then
 * the tool waits until the colour is healthy AND its own read replica (created by the update) has
 * caught up: lag under the seeds' 1 s, for several samples in a row, so a blip is not "ready".
 * Everything it needs from the cloud sits behind the small interfaces below.
 */

export type Mode = "active" | "standby";

export interface ColourSettings {
    readonly mode: Mode;
    readonly haControlPlane: boolean;
}

/** A colour stack's config and its guarded update (the Automation API in production). */
export interface ColourStackControl {
    settings(colour: Colour): Promise<ColourSettings>;
    /** Writes the settings into the stack's config, then previews, guards and updates with the policy pack. */
    apply(colour: Colour, settings: ColourSettings): Promise<void>;
}

/** Whether a colour can serve: its health checks and its replica's lag. */
export interface ReadinessSource {
    /** Failures, empty when healthy. */
    healthFailures(colour: Colour): Promise<readonly string[]>;
    /** Seconds the colour's read replica is behind the primary; rejects when it cannot be read. */
    replicaLagSeconds(colour: Colour): Promise<number>;
}

export interface WarmClock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

export interface WarmOptions {
    /** The seeds' replication lag ceiling. @default 1 */
    readonly maxLagSeconds: number;
    /** Ready samples in a row before the colour counts as warm. @default 3 */
    readonly readySamples: number;
    /** @default 10000 */
    readonly pollMs: number;
    /** Give up (the colour stays active, nothing is undone) after this long. @default 45 min */
    readonly timeoutMs: number;
}

export const WARM_DEFAULTS: WarmOptions = { maxLagSeconds: 1, readySamples: 3, pollMs: 10_000, timeoutMs: 45 * 60_000 };

export type WarmOutcome =
    | { readonly kind: "warm"; readonly colour: Colour; readonly changed: boolean; readonly waitedMs: number; readonly lagSeconds: number }
    | { readonly kind: "not-ready"; readonly colour: Colour; readonly changed: boolean; readonly waitedMs: number; readonly lastProblems: readonly string[] };

/** One reading of a colour's readiness: every reason it is not ready yet (empty when it is). */
export async function readinessProblems(source: ReadinessSource, colour: Colour, maxLagSeconds: number): Promise<{ problems: string[]; lag?: number }> {
    const [failures, lag] = await Promise.all([
        source.healthFailures(colour).catch((err: Error) => [`health unreadable: ${err.message}`]),
        source.replicaLagSeconds(colour).then(value => ({ value }), (err: Error) => ({ error: err.message })),
    ]);
    const problems = [...failures];
    if ("error" in lag) {
        problems.push(`replica lag unreadable: ${lag.error}`);
        return { problems };
    }
    // Garbage from the source (NaN, negative, Infinity) is never read as "caught up".
    if (!Number.isFinite(lag.value) || lag.value < 0) {
        problems.push(`replica lag unreadable: got ${String(lag.value)}`);
        return { problems };
    }
    if (lag.value >= maxLagSeconds) {
        problems.push(`replica ${lag.value.toFixed(2)} s behind (needs < ${maxLagSeconds} s)`);
    }
    return { problems, lag: lag.value };
}

export interface WarmDeps {
    readonly stacks: ColourStackControl;
    readonly readiness: ReadinessSource;
    readonly clock: WarmClock;
    readonly log: (line: string) => void;
}

export async function warm(colour: Colour, deps: WarmDeps, options: WarmOptions = WARM_DEFAULTS): Promise<WarmOutcome> {
    const current = await deps.stacks.settings(colour);
    const changed = current.mode !== "active" || !current.haControlPlane;
    if (changed) {
        if (!current.haControlPlane) {
            deps.log(`${colour}: turning the HA control plane on (DigitalOcean cannot turn it off again: this colour keeps it in later standbys)`);
        }
        deps.log(`${colour}: mode ${current.mode} -> active; updating the stack (preview, change guard, update)`);
        await deps.stacks.apply(colour, { mode: "active", haControlPlane: true });
    } else {
        deps.log(`${colour}: already active; checking that it is healthy and caught up`);
    }
    const started = deps.clock.now();
    let streak = 0;
    let last: { problems: string[]; lag?: number } = { problems: ["not sampled yet"] };
    for (;;) {
        last = await readinessProblems(deps.readiness, colour, options.maxLagSeconds);
        streak = last.problems.length === 0 ? streak + 1 : 0;
        const waitedMs = deps.clock.now() - started;
        if (streak >= options.readySamples) {
            deps.log(`${colour}: healthy, replica ${last.lag!.toFixed(2)} s behind, ${streak} samples in a row: warm`);
            return { kind: "warm", colour, changed, waitedMs, lagSeconds: last.lag! };
        }
        if (waitedMs >= options.timeoutMs) {
            return { kind: "not-ready", colour, changed, waitedMs, lastProblems: last.problems };
        }
        deps.log(`${colour}: ${last.problems.length === 0 ? `ready (${streak}/${options.readySamples})` : `not ready: ${last.problems.join("; ")}`}`);
        await deps.clock.sleep(options.pollMs);
    }
}
