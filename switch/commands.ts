import { Colour, COLOURS } from "../components/platformNames";
import { withTimeout } from "./clock";
import { Outcome, Run, SwitchEngine } from "./engine";
import { JournalEvent, newSwitchId, nextSerial, Overrides } from "./journal";
import { LockHolder } from "./lock";
import { buildPlan, formatWeights, otherColour, SwitchPlan } from "./plan";
import { describeHolder, preflight, readLatest } from "./preflight";
import { replay, SETTLED_STATES, SwitchRecord } from "./record";
import { outcomeOf, resumeRefusal, rollbackTarget } from "./settle";

export interface SwitchRequest {
    readonly target: Colour;
    readonly steps: readonly number[];
    readonly windowMs: number;
}

export type PlanResult = { readonly kind: "planned"; readonly plan?: SwitchPlan; readonly refusals: readonly string[] };

export interface CommandOptions {
    /** How long `abort` waits for a running switch to act on its request. @default 60000 */
    readonly requestWaitMs: number;
    /** @default 500 */
    readonly pollMs: number;
}

const refused = (...reasons: string[]): Outcome => ({ kind: "refused", reasons });
/** A holder that never took the lock (its store failed): the rollback goes on without a fence. */
const UNLOCKED = (by: string): LockHolder => ({ token: "unlocked", fence: 0, by, host: "", pid: process.pid, purpose: "rollback without the lock", expiresAt: 0 });

/** The CLI's commands over one engine: start, dry-run, resume, roll back, abort. */
export class SwitchCommands {
    constructor(readonly engine: SwitchEngine, private readonly options: CommandOptions) {}

    private get deps() {
        return this.engine.deps;
    }

    /** The plan and every refusal, touching nothing. */
    async plan(request: SwitchRequest): Promise<PlanResult> {
        const checked = await preflight(this.deps, request.target, request.steps);
        const from = checked.live ?? otherColour(request.target);
        return { kind: "planned", plan: buildPlan(from, request.target, request.steps, request.windowMs), refusals: checked.refusals };
    }

    async switchTo(request: SwitchRequest): Promise<Outcome> {
        const checked = await preflight(this.deps, request.target, request.steps);
        if (checked.refusals.length > 0 || !checked.live) {
            return refused(...checked.refusals);
        }
        const plan = buildPlan(checked.live, request.target, request.steps, request.windowMs);
        const switchId = newSwitchId(nextSerial(await this.deps.journal.switchIds()), new Date(this.deps.clock.now()));
        return this.locked({ purpose: `switch to ${request.target}`, switchId }, async holder => {
            const { settings } = this.engine;
            const run: Run = { switchId, plan, holder, history: [], thresholds: settings.thresholds, sampleIntervalMs: settings.sampleIntervalMs, metrics: this.deps.metrics };
            const releases = Object.fromEntries(COLOURS.map(c => [c, checked.outputs[c]?.releaseVersion ?? "unknown"])) as Record<Colour, string>;
            await this.engine.journal(run, {
                type: "start", from: plan.from, to: plan.to, steps: [...request.steps], windowMs: plan.windowMs,
                thresholds: settings.thresholds, sampleIntervalMs: settings.sampleIntervalMs, releases, metrics: this.deps.metricsSpec,
            });
            return this.engine.runSteps(run, 0);
        });
    }

    /**
     * Picks up the journal's unfinished switch with the thresholds, metrics source and steps it was
     * started with, unless `overrides` names others (journaled with the resume): finishes its
     * rollback, or re-applies and re-observes its last step.
     */
    async resume(overrides: Overrides = {}): Promise<Outcome> {
        const latest = await readLatest(this.deps);
        const { record } = latest;
        const weights = await this.deps.traffic.getWeights();
        const refusal = resumeRefusal(latest, weights, this.deps.journal.location);
        if (refusal || !record) {
            return refused(refusal ?? "nothing to resume");
        }
        return this.locked({ purpose: `resume ${record.switchId}`, switchId: record.switchId }, async holder => {
            const run = this.runOf(record, holder, overrides);
            await this.engine.journal(run, { type: "resumed", step: Math.max(0, record.step), ...(Object.keys(overrides).length ? { overrides } : {}) });
            if (record.state === "rolling-back" || record.state === "rollback-failed") {
                const since = this.deps.clock.monotonic() - (this.deps.clock.now() - (record.rollbackFrom ?? this.deps.clock.now()));
                return this.engine.rollback(run, `${record.rollbackReason ?? "rollback"} (resumed)`, since);
            }
            return this.engine.runSteps(run, Math.max(0, record.step));
        });
    }

    /**
     * Everything back on the colour that was live before the latest switch, in one update, now. It
     * takes the lock over even from a running switch (which is fenced off and stops), and needs
     * only the traffic stack: an unreadable, empty or newer-format journal, or a lock store that
     * fails, does not stop it; the live weights and the traffic stack's live colour say where to go.
     */
    async rollback(reason: string): Promise<Outcome> {
        const { clock, traffic, journal, lock, actor } = this.deps;
        const timeout = this.engine.settings.storeTimeoutMs;
        const since = clock.monotonic();
        // A failed read of the weights does not stop a rollback the journal can direct: the update may still work.
        const read = await traffic.getWeights().then(value => ({ value, error: undefined }), (err: Error) => ({ value: undefined, error: err }));
        const latest = await withTimeout(readLatest(this.deps), timeout, `the journal at ${journal.location}`).catch((err: Error) => ({ error: err.message }));
        const usable = "record" in latest && latest.record && !latest.newerFormat ? latest.record : undefined;
        if (!read.value && !usable) {
            throw read.error;
        }
        const weights = read.value;
        const target = await rollbackTarget(usable, weights, traffic);
        if (typeof target === "string") {
            return refused(target);
        }
        const unusable = "error" in latest ? latest.error : !usable ? (latest.newerFormat ? "written by a newer version of this tool" : "it holds no switch") : undefined;
        const switchId = usable?.switchId ?? newSwitchId(nextSerial(await withTimeout(journal.switchIds(), timeout, "journal").catch(() => [])), new Date(clock.now()));
        const holder = await withTimeout(this.takeOver(switchId), timeout, "the lock").catch(() => UNLOCKED(actor));
        const plan = buildPlan(target.from, otherColour(target.from), usable?.steps ?? [100], usable?.windowMs ?? 0);
        const newer = !("error" in latest) && latest.newerFormat;
        // A journal in a newer format is left alone (switch id ""): this tool cannot know what its entries mean.
        const run = usable ? this.runOf(usable, holder) : { ...this.runOf(undefined, holder), switchId: newer ? "" : switchId, plan };
        // Without a usable journal the rollback opens its own record, so it is still on file.
        const prelude: JournalEvent | undefined = usable || newer ? undefined : {
            type: "start", from: target.from, to: otherColour(target.from), steps: [100], windowMs: 0, thresholds: this.engine.settings.thresholds,
            sampleIntervalMs: this.engine.settings.sampleIntervalMs, releases: { blue: "unknown", green: "unknown" }, metrics: this.deps.metricsSpec,
        };
        try {
            return await this.engine.rollback(run, unusable ? `${reason} (journal unusable: ${unusable}; from the live weights ${formatWeights(weights!)})` : reason, since, prelude);
        } finally {
            if (holder.fence > 0) await withTimeout(lock.release(holder), timeout, "the lock").catch(() => undefined);
        }
    }

    /** Stops the running switch at its current weights. */
    async abort(): Promise<Outcome> {
        const { record } = await readLatest(this.deps);
        if (!record || SETTLED_STATES.includes(record.state) || record.state === "aborted") {
            return refused(record ? `switch ${record.switchId} is ${record.state}: nothing to abort` : "no switch in the journal: nothing to abort");
        }
        const running = await this.deps.lock.current();
        if (running?.switchId === record.switchId) {
            await this.engine.journal({ switchId: record.switchId, holder: running }, { type: "abort-requested" });
            return this.awaitSettled(record.switchId, running);
        }
        return this.locked({ purpose: `abort ${record.switchId}`, switchId: record.switchId }, async holder => {
            await this.engine.journal({ switchId: record.switchId, holder }, { type: "aborted", weights: await this.deps.traffic.getWeights() });
            return { kind: "aborted", switchId: record.switchId } as const;
        });
    }

    private runOf(record: SwitchRecord | undefined, holder: LockHolder, overrides: Overrides = {}): Run {
        const { settings } = this.engine;
        const spec = overrides.metrics ?? record?.metrics;
        return {
            switchId: record?.switchId ?? "",
            plan: record ? buildPlan(record.from, record.to, record.steps, record.windowMs) : buildPlan("blue", "green", [100], 0),
            holder,
            history: [],
            thresholds: { ...settings.thresholds, ...record?.thresholds, ...overrides.thresholds },
            sampleIntervalMs: overrides.sampleIntervalMs ?? record?.sampleIntervalMs ?? settings.sampleIntervalMs,
            metrics: spec && this.deps.metricsFor ? this.deps.metricsFor(spec) : this.deps.metrics,
        };
    }

    /**
     * Takes the lock from whoever holds it. A running switch renewing at the same moment can win one
     * compare-and-swap, so this tries again: each try reads the newest record.
     */
    private async takeOver(switchId: string): Promise<LockHolder> {
        const { lock, actor } = this.deps;
        const wanted = lock.holderFor({ by: actor, purpose: `roll back ${switchId}`, switchId }, this.engine.settings.lockTtlMs);
        for (let attempt = 0; attempt < 20; attempt++) {
            const result = await lock.acquire(wanted, { force: true });
            if (result.ok) return result.holder;
        }
        return UNLOCKED(actor);
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
            await lock.release(acquired.holder).catch(() => undefined);
        }
    }

    /** Waits for the running switch to act on a request journaled for it. */
    private async awaitSettled(switchId: string, holder: LockHolder): Promise<Outcome> {
        const deadline = this.deps.clock.monotonic() + this.options.requestWaitMs;
        while (this.deps.clock.monotonic() < deadline) {
            await this.deps.clock.sleep(this.options.pollMs);
            const record = replay((await this.deps.journal.read(switchId)).entries);
            if (record && !record.pending && record.state !== "running" && record.state !== "rolling-back") {
                return outcomeOf(record);
            }
        }
        return refused(`the running switch did not act within ${Math.round(this.options.requestWaitMs / 1000)} s (${describeHolder(holder)}); `
            + "run `rollback`, which takes the lock over, or `abort` again once its lease lapses");
    }
}
