import { Thresholds } from "./gates";
import { JournalEntry, MetricsSpec, UNFENCED_TYPES } from "./journal";
import { Colour, formatDuration, formatWeights, Weights } from "./plan";

/**
 * What a journal says about one switch, replayed from its entries: the deployment record the seeds
 * ask for (who, which release, when, outcome, rollback reason) and where a resume must pick up.
 */
export type SwitchState = "running" | "rolling-back" | "completed" | "rolled-back" | "halted" | "aborted" | "rollback-failed";

/** States after which traffic sits wholly on one colour, as the switch meant it to. */
export const SETTLED_STATES: readonly SwitchState[] = ["completed", "rolled-back"];

export interface SwitchRecord {
    readonly switchId: string;
    readonly from: Colour;
    readonly to: Colour;
    readonly steps: readonly number[];
    readonly windowMs: number;
    readonly thresholds: Thresholds;
    readonly sampleIntervalMs: number;
    readonly metrics: MetricsSpec;
    readonly releases: Readonly<Record<Colour, string>>;
    /** Who started it. */
    readonly by: string;
    readonly startedAt: string;
    /** Time of the entry that settled it. */
    readonly endedAt?: string;
    readonly state: SwitchState;
    /** Index of the last step begun; -1 before the first. */
    readonly step: number;
    /** The weights the switch last meant to have applied. */
    readonly intended?: Weights;
    /** The weights last read back from the load balancer after an update of this switch. */
    readonly verified?: Weights;
    /** The highest fence among the entries that count. */
    readonly fence: number;
    /** Entries written by a run that had already been fenced off (a newer fence came before them): skipped. */
    readonly fenced: readonly string[];
    readonly rollbackReason?: string;
    readonly rollbackDurationMs?: number;
    /** When the breach behind the rollback began (or the rollback, when asked for by hand). */
    readonly rollbackFrom?: number;
    /** Why it halted, failed to roll back, or who aborted it. */
    readonly stopReason?: string;
    /** An `abort` or `rollback` asked of the running switch and not yet carried out. */
    readonly pending?: { kind: "abort" };
    readonly lastEntryAt: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Replays one switch's entries in sequence order; undefined when they hold no `start`. An entry
 * whose fence is lower than one already seen was written by a run another had taken over: it is
 * skipped and named in `fenced`, so a late write can never rewrite what happened.
 */
export function replay(entries: readonly JournalEntry[]): SwitchRecord | undefined {
    const ordered = [...entries].sort((a, b) => a.seq - b.seq);
    const start = ordered.find(e => e.type === "start");
    if (!start || start.type !== "start") {
        return undefined;
    }
    const record: Mutable<SwitchRecord> = {
        switchId: start.switchId, from: start.from, to: start.to, steps: start.steps, windowMs: start.windowMs,
        thresholds: start.thresholds, sampleIntervalMs: start.sampleIntervalMs, metrics: start.metrics, releases: start.releases,
        by: start.by, startedAt: start.at, state: "running", step: -1, lastEntryAt: start.at, fence: start.fence, fenced: [],
    };
    for (const entry of ordered.slice(ordered.indexOf(start))) {
        if (!UNFENCED_TYPES.includes(entry.type)) {
            if (entry.fence < record.fence) {
                record.fenced = [...record.fenced, `entry ${entry.seq} (${entry.type}) by ${entry.by} with fence ${entry.fence}, after fence ${record.fence}`];
                continue;
            }
            record.fence = entry.fence;
        }
        record.lastEntryAt = entry.at;
        switch (entry.type) {
            case "step-start":
                record.step = entry.step;
                record.intended = entry.weights;
                break;
            case "resumed":
                // Resuming is the operator's newer word: a request the crashed run never acted on lapses.
                record.state = "running";
                record.endedAt = undefined;
                record.pending = undefined;
                break;
            case "verified":
                record.verified = entry.weights;
                break;
            case "rollback-start":
                record.state = "rolling-back";
                record.intended = entry.weights;
                record.rollbackReason = entry.reason;
                record.rollbackFrom = Date.parse(entry.breachStartedAt ?? entry.at);
                record.pending = undefined;
                break;
            case "rollback-done":
                record.verified = entry.weights;
                settle(record, entry, "rolled-back");
                record.rollbackDurationMs = entry.durationMs;
                break;
            case "rollback-failed":
                settle(record, entry, "rollback-failed", entry.error);
                break;
            case "halted":
                settle(record, entry, "halted", entry.reason);
                break;
            case "aborted":
                record.verified = entry.weights ?? record.verified;
                settle(record, entry, "aborted", `aborted by ${entry.by}`);
                record.pending = undefined;
                break;
            case "completed":
                record.verified = entry.weights;
                settle(record, entry, "completed");
                break;
            case "abort-requested":
                record.pending = { kind: "abort" };
                break;
            default:
                break;
        }
    }
    return record;
}

function settle(record: Mutable<SwitchRecord>, entry: JournalEntry, state: SwitchState, stopReason?: string): void {
    record.state = state;
    record.endedAt = entry.at;
    if (stopReason !== undefined) {
        record.stopReason = stopReason;
    }
}

/** One line per switch for `history`, newest last. */
export function describeRecord(record: SwitchRecord): string {
    const releases = `${record.from} ${record.releases[record.from]} -> ${record.to} ${record.releases[record.to]}`;
    const when = record.endedAt ? `${record.startedAt} to ${record.endedAt}` : `since ${record.startedAt}`;
    const parts = [`${record.switchId}  ${record.state}  ${releases}  by ${record.by}  ${when}`];
    if (record.rollbackReason) {
        const took = record.rollbackDurationMs !== undefined ? ` (breach to traffic back: ${formatDuration(record.rollbackDurationMs)})` : "";
        parts.push(`rollback: ${record.rollbackReason}${took}`);
    }
    if (record.stopReason && record.state !== "rolled-back") {
        parts.push(`stopped: ${record.stopReason}`);
    }
    if (!SETTLED_STATES.includes(record.state) && record.intended) {
        parts.push(`at step ${record.step + 1}/${record.steps.length}, ${formatWeights(record.intended)}`);
    }
    return parts.join("\n    ");
}
