import { Colour, COLOURS } from "../components/platformNames";
import { Outcome, Run, SwitchEngine } from "./engine";
import { HealthReading } from "./health";
import { newSwitchId } from "./journal";
import { LockHolder } from "./lock";
import { buildPlan, formatWeights, SwitchPlan, Weights } from "./plan";
import { describeHolder, latestRecord, preflight } from "./preflight";
import { replay, SETTLED_STATES, SwitchRecord } from "./record";
import { ColourOutputs } from "./traffic";

export interface SwitchRequest {
    readonly target: Colour;
    readonly steps: readonly number[];
    readonly windowMs: number;
}

export type PlanResult = { readonly kind: "planned"; readonly plan?: SwitchPlan; readonly refusals: readonly string[] };

export interface ColourStatus {
    readonly outputs?: ColourOutputs;
    readonly outputsError?: string;
    readonly health?: HealthReading;
}

export interface StatusReport {
    readonly weights?: Weights;
    readonly weightsError?: string;
    readonly colours: Readonly<Record<Colour, ColourStatus>>;
    readonly latest?: SwitchRecord;
    readonly holder?: LockHolder;
    readonly journal: string;
}

export interface CommandOptions {
    /** How long `abort`/`rollback` wait for a running switch to act on their request. @default 60000 */
    readonly requestWaitMs: number;
    /** @default 500 */
    readonly pollMs: number;
}

const refused = (...reasons: string[]): Outcome => ({ kind: "refused", reasons });

/** The CLI's commands over one engine: start, dry-run, resume, roll back, abort, status, history. */
export class SwitchCommands {
    constructor(private readonly engine: SwitchEngine, private readonly options: CommandOptions) {}

    private get deps() {
        return this.engine.deps;
    }

    /** The plan and every refusal, touching nothing. */
    async plan(request: SwitchRequest): Promise<PlanResult> {
        const checked = await preflight(this.deps, request.target, request.steps);
        const from = checked.live ?? COLOURS.find(c => c !== request.target)!;
        return { kind: "planned", plan: buildPlan(from, request.target, request.steps, request.windowMs), refusals: checked.refusals };
    }

    async switchTo(request: SwitchRequest): Promise<Outcome> {
        const checked = await preflight(this.deps, request.target, request.steps);
        if (checked.refusals.length > 0 || !checked.live) {
            return refused(...checked.refusals);
        }
        const plan = buildPlan(checked.live, request.target, request.steps, request.windowMs);
        const switchId = newSwitchId(new Date(this.deps.clock.now()));
        return this.locked({ purpose: `switch to ${request.target}`, switchId }, async holder => {
            const run: Run = { switchId, plan, holder, history: [] };
            const releases = Object.fromEntries(COLOURS.map(c => [c, checked.outputs[c]?.releaseVersion ?? "unknown"])) as Record<Colour, string>;
            await this.engine.journal(run, {
                type: "start", from: plan.from, to: plan.to, steps: [...request.steps], windowMs: plan.windowMs,
                thresholds: this.engine.settings.thresholds, releases, metrics: this.deps.metrics.name,
            });
            return this.engine.runSteps(run, 0);
        });
    }

    /** Picks up the journal's unfinished switch: finishes its rollback, or re-applies and re-observes its last step. */
    async resume(): Promise<Outcome> {
        const record = await latestRecord(this.deps);
        if (!record || SETTLED_STATES.includes(record.state)) {
            return refused(record ? `switch ${record.switchId} is already ${record.state}: nothing to resume` : `the journal at ${this.deps.journal.location} holds no switch: nothing to resume`);
        }
        return this.locked({ purpose: `resume ${record.switchId}`, switchId: record.switchId }, async holder => {
            const run = this.runOf(record, holder);
            await this.engine.journal(run, { type: "resumed", step: Math.max(0, record.step) });
            if (record.state === "rolling-back" || record.state === "rollback-failed") {
                return this.engine.rollback(run, `${record.rollbackReason ?? "rollback"} (resumed)`, record.rollbackFrom ?? this.deps.clock.now());
            }
            return this.engine.runSteps(run, Math.max(0, record.step));
        });
    }

    /** Everything back on the colour that was live before the latest switch, in one update. */
    async rollback(reason: string): Promise<Outcome> {
        const record = await latestRecord(this.deps);
        if (!record) {
            return refused(`the journal at ${this.deps.journal.location} holds no switch: nothing to roll back to`);
        }
        const running = await this.runningHolder(record);
        if (running) {
            await this.engine.journal(record, { type: "rollback-requested", reason });
            return this.awaitSettled(record.switchId, running);
        }
        if (record.state === "rolled-back") {
            const weights = await this.deps.traffic.getWeights().catch(() => undefined);
            if (weights && weights[record.from] === 100) {
                return refused(`switch ${record.switchId} is already rolled back: ${formatWeights(weights)}`);
            }
        }
        return this.locked({ purpose: `roll back ${record.switchId}`, switchId: record.switchId }, holder =>
            this.engine.rollback(this.runOf(record, holder), reason, this.deps.clock.now()));
    }

    /** Stops the running switch at its current weights. */
    async abort(): Promise<Outcome> {
        const record = await latestRecord(this.deps);
        if (!record || SETTLED_STATES.includes(record.state) || record.state === "aborted") {
            return refused(record ? `switch ${record.switchId} is ${record.state}: nothing to abort` : "no switch in the journal: nothing to abort");
        }
        const running = await this.runningHolder(record);
        if (running) {
            await this.engine.journal(record, { type: "abort-requested" });
            return this.awaitSettled(record.switchId, running);
        }
        return this.locked({ purpose: `abort ${record.switchId}`, switchId: record.switchId }, async () => {
            await this.engine.journal(record, { type: "aborted" });
            return { kind: "aborted", switchId: record.switchId } as const;
        });
    }

    async status(): Promise<StatusReport> {
        const [weights, colours, latest, holder] = await Promise.all([
            this.deps.traffic.getWeights().then(value => ({ value, error: undefined }), (err: Error) => ({ value: undefined, error: err.message })),
            Promise.all(COLOURS.map(colour => this.colourStatus(colour))),
            latestRecord(this.deps),
            this.deps.lock.current(),
        ]);
        return {
            weights: weights.value, weightsError: weights.error, latest, holder, journal: this.deps.journal.location,
            colours: Object.fromEntries(COLOURS.map((c, i) => [c, colours[i]])) as Record<Colour, ColourStatus>,
        };
    }

    /** The deployment record: every switch, oldest first. */
    async history(): Promise<SwitchRecord[]> {
        const ids = await this.deps.journal.switchIds();
        const records = await Promise.all(ids.map(async id => replay(await this.deps.journal.read(id))));
        return records.filter((r): r is SwitchRecord => r !== undefined);
    }

    private async colourStatus(colour: Colour): Promise<ColourStatus> {
        try {
            const outputs = await this.deps.traffic.colourOutputs(colour);
            return { outputs, health: outputs ? await this.deps.health.check(colour) : undefined };
        } catch (err) {
            return { outputsError: (err as Error).message };
        }
    }

    private runOf(record: SwitchRecord, holder: LockHolder): Run {
        return { switchId: record.switchId, plan: buildPlan(record.from, record.to, record.steps, record.windowMs), holder, history: [] };
    }

    private async runningHolder(record: SwitchRecord): Promise<LockHolder | undefined> {
        const holder = await this.deps.lock.current();
        return holder?.switchId === record.switchId && !SETTLED_STATES.includes(record.state) ? holder : undefined;
    }

    /** Runs `work` holding the lock, released even when `work` throws. */
    private async locked(fields: { purpose: string; switchId: string }, work: (holder: LockHolder) => Promise<Outcome>): Promise<Outcome> {
        const { lock, actor } = this.deps;
        const acquired = await lock.acquire(lock.holderFor({ ...fields, by: actor }, this.engine.settings.lockTtlMs));
        if (!acquired.ok) {
            return refused(`another run holds the switch lock: ${describeHolder(acquired.holder)}`);
        }
        try {
            return await work(acquired.holder);
        } finally {
            // Renewals keep the token, so the holder as acquired still releases it.
            await lock.release(acquired.holder).catch(() => undefined);
        }
    }

    /** Waits for the running switch to act on a request journaled for it. */
    private async awaitSettled(switchId: string, holder: LockHolder): Promise<Outcome> {
        const deadline = this.deps.clock.now() + this.options.requestWaitMs;
        while (this.deps.clock.now() < deadline) {
            await this.deps.clock.sleep(this.options.pollMs);
            const record = replay(await this.deps.journal.read(switchId));
            if (record && !record.pending && record.state !== "running" && record.state !== "rolling-back") {
                return outcomeOf(record);
            }
        }
        return refused(`the running switch did not act within ${Math.round(this.options.requestWaitMs / 1000)} s (${describeHolder(holder)}); `
            + "once its lease lapses, run the command again");
    }
}

/** The outcome a settled record stands for. */
function outcomeOf(record: SwitchRecord): Outcome {
    switch (record.state) {
        case "completed":
            return { kind: "completed", switchId: record.switchId };
        case "rolled-back":
            return { kind: "rolled-back", switchId: record.switchId, reason: record.rollbackReason ?? "", durationMs: record.rollbackDurationMs ?? 0 };
        case "aborted":
            return { kind: "aborted", switchId: record.switchId };
        case "rollback-failed":
            return { kind: "rollback-failed", switchId: record.switchId, reason: record.rollbackReason ?? "", error: record.stopReason ?? "" };
        default:
            return { kind: "halted", switchId: record.switchId, reason: record.stopReason ?? record.state };
    }
}
