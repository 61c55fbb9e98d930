import { Colour, COLOURS } from "../components/platformNames";
import { EngineDeps, Outcome } from "./engine";
import { HealthReading } from "./health";
import { LockHolder } from "./lock";
import { formatWeights, liveColourOf, sameWeights, Weights } from "./plan";
import { LatestRead, readLatest } from "./preflight";
import { replay, SETTLED_STATES, SwitchRecord } from "./record";
import { ColourOutputs, TrafficStack } from "./traffic";

/** The outcome a settled record stands for. */
export function outcomeOf(record: SwitchRecord): Outcome {
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

/** Why `resume` must not act on what the journal and the load balancer say, if it must not. */
export function resumeRefusal(latest: LatestRead, weights: Weights, location: string): string | undefined {
    const { record } = latest;
    if (latest.newerFormat) {
        return `the journal at ${location} was written by a newer version of this tool: upgrade it before resuming`;
    }
    if (!record) {
        const split = liveColourOf(weights) === undefined ? `; traffic is split (${formatWeights(weights)}): run \`rollback\`, which works without a journal` : "";
        return `the journal at ${location} holds no switch: nothing to resume${split}`;
    }
    if (SETTLED_STATES.includes(record.state)) {
        return `switch ${record.switchId} is already ${record.state}: nothing to resume`;
    }
    if (latest.unreadable > 0) {
        return `switch ${record.switchId} has ${latest.unreadable} unreadable journal entries (see \`status\`): resuming could repeat or skip what they did; \`rollback\` works regardless`;
    }
    // A split was verified, and now everything is back on the old colour: a rollback the journal missed.
    const rollingBack = record.state === "rolling-back" || record.state === "rollback-failed";
    if (!rollingBack && record.verified && liveColourOf(record.verified) === undefined && liveColourOf(weights) === record.from) {
        return `the journal says switch ${record.switchId} is ${record.state} at ${formatWeights(record.verified)}, but the load balancer has ${formatWeights(weights)}: `
            + "a rollback it did not record; run `rollback` to record it, then `to` again";
    }
    return undefined;
}

/**
 * Where a rollback goes: the colour the journal's latest switch came from, else (no usable
 * journal) the traffic stack's live colour, else the colour holding most of the traffic. A string
 * is a refusal.
 */
export async function rollbackTarget(record: SwitchRecord | undefined, weights: Weights | undefined, traffic: TrafficStack): Promise<{ from: Colour } | string> {
    if (record || !weights) {
        if (!record) {
            return "neither the journal nor the load balancer's weights can be read: nothing says where to go";
        }
        if (record.state === "rolled-back" && weights?.[record.from] === 100) {
            return `switch ${record.switchId} is already rolled back: ${formatWeights(weights)}`;
        }
        return { from: record.from };
    }
    const whole = liveColourOf(weights);
    if (whole) {
        return `traffic is wholly on ${whole} (${formatWeights(weights)}) and the journal holds no switch: nothing to roll back`;
    }
    const live = await traffic.liveColour().catch(() => undefined);
    const heavier = weights.blue === weights.green ? undefined : weights.blue > weights.green ? "blue" : "green";
    const from = live ?? heavier;
    return from ? { from } : `traffic is split ${formatWeights(weights)} and neither the journal nor the traffic stack says which colour was live`;
}

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
    /** Entries that could not be read, and reads that failed; status still answers. */
    readonly problems: readonly string[];
    /** The load balancer disagrees with how the latest switch ended. */
    readonly mismatch?: string;
}

const settled = <T>(work: Promise<T>) => work.then(value => ({ value, error: undefined }), (err: Error) => ({ value: undefined, error: err.message.split("\n")[0] }));

/** Everything `status` shows; every read may fail on its own without failing the others. */
export async function statusReport(deps: EngineDeps): Promise<StatusReport> {
    const [weights, colours, latest, holder] = await Promise.all([
        settled(deps.traffic.getWeights()),
        Promise.all(COLOURS.map(colour => colourStatus(deps, colour))),
        settled(readLatest(deps)),
        settled(deps.lock.current()),
    ]);
    const record = latest.value?.record;
    const problems = [...(latest.value?.problems ?? []), ...(latest.error ? [`journal: ${latest.error}`] : []), ...(holder.error ? [`lock: ${holder.error}`] : [])];
    const ended = record && SETTLED_STATES.includes(record.state) ? record.verified : undefined;
    const mismatch = ended && weights.value && !sameWeights(ended, weights.value)
        ? `the journal's switch ${record!.switchId} ended at ${formatWeights(ended)}, but the load balancer has ${formatWeights(weights.value)}: an update outside the switch, or a late one`
        : undefined;
    return {
        weights: weights.value, weightsError: weights.error, latest: record, holder: holder.value, journal: deps.journal.location, problems, mismatch,
        colours: Object.fromEntries(COLOURS.map((c, i) => [c, colours[i]])) as Record<Colour, ColourStatus>,
    };
}

async function colourStatus(deps: EngineDeps, colour: Colour): Promise<ColourStatus> {
    try {
        const outputs = await deps.traffic.colourOutputs(colour);
        return { outputs, health: outputs ? await deps.health.check(colour) : undefined };
    } catch (err) {
        return { outputsError: (err as Error).message };
    }
}

/** The deployment record: every switch, oldest first by serial, and every entry that could not be read. */
export async function history(deps: EngineDeps): Promise<{ records: SwitchRecord[]; problems: string[] }> {
    const reads = await Promise.all((await deps.journal.switchIds()).map(id => deps.journal.read(id)));
    const records = reads.map(read => replay(read.entries)).filter((r): r is SwitchRecord => r !== undefined);
    return { records, problems: reads.flatMap(read => read.problems) };
}
