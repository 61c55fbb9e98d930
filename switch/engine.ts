import { COLOURS } from "../components/platformNames";
import { Clock } from "./clock";
import { evaluateGates, Sample, Thresholds, Verdict } from "./gates";
import { HealthSource } from "./health";
import { GateReading, Journal, JournalEvent, StepRef } from "./journal";
import { LockHolder, SwitchLock } from "./lock";
import { MetricsSource, sampleColour } from "./metrics";
import { formatWeights, liveColourOf, sameWeights, SwitchPlan, Weights } from "./plan";
import { replay } from "./record";
import { Reporter } from "./reporter";
import { TrafficStack } from "./traffic";

export interface EngineDeps {
    readonly traffic: TrafficStack;
    readonly health: HealthSource;
    readonly metrics: MetricsSource;
    readonly journal: Journal;
    readonly lock: SwitchLock;
    readonly clock: Clock;
    readonly reporter: Reporter;
    /** Who runs the tool: git user, $USER or the CI actor. */
    readonly actor: string;
}

export interface EngineSettings {
    /** How often both colours are sampled while a step is observed. @default 5000 */
    readonly sampleIntervalMs: number;
    readonly thresholds: Thresholds;
    /** Tries of one traffic update before the switch rolls back. @default 3 */
    readonly updateAttempts: number;
    /** Wait before the second try; doubles for each further one. @default 5000 */
    readonly retryDelayMs: number;
    /** The lock's lease, renewed every sample. @default 120000 */
    readonly lockTtlMs: number;
}

export type Outcome =
    | { readonly kind: "completed"; readonly switchId: string }
    | { readonly kind: "rolled-back"; readonly switchId: string; readonly reason: string; readonly durationMs: number }
    | { readonly kind: "halted"; readonly switchId: string; readonly reason: string }
    | { readonly kind: "aborted"; readonly switchId: string }
    | { readonly kind: "rollback-failed"; readonly switchId: string; readonly reason: string; readonly error: string }
    | { readonly kind: "refused"; readonly reasons: readonly string[] };

class LostLockError extends Error {}

/** One switch being driven by this process: its plan, its lock and what it has seen. */
export interface Run {
    readonly switchId: string;
    readonly plan: SwitchPlan;
    holder: LockHolder;
    readonly history: Sample[];
}

/**
 * Drives a switch through its steps: set weights, verify, observe, and roll back on a sustained
 * breach. Every decision is journaled before it is acted on, so a crash leaves a record that says
 * what to resume or undo.
 */
export class SwitchEngine {
    constructor(readonly deps: EngineDeps, readonly settings: EngineSettings) {}

    async journal(run: Pick<Run, "switchId">, event: JournalEvent): Promise<void> {
        const entry = { ...event, switchId: run.switchId, at: new Date(this.deps.clock.now()).toISOString(), by: this.deps.actor };
        await this.deps.journal.append(entry);
        this.deps.reporter.report({ kind: "entry", entry });
    }

    runSteps(run: Run, fromStep: number): Promise<Outcome> {
        return this.whileLocked(run, () => this.walk(run, fromStep));
    }

    /** Puts all traffic back on the colour that was live, in one update, and times it from `since`. */
    rollback(run: Run, reason: string, since: number): Promise<Outcome> {
        return this.whileLocked(run, () => this.undo(run, reason, since));
    }

    private async walk(run: Run, fromStep: number): Promise<Outcome> {
        for (const step of run.plan.steps.slice(fromStep)) {
            await this.journal(run, { type: "step-start", step: step.index, weights: step.weights });
            const applied = await this.apply(run, step.weights, step.index);
            if (applied !== undefined) {
                return this.undo(run, `traffic update failed at step ${step.index + 1} (${formatWeights(step.weights)}): ${applied}`, this.deps.clock.now());
            }
            const observed = await this.observe(run, step.index);
            if (observed !== undefined) {
                return observed;
            }
        }
        await this.journal(run, { type: "completed", weights: run.plan.steps[run.plan.steps.length - 1].weights });
        return { kind: "completed", switchId: run.switchId };
    }

    private async undo(run: Run, reason: string, since: number): Promise<Outcome> {
        const weights = run.plan.rollbackWeights;
        await this.journal(run, { type: "rollback-start", reason, weights, breachStartedAt: new Date(since).toISOString() });
        const error = await this.apply(run, weights, "rollback");
        if (error !== undefined) {
            await this.journal(run, { type: "rollback-failed", reason, error });
            return { kind: "rollback-failed", switchId: run.switchId, reason, error };
        }
        const durationMs = this.deps.clock.now() - since;
        await this.journal(run, { type: "rollback-done", reason, weights, durationMs });
        return { kind: "rolled-back", switchId: run.switchId, reason, durationMs };
    }

    /** Sets and verifies weights, retrying; undefined on success, else the last error. */
    private async apply(run: Run, weights: Weights, step: StepRef): Promise<string | undefined> {
        let error = "";
        for (let attempt = 1; attempt <= this.settings.updateAttempts; attempt++) {
            await this.keepLock(run);
            try {
                // The colour that held everything before this switch, until the target holds everything.
                const applied = await this.deps.traffic.setWeights(weights, liveColourOf(weights) ?? run.plan.from);
                await this.journal(run, { type: "weights-set", step, weights, attempt });
                if (sameWeights(applied, weights)) {
                    await this.journal(run, { type: "verified", step, weights });
                    return undefined;
                }
                error = `the load balancer reports ${formatWeights(applied)}, expected ${formatWeights(weights)}`;
            } catch (err) {
                error = (err as Error).message.split("\n")[0];
            }
            await this.journal(run, { type: "update-failed", step, weights, attempt, error });
            if (attempt < this.settings.updateAttempts) {
                await this.deps.clock.sleep(this.settings.retryDelayMs * 2 ** (attempt - 1));
            }
        }
        return error;
    }

    /** Holds a step for its window; undefined when it passed, else how the switch ended. */
    private async observe(run: Run, step: number): Promise<Outcome | undefined> {
        const { clock } = this.deps;
        const started = clock.now();
        let journaled: Verdict["kind"] | undefined;
        for (;;) {
            const tickStarted = clock.now();
            const request = replay(await this.deps.journal.read(run.switchId))?.pending;
            if (request?.kind === "abort") {
                await this.journal(run, { type: "aborted" });
                return { kind: "aborted", switchId: run.switchId };
            }
            if (request?.kind === "rollback") {
                return this.undo(run, request.reason, clock.now());
            }
            const samples = await Promise.all(COLOURS.map(colour => sampleColour(colour, this.deps.health, this.deps.metrics, () => clock.now())));
            this.remember(run, samples);
            const verdict = evaluateGates(run.history, run.plan.to, this.settings.thresholds);
            const elapsedMs = clock.now() - started;
            const passed = elapsedMs >= run.plan.windowMs && verdict.kind === "ok";
            this.deps.reporter.report({ kind: "tick", step, plan: run.plan, elapsedMs, verdict, samples });
            if (verdict.kind !== journaled || passed) {
                await this.journal(run, { type: "gate", step, verdict: verdict.kind, detail: describeVerdict(verdict), readings: samples.map(toReading) });
                journaled = verdict.kind;
            }
            if (verdict.kind === "rollback") {
                return this.undo(run, verdict.reason, verdict.breachStartedAt);
            }
            if (verdict.kind === "halt") {
                await this.journal(run, { type: "halted", reason: `${verdict.reason}; holding at ${formatWeights(run.plan.steps[step].weights)}` });
                return { kind: "halted", switchId: run.switchId, reason: verdict.reason };
            }
            if (passed) {
                await this.journal(run, { type: "step-passed", step, observedMs: elapsedMs });
                return undefined;
            }
            await this.keepLock(run);
            await clock.sleep(this.settings.sampleIntervalMs - (clock.now() - tickStarted));
        }
    }

    /**
     * Keeps the samples inside the longest breach window, plus each colour's newest older one: when
     * probes are slower than the window, that older sample is what shows a breach has lasted it.
     */
    private remember(run: Run, samples: readonly Sample[]): void {
        const t = this.settings.thresholds;
        const horizon = this.deps.clock.now() - Math.max(t.healthFailingMs, t.errorRateWindowMs, t.p95WindowMs, t.metricsMissingMs) - 2 * this.settings.sampleIntervalMs;
        run.history.push(...samples);
        const anchors = COLOURS.map(colour => run.history.filter(s => s.colour === colour && s.at < horizon).pop());
        const kept = run.history.filter(s => s.at >= horizon || anchors.includes(s));
        run.history.splice(0, run.history.length, ...kept);
    }

    /** Extends the lease before anything that takes time or touches the weights. */
    private async keepLock(run: Run): Promise<void> {
        const renewed = await this.deps.lock.renew(run.holder, this.settings.lockTtlMs);
        if (!renewed) {
            throw new LostLockError();
        }
        run.holder = renewed;
    }

    /** A run whose lease lapsed and was taken no longer owns the journal: it stops without writing to it. */
    private async whileLocked(run: Run, work: () => Promise<Outcome>): Promise<Outcome> {
        try {
            return await work();
        } catch (err) {
            if (err instanceof LostLockError) {
                return { kind: "halted", switchId: run.switchId, reason: "lost the switch lock to another run; stopped without touching the weights further" };
            }
            throw err;
        }
    }
}

function describeVerdict(verdict: Verdict): string {
    switch (verdict.kind) {
        case "ok":
            return "all gates pass";
        case "watch":
            return verdict.reasons.join("; ");
        default:
            return verdict.reason;
    }
}

function toReading(sample: Sample): GateReading {
    return {
        colour: sample.colour, healthy: sample.healthy, errorRate: sample.errorRate, p95Ms: sample.p95Ms,
        detail: [...sample.healthFailures, ...sample.missing],
    };
}
