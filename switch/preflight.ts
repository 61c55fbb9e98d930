import { Colour, COLOURS } from "../components/platformNames";
import { EngineDeps } from "./engine";
import { HealthReading } from "./health";
import { LockHolder } from "./lock";
import { readingProblems } from "./readings";
import { formatWeights, liveColourOf, otherColour, stepProblems, Weights } from "./plan";
import { replay, SETTLED_STATES, SwitchRecord } from "./record";
import { ColourOutputs } from "./traffic";

/** What the switch knows before it touches anything, and every reason it must not start. */
export interface Preflight {
    readonly refusals: readonly string[];
    readonly weights?: Weights;
    readonly live?: Colour;
    readonly outputs: Partial<Record<Colour, ColourOutputs>>;
}

/** Runs a read and turns a failure into a sentence instead of an exception. */
async function attempt<T>(what: string, read: () => Promise<T>): Promise<{ value?: T; error?: string }> {
    try {
        return { value: await read() };
    } catch (err) {
        return { error: `cannot read ${what}: ${(err as Error).message.split("\n")[0]}` };
    }
}

/** The journal's latest switch as far as it can be read, with every entry that could not be. */
export interface LatestRead {
    readonly record?: SwitchRecord;
    /** Unreadable entries and entries skipped as fenced off, for people. */
    readonly problems: readonly string[];
    /** Entries that could not be read at all: the record may be missing what they said. */
    readonly unreadable: number;
    readonly newerFormat: boolean;
}

export async function readLatest(deps: Pick<EngineDeps, "journal">): Promise<LatestRead> {
    const ids = await deps.journal.switchIds();
    if (ids.length === 0) {
        return { problems: [], unreadable: 0, newerFormat: false };
    }
    const read = await deps.journal.read(ids[ids.length - 1]);
    const record = replay(read.entries);
    return { record, problems: [...read.problems, ...(record?.fenced ?? []).map(f => `skipped ${f}`)], unreadable: read.problems.length, newerFormat: read.newerFormat };
}

export async function latestRecord(deps: Pick<EngineDeps, "journal">): Promise<SwitchRecord | undefined> {
    return (await readLatest(deps)).record;
}

/** A refusal when the metrics source cannot measure `colour` (the live one, which carries traffic). */
async function metricsRefusal(deps: EngineDeps, colour: Colour): Promise<string | undefined> {
    try {
        const problems = readingProblems(await deps.metrics.sample(colour));
        return problems.length > 0 ? `the metrics source (${deps.metrics.name}) gives no usable reading for ${colour}: ${problems.join("; ")}` : undefined;
    } catch (err) {
        return `the metrics source (${deps.metrics.name}) does not answer for ${colour}: ${(err as Error).message.split("\n")[0]}`;
    }
}

export function describeHolder(holder: LockHolder): string {
    return `${holder.purpose} by ${holder.by} on ${holder.host} (pid ${holder.pid}), lease until ${new Date(holder.expiresAt).toISOString()}`;
}

/** Why the journal's latest switch stops a new one, if it does. */
function journalRefusal(record: SwitchRecord | undefined, holder: LockHolder | undefined, weights: Weights | undefined): string | undefined {
    if (!record || SETTLED_STATES.includes(record.state)) {
        return undefined;
    }
    const where = record.intended ? ` at ${formatWeights(record.intended)}` : "";
    if (holder?.switchId === record.switchId) {
        return `switch ${record.switchId} (${record.from} -> ${record.to}) is in progress${where}: ${describeHolder(holder)}`;
    }
    if (record.state === "running" || record.state === "rolling-back") {
        return `switch ${record.switchId} (${record.from} -> ${record.to}) was interrupted${where}: run \`resume\` or \`rollback\` first`;
    }
    if (weights && liveColourOf(weights) === undefined) {
        return `switch ${record.switchId} is ${record.state}${where}: run \`resume\` or \`rollback\` first`;
    }
    return undefined;
}

function healthRefusal(colour: Colour, health: HealthReading): string | undefined {
    if (!health.healthy) {
        return `${colour} is unhealthy: ${health.failures.join("; ")}`;
    }
    return health.missing.length > 0 ? `${colour}'s health cannot be read: ${health.missing.join("; ")}` : undefined;
}

/**
 * Every reason not to start a switch to `target`, found with reads only: a switch in progress or
 * interrupted, the lock held, traffic split, the target not deployed, in standby, unhealthy, on the
 * live colour's release, a metrics source that does not answer, or steps that move more than the
 * traffic stack allows.
 */
export async function preflight(deps: EngineDeps, target: Colour, steps: readonly number[]): Promise<Preflight> {
    const [latest, holder, weights, outputs, maxStepShare, health, metrics] = await Promise.all([
        readLatest(deps),
        deps.lock.current(),
        attempt(`the weights of ${deps.traffic.description}`, () => deps.traffic.getWeights()),
        Promise.all(COLOURS.map(colour => attempt(`${colour}'s stack outputs`, () => deps.traffic.colourOutputs(colour)))),
        attempt(`${deps.traffic.description}'s maxStepShare`, () => deps.traffic.maxStepShare()),
        deps.health.check(target),
        metricsRefusal(deps, otherColour(target)),
    ]);
    const { record } = latest;
    const byColour = Object.fromEntries(COLOURS.map((colour, i) => [colour, outputs[i]])) as Record<Colour, (typeof outputs)[number]>;
    const refusals: string[] = [];
    const add = (reason: string | undefined) => reason !== undefined && refusals.push(reason);

    if (latest.newerFormat) {
        add(`the journal at ${deps.journal.location} was written by a newer version of this tool: upgrade before switching`);
    }
    const inJournal = journalRefusal(record, holder, weights.value);
    add(inJournal);
    if (holder && holder.switchId !== record?.switchId) {
        add(`another run holds the switch lock: ${describeHolder(holder)}`);
    }
    add(weights.error ?? maxStepShare.error);
    const live = weights.value ? liveColourOf(weights.value) : undefined;
    if (weights.value && !live && !inJournal) {
        add(`traffic is split (${formatWeights(weights.value)}) and no switch explains it: run \`rollback\`, or set the weights whole first`);
    }
    if (live === target) {
        add(`${target} is already live (${formatWeights(weights.value!)})`);
    }
    const targetOut = byColour[target];
    const liveOut = byColour[otherColour(target)];
    add(targetOut.error ?? liveOut.error);
    if (!targetOut.error && !targetOut.value) {
        add(`${target} is not deployed: its stack has no outputs`);
    }
    if (!liveOut.error && !liveOut.value) {
        add(`${otherColour(target)} (the colour to roll back to) is not deployed: its stack has no outputs`);
    }
    if (targetOut.value?.mode === "standby") {
        add(`${target} is in standby mode: warm it first (npm run switch -- warm ${target}) before it takes traffic`);
    }
    if (targetOut.value && liveOut.value && targetOut.value.releaseVersion === liveOut.value.releaseVersion) {
        add(`${target} runs release ${targetOut.value.releaseVersion}, the same as ${otherColour(target)}: nothing to switch`);
    }
    if (targetOut.value) {
        add(healthRefusal(target, health));
    }
    if (liveOut.value) {
        add(metrics);
    }
    stepProblems("steps", steps, maxStepShare.value).forEach(add);
    return {
        refusals,
        weights: weights.value,
        live,
        outputs: Object.fromEntries(COLOURS.flatMap(c => (byColour[c].value ? [[c, byColour[c].value]] : []))),
    };
}
