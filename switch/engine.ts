import { SwitchState } from "../components/metricSeries";
import { COLOURS } from "../components/platformNames";
import { Clock, withTimeout } from "./clock";
import { evaluateGates, Sample, Thresholds, Verdict } from "./gates";
import { HealthSource } from "./health";
import { Journal, JournalEvent, MetricsSpec, StepRef, UNFENCED_TYPES } from "./journal";
import { LockHolder, SwitchLock } from "./lock";
import { MetricsSource } from "./metrics";
import { formatWeights, liveColourOf, sameWeights, SwitchPlan, Weights } from "./plan";
import { describeVerdict, sampleColour, toReading } from "./readings";
import { replay } from "./record";
import { Reporter } from "./reporter";
import { applyRollback, correctLateUpdate } from "./rollback";
import { StepReporter } from "./stepReport";
import { TrafficStack } from "./traffic";

export interface EngineDeps {
    readonly traffic: TrafficStack;
    readonly health: HealthSource;
    /** The metrics source the command line asked for. */
    readonly metrics: MetricsSource;
    /** Builds the source a journaled switch recorded, for `resume`; absent in tests that use one source. */
    readonly metricsFor?: (spec: MetricsSpec) => MetricsSource;
    /** What `metrics` is, for the journal. */
    readonly metricsSpec: MetricsSpec;
    readonly journal: Journal;
    readonly lock: SwitchLock;
    readonly clock: Clock;
    readonly reporter: Reporter;
    /** Where the dashboards learn the switch's step (a Pushgateway); absent: nothing is reported. */
    readonly steps?: StepReporter;
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
    /** The longest the rollback path waits on the journal or the lock before going on without them. @default 5000 */
    readonly storeTimeoutMs: number;
}

export type Outcome =
    | { readonly kind: "completed"; readonly switchId: string }
    | { readonly kind: "rolled-back"; readonly switchId: string; readonly reason: string; readonly durationMs: number; readonly journalErrors?: readonly string[] }
    | { readonly kind: "halted"; readonly switchId: string; readonly reason: string }
    | { readonly kind: "aborted"; readonly switchId: string }
    | { readonly kind: "rollback-failed"; readonly switchId: string; readonly reason: string; readonly error: string }
    | { readonly kind: "refused"; readonly reasons: readonly string[] };

/** This run's fence is no longer the lock's: another run took over. */
export class LostLockError extends Error {}

/** The journal or the lock store failed: the switch cannot be recorded, so it must not go on. */
export class StoreError extends Error {}

/** One switch being driven by this process: its plan, its lock, its settings and what it has seen. */
export interface Run {
    readonly switchId: string;
    readonly plan: SwitchPlan;
    holder: LockHolder;
    readonly history: Sample[];
    readonly thresholds: Thresholds;
    readonly sampleIntervalMs: number;
    readonly metrics: MetricsSource;
}

const store = <T>(work: Promise<T>): Promise<T> => work.catch((err: Error) => { throw err instanceof LostLockError ? err : new StoreError(err.message.split("\n")[0]); });

/**
 * Drives a switch through its steps: set weights, verify, observe, and roll back on a sustained
 * breach. Forward moves are journaled before they are made and fenced; the rollback needs only the
 * traffic stack, and journals afterwards, as far as the journal lets it.
 */
export class SwitchEngine {
    constructor(readonly deps: EngineDeps, readonly settings: EngineSettings) {}

    /** Appends a fenced entry: refused (LostLockError) once another run holds the lock. */
    async journal(run: Pick<Run, "switchId" | "holder">, event: JournalEvent): Promise<void> {
        // Fence 0: a rollback that could not take the lock; its entries replay as fenced unless nobody holds a higher fence.
        if (!UNFENCED_TYPES.includes(event.type) && run.holder.fence > 0 && !(await store(this.deps.lock.owns(run.holder)))) {
            throw new LostLockError();
        }
        const entry = await store(this.deps.journal.append(run.switchId, event, {
            fence: UNFENCED_TYPES.includes(event.type) ? 0 : run.holder.fence, by: this.deps.actor, at: new Date(this.deps.clock.now()).toISOString(),
        }));
        this.deps.reporter.report({ kind: "entry", entry });
    }

    /** Walks the plan from `fromStep`. Losing the lock stops it; losing the journal or lock store rolls it back. */
    async runSteps(run: Run, fromStep: number): Promise<Outcome> {
        try {
            return await this.walk(run, fromStep);
        } catch (err) {
            if (err instanceof LostLockError) {
                return { kind: "halted", switchId: run.switchId, reason: "lost the switch lock to another run; stopped without touching the weights further" };
            }
            if (err instanceof StoreError) {
                return this.rollback(run, `the journal or lock cannot be written (${err.message}): a switch that cannot be recorded goes back`, this.deps.clock.monotonic());
            }
            throw err;
        }
    }

    /**
     * Puts all traffic back on the colour that was live, timed from `since` (monotonic). The update
     * goes first and waits on nothing else; the journal is written around it as far as it can be,
     * and what could not be written is reported with the outcome.
     */
    async rollback(run: Run, reason: string, since: number, prelude?: JournalEvent): Promise<Outcome> {
        const { clock, lock } = this.deps;
        const timeout = this.settings.storeTimeoutMs;
        // Positive proof that another run took over stops us; a store that cannot answer does not.
        // Fence 0: the lock store failed before we could take it, so there is nothing to check.
        const fenced = run.holder.fence > 0 && await withTimeout(lock.owns(run.holder), timeout, "the lock store").then(owns => !owns, () => false);
        if (fenced) {
            return { kind: "halted", switchId: run.switchId, reason: "another run holds the switch lock and is in charge of the weights; nothing done" };
        }
        const journalErrors: string[] = [];
        const record = (event: JournalEvent) => (run.switchId === "" ? Promise.resolve() : withTimeout(this.journal(run, event), timeout, "the journal")).catch((err: Error) => {
            journalErrors.push(`${event.type}: ${err instanceof LostLockError ? "fenced off by another run" : err.message}`);
        });
        const weights = run.plan.rollbackWeights;
        const breachStartedAt = new Date(clock.now() - (clock.monotonic() - since)).toISOString();
        const started = (prelude ? record(prelude) : Promise.resolve()).then(() => record({ type: "rollback-start", reason, weights, breachStartedAt }));
        const result = await applyRollback(this.deps.traffic, weights, run.plan.from, this.settings, clock);
        this.tell(run, result.error === undefined ? "rolled_back" : "rollback_failed", 0, result.weights);
        await started;
        if (result.error !== undefined) {
            await record({ type: "rollback-failed", reason, error: result.error });
            return { kind: "rollback-failed", switchId: run.switchId, reason, error: result.error };
        }
        const durationMs = clock.monotonic() - since;
        await record({ type: "rollback-done", reason, weights: result.weights!, durationMs });
        return { kind: "rolled-back", switchId: run.switchId, reason, durationMs, ...(journalErrors.length ? { journalErrors } : {}) };
    }

    private async walk(run: Run, fromStep: number): Promise<Outcome> {
        let readBack: Weights | undefined;
        for (const step of run.plan.steps.slice(fromStep)) {
            await this.journal(run, { type: "step-start", step: step.index, weights: step.weights });
            const applied = await this.apply(run, step.weights, step.index);
            if (applied.error !== undefined) {
                return this.rollback(run, `traffic update failed at step ${step.index + 1} (${formatWeights(step.weights)}): ${applied.error}`, this.deps.clock.monotonic());
            }
            readBack = applied.weights;
            const observed = await this.observe(run, step.index);
            if (observed !== undefined) {
                return observed;
            }
        }
        const final = readBack ?? run.plan.steps[run.plan.steps.length - 1].weights;
        await this.journal(run, { type: "completed", weights: final });
        this.tell(run, "done", run.plan.steps.length, final);
        return { kind: "completed", switchId: run.switchId };
    }

    /** Sets and verifies weights, retrying; the weights read back, or the last error. Fenced before and after each update. */
    private async apply(run: Run, weights: Weights, step: StepRef): Promise<{ weights?: Weights; error?: string }> {
        let error = "";
        for (let attempt = 1; attempt <= this.settings.updateAttempts; attempt++) {
            await this.keepLock(run);
            try {
                // The colour that held everything before this switch, until the target holds everything.
                const applied = await this.deps.traffic.setWeights(weights, liveColourOf(weights) ?? run.plan.from);
                if (!(await store(this.deps.lock.owns(run.holder)))) {
                    await correctLateUpdate(this, run, applied);
                    throw new LostLockError();
                }
                this.tell(run, "running", typeof step === "number" ? step + 1 : 0, applied);
                await this.journal(run, { type: "weights-set", step, weights, attempt });
                if (sameWeights(applied, weights)) {
                    await this.journal(run, { type: "verified", step, weights: applied });
                    return { weights: applied };
                }
                error = `the load balancer reports ${formatWeights(applied)}, expected ${formatWeights(weights)}`;
            } catch (err) {
                if (err instanceof LostLockError || err instanceof StoreError) throw err;
                error = (err as Error).message.split("\n")[0];
            }
            await this.journal(run, { type: "update-failed", step, weights, attempt, error });
            if (attempt < this.settings.updateAttempts) {
                await this.deps.clock.sleep(this.settings.retryDelayMs * 2 ** (attempt - 1));
            }
        }
        return { error };
    }

    /** Holds a step for its window; undefined when it passed, else how the switch ended. */
    private async observe(run: Run, step: number): Promise<Outcome | undefined> {
        const { clock } = this.deps;
        const started = clock.monotonic();
        const weights = run.plan.steps[step].weights;
        const idle = COLOURS.filter(colour => weights[colour] === 0);
        let journaled: Verdict["kind"] | undefined;
        for (;;) {
            const tickStarted = clock.monotonic();
            const record = replay((await store(this.deps.journal.read(run.switchId))).entries);
            if (record?.pending?.kind === "abort") {
                const left = await this.deps.traffic.getWeights();
                await this.journal(run, { type: "aborted", weights: left });
                this.tell(run, "aborted", step + 1, left);
                return { kind: "aborted", switchId: run.switchId };
            }
            const samples = await Promise.all(COLOURS.map(colour => sampleColour(colour, this.deps.health, run.metrics, () => clock.monotonic())));
            this.remember(run, samples);
            const verdict = evaluateGates(run.history, run.plan.to, run.thresholds, idle);
            const elapsedMs = clock.monotonic() - started;
            const passed = elapsedMs >= run.plan.windowMs && verdict.kind === "ok";
            this.deps.reporter.report({ kind: "tick", step, plan: run.plan, elapsedMs, verdict, samples });
            if (verdict.kind === "rollback") {
                return this.rollback(run, verdict.reason, verdict.breachStartedAt);
            }
            if (verdict.kind !== journaled) {
                this.tell(run, verdict.kind === "watch" ? "holding" : verdict.kind === "halt" ? "halted" : "running", step + 1, weights);
            }
            if (verdict.kind !== journaled || passed) {
                await this.journal(run, { type: "gate", step, verdict: verdict.kind, detail: describeVerdict(verdict), readings: samples.map(toReading) });
                journaled = verdict.kind;
            }
            if (verdict.kind === "halt") {
                await this.journal(run, { type: "halted", reason: `${verdict.reason}; holding at ${formatWeights(weights)}` });
                return { kind: "halted", switchId: run.switchId, reason: verdict.reason };
            }
            if (passed) {
                await this.journal(run, { type: "step-passed", step, observedMs: elapsedMs });
                return undefined;
            }
            await this.keepLock(run);
            await clock.sleep(run.sampleIntervalMs - (clock.monotonic() - tickStarted));
        }
    }

    /**
     * Keeps the samples inside the longest breach window, plus each colour's newest older one: when
     * probes are slower than the window, that older sample is what shows a breach has lasted it.
     */
    private remember(run: Run, samples: readonly Sample[]): void {
        const t = run.thresholds;
        // Twice the longest window: a breach judged as a fraction may have begun before the window.
        const horizon = this.deps.clock.monotonic() - 2 * Math.max(t.healthFailingMs, t.errorRateWindowMs, t.p95WindowMs, t.metricsMissingMs) - 2 * run.sampleIntervalMs;
        run.history.push(...samples);
        const anchors = COLOURS.map(colour => run.history.filter(s => s.colour === colour && s.at < horizon).pop());
        const kept = run.history.filter(s => s.at >= horizon || anchors.includes(s));
        run.history.splice(0, run.history.length, ...kept);
    }

    /**
     * Reports where the switch is, after the traffic update it describes: in the background, so no
     * decision and no update ever waits on it, and a reporter that throws changes nothing.
     */
    private tell(run: Run, state: SwitchState, step: number, weights: Weights | undefined): void {
        try {
            this.deps.steps?.report({ from: run.plan.from, to: run.plan.to, step, steps: run.plan.steps.length, state, weights, at: this.deps.clock.now() });
        } catch {
            // The step report is for people watching; the switch's outcome never depends on it.
        }
    }

    /** Extends the lease (a compare-and-swap) before anything that takes time or touches the weights. */
    private async keepLock(run: Run): Promise<void> {
        const renewed = await store(this.deps.lock.renew(run.holder, this.settings.lockTtlMs));
        if (!renewed) {
            throw new LostLockError();
        }
        run.holder = renewed;
    }
}
