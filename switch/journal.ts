import { randomBytes } from "node:crypto";
import { COLOURS, recordOf } from "../components/platformNames";
import { ColourUrls } from "./colourUrls";
import { Thresholds, Verdict } from "./gates";
import { ObjectStore } from "./objectStore";
import { Colour, Weights } from "./plan";

/** The journal's format. A tool refuses to act on entries of a higher one: it cannot know what they mean. */
export const JOURNAL_FORMAT = 1;

/** One colour's readings at a gate, as the journal keeps them. */
export interface GateReading {
    readonly colour: Colour;
    readonly healthy: boolean;
    readonly errorRate: number | null | undefined;
    readonly p95Ms: number | null | undefined;
    readonly detail: readonly string[];
}

export type StepRef = number | "rollback";

/**
 * Where the switch reads error rate and latency; journaled so `resume` and `rollback` use the same.
 * Prometheus has a URL per colour: each colour's Prometheus scrapes only its own gateway.
 */
export type MetricsSpec = { readonly kind: "synthetic"; readonly probePaths: readonly string[] } | { readonly kind: "prometheus"; readonly urls: ColourUrls };

/**
 * Journals written before per-colour URLs hold `{ kind: "prometheus", url }`: that one Prometheus
 * answered for both colours, so it still does. Every other spec is returned as it is.
 */
export function normaliseMetricsSpec(spec: MetricsSpec | { readonly kind: "prometheus"; readonly url: string }): MetricsSpec {
    return spec.kind === "prometheus" && !("urls" in spec) && typeof spec.url === "string" ? { kind: "prometheus", urls: recordOf(COLOURS, () => spec.url) } : spec as MetricsSpec;
}

/** Settings a resume may override; the override is journaled with the resume. */
export interface Overrides {
    readonly thresholds?: Partial<Thresholds>;
    readonly metrics?: MetricsSpec;
    readonly sampleIntervalMs?: number;
}

/**
 * Everything a switch does, in order. `step` is the 0-based index into the plan's steps, or
 * "rollback" for the update that puts all traffic back. Weights in `verified`, `rollback-done`,
 * `completed` and `aborted` are those read back from the load balancer, not those asked for.
 */
export type JournalEvent =
    | { type: "start"; from: Colour; to: Colour; steps: number[]; windowMs: number; thresholds: Thresholds; sampleIntervalMs: number; releases: Record<Colour, string>; metrics: MetricsSpec }
    | { type: "step-start"; step: number; weights: Weights }
    | { type: "weights-set"; step: StepRef; weights: Weights; attempt: number }
    | { type: "verified"; step: StepRef; weights: Weights }
    | { type: "update-failed"; step: StepRef; weights: Weights; attempt: number; error: string }
    | { type: "gate"; step: number; verdict: Verdict["kind"]; detail: string; readings: GateReading[] }
    | { type: "step-passed"; step: number; observedMs: number }
    | { type: "rollback-start"; reason: string; weights: Weights; breachStartedAt?: string }
    | { type: "rollback-done"; reason: string; weights: Weights; durationMs: number }
    | { type: "rollback-failed"; reason: string; error: string }
    | { type: "halted"; reason: string }
    | { type: "abort-requested" }
    | { type: "aborted"; weights?: Weights }
    | { type: "resumed"; step: number; overrides?: Overrides }
    | { type: "late-update"; landed: Weights; corrected: Weights }
    | { type: "completed"; weights: Weights };

export const EVENT_TYPES: readonly JournalEvent["type"][] = [
    "start", "step-start", "weights-set", "verified", "update-failed", "gate", "step-passed", "rollback-start", "rollback-done",
    "rollback-failed", "halted", "abort-requested", "aborted", "resumed", "late-update", "completed",
];

/**
 * Entries anyone may write without holding the lock: requests to the running switch, and notices.
 * They change no state a fence protects, so they carry fence 0.
 */
export const UNFENCED_TYPES: readonly JournalEvent["type"][] = ["abort-requested", "late-update"];

/**
 * `v`: format; `seq`: the entry's place in its switch (1, 2, ...), the only order the journal has:
 * machines' clocks disagree, `at` is for people. `fence`: the writer's lock fence. `by`: who wrote it.
 */
export type JournalEntry = JournalEvent & { readonly v: number; readonly seq: number; readonly fence: number; readonly switchId: string; readonly at: string; readonly by: string };

export interface JournalRead {
    /** Valid entries, by `seq`. */
    readonly entries: JournalEntry[];
    /** Entries that are corrupt, unknown or from another format, each named; they were skipped. */
    readonly problems: string[];
    /** Some entry was written by a newer tool: this one must not act on the switch. */
    readonly newerFormat: boolean;
}

export interface Journal {
    /** Where it lives, for messages. */
    readonly location: string;
    append(switchId: string, event: JournalEvent, meta: { fence: number; by: string; at: string }): Promise<JournalEntry>;
    read(switchId: string): Promise<JournalRead>;
    /** Switch ids, oldest first by their serial number. */
    switchIds(): Promise<string[]>;
}

const serialOf = (id: string) => Number(/^sw-(\d+)-/.exec(id)?.[1] ?? 0);

/** `sw-000042-20250601T110000Z-1a2b3c`: the serial orders switches; the time is for people. */
export function newSwitchId(serial: number, now: Date): string {
    return `sw-${String(serial).padStart(6, "0")}-${now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")}-${randomBytes(3).toString("hex")}`;
}

export function nextSerial(ids: readonly string[]): number {
    return Math.max(0, ...ids.map(serialOf)) + 1;
}

/** Checks one stored entry; a problem names the key and what is wrong. */
export function parseEntry(key: string, body: string, switchId: string, seq: number): { entry?: JournalEntry; problem?: string; newer?: boolean } {
    let value: Partial<JournalEntry> & Record<string, unknown>;
    try {
        value = JSON.parse(body);
    } catch {
        return { problem: `${key}: corrupt (not JSON), skipped` };
    }
    if (!Number.isInteger(value?.v)) {
        return { problem: `${key}: no format version, skipped` };
    }
    if ((value.v as number) > JOURNAL_FORMAT) {
        return { problem: `${key}: written in journal format ${value.v}, newer than this tool's ${JOURNAL_FORMAT}: upgrade the tool`, newer: true };
    }
    if (!EVENT_TYPES.includes(value.type as JournalEvent["type"])) {
        return { problem: `${key}: unknown entry type ${JSON.stringify(value.type)}, skipped` };
    }
    if (value.seq !== seq || value.switchId !== switchId || !Number.isInteger(value.fence) || typeof value.at !== "string") {
        return { problem: `${key}: sequence, switch or fence does not match its place in the journal, skipped` };
    }
    return { entry: withCurrentMetrics(value as JournalEntry) };
}

/** The two entries that carry a metrics spec, read in today's shape whatever shape they were written in. */
function withCurrentMetrics(entry: JournalEntry): JournalEntry {
    if (entry.type === "start" && entry.metrics) return { ...entry, metrics: normaliseMetricsSpec(entry.metrics) };
    if (entry.type === "resumed" && entry.overrides?.metrics) return { ...entry, overrides: { ...entry.overrides, metrics: normaliseMetricsSpec(entry.overrides.metrics) } };
    return entry;
}

/**
 * One object per entry, `journal/<switchId>/<seq>.json`, each created only if absent (a file linked
 * into place, or an S3 `If-None-Match: *` PUT): an append is atomic, never overwrites another
 * writer's entry, and two writers racing for the same sequence number cannot both win; the loser
 * reads the journal again and takes the next one.
 */
export class SequencedJournal implements Journal {
    readonly location: string;
    private readonly lastSeq = new Map<string, number>();
    /** Entries never change once written, so each is fetched once: a running switch re-reads its journal every sample. */
    private readonly cache = new Map<string, JournalEntry>();

    constructor(private readonly store: ObjectStore, private readonly prefix = "") {
        this.location = `${store.location}/${prefix}journal/`;
    }

    async append(switchId: string, event: JournalEvent, meta: { fence: number; by: string; at: string }): Promise<JournalEntry> {
        for (let attempt = 0; attempt < 50; attempt++) {
            const seq = (this.lastSeq.get(switchId) ?? (await this.highestSeq(switchId))) + 1;
            const entry = { ...event, v: JOURNAL_FORMAT, seq, fence: meta.fence, switchId, at: meta.at, by: meta.by } as JournalEntry;
            if (await this.store.create(this.key(switchId, seq), JSON.stringify(entry))) {
                this.lastSeq.set(switchId, seq);
                return entry;
            }
            // Another writer took this number: learn the journal's end again.
            this.lastSeq.delete(switchId);
        }
        throw new Error(`journal ${this.location}: could not find a free sequence number for ${switchId}`);
    }

    async read(switchId: string): Promise<JournalRead> {
        const problems: string[] = [];
        let newerFormat = false;
        const keys = await this.store.list(`${this.prefix}journal/${switchId}/`);
        const entries = await Promise.all(keys.map(async key => {
            const cached = this.cache.get(key);
            if (cached) return cached;
            const seq = /\/(\d+)\.json$/.exec(key);
            const object = await this.store.get(key);
            if (!seq || !object) {
                problems.push(`${key}: not a journal entry name, skipped`);
                return undefined;
            }
            const parsed = parseEntry(key, object.body, switchId, Number(seq[1]));
            if (parsed.problem) problems.push(parsed.problem);
            newerFormat ||= parsed.newer === true;
            if (parsed.entry) this.cache.set(key, parsed.entry);
            return parsed.entry;
        }));
        const valid = entries.filter((e): e is JournalEntry => e !== undefined).sort((a, b) => a.seq - b.seq);
        this.lastSeq.set(switchId, Math.max(this.lastSeq.get(switchId) ?? 0, ...keys.map(k => Number(/\/(\d+)\.json$/.exec(k)?.[1] ?? 0))));
        return { entries: valid, problems, newerFormat };
    }

    async switchIds(): Promise<string[]> {
        const keys = await this.store.list(`${this.prefix}journal/`);
        const ids = [...new Set(keys.map(key => key.slice(`${this.prefix}journal/`.length).split("/")[0]))];
        return ids.sort((a, b) => serialOf(a) - serialOf(b) || (a < b ? -1 : 1));
    }

    private key(switchId: string, seq: number): string {
        return `${this.prefix}journal/${switchId}/${String(seq).padStart(8, "0")}.json`;
    }

    private async highestSeq(switchId: string): Promise<number> {
        const keys = await this.store.list(`${this.prefix}journal/${switchId}/`);
        return Math.max(0, ...keys.map(k => Number(/\/(\d+)\.json$/.exec(k)?.[1] ?? 0)));
    }
}
