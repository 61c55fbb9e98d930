import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, truncate } from "node:fs/promises";
import { dirname } from "node:path";
import { Colour } from "../components/platformNames";

/**
 * The data cutover's journal: JSON lines, one per step, each with the format version, a sequence
 * number and the lock token of the run that wrote it. Appends are exclusive to the lock holder and
 * checked against the last sequence number, so a run whose lease lapsed (fenced out) cannot
 * interleave with the run that took over. A line torn by a crash was never acknowledged and is cut.
 */

export const JOURNAL_VERSION = 1;

/** Steps of a cutover, in order. Up to `reversed` a crashed run is undone; from `flipped` on it is finished. */
export const PHASES = ["started", "frozen", "caught-up", "verified", "sequences-moved", "reversed", "redis-copied", "candidate-unfenced", "flipped", "owner-fenced", "thawed"] as const;
export type Phase = (typeof PHASES)[number];

export type DataEvent =
    | { type: "start"; from: Colour; to: Colour; kind: "cutover" | "rollback"; freezeBoundMs: number }
    | { type: "phase"; phase: Phase; detail?: string }
    | { type: "completed"; freezeMs: number }
    | { type: "aborted"; reason: string; frozen: boolean }
    | { type: "undone"; reason: string }
    | { type: "resumed"; from: Phase };

export type DataEntry = DataEvent & {
    readonly v: number;
    readonly seq: number;
    readonly cutoverId: string;
    readonly at: string;
    readonly by: string;
    /** The lock token of the writing run. */
    readonly fence: string;
};

export function newCutoverId(now: Date): string {
    return `dc-${now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")}-${randomBytes(3).toString("hex")}`;
}

/** Parses the journal's text; a torn last line is dropped, anything else malformed is an error naming the line. */
export function parseJournal(text: string, where: string): DataEntry[] {
    // Whole lines end with a newline: the last element is "" or a torn line, both dropped.
    const complete = text.split("\n").slice(0, -1);
    return complete.filter(line => line.trim() !== "").map((line, i) => {
        let entry: DataEntry;
        try {
            entry = JSON.parse(line) as DataEntry;
        } catch {
            throw new Error(`journal ${where}: line ${i + 1} is not JSON`);
        }
        if (entry.v !== JOURNAL_VERSION) {
            throw new Error(`journal ${where}: line ${i + 1} has format version ${JSON.stringify(entry.v)}, this tool reads ${JOURNAL_VERSION}`);
        }
        if (entry.seq !== i + 1) {
            throw new Error(`journal ${where}: line ${i + 1} has sequence number ${entry.seq}; the journal was edited or two writers interleaved`);
        }
        return entry;
    });
}

export class DataJournal {
    constructor(readonly path: string) {}

    async read(): Promise<DataEntry[]> {
        const text = await readFile(this.path, "utf8").catch((err: NodeJS.ErrnoException) => {
            if (err.code === "ENOENT") return "";
            throw err;
        });
        return parseJournal(text, this.path);
    }

    /** Appends one entry as the holder of `fence`; fsynced before it counts as written. */
    async append(event: DataEvent, meta: { cutoverId: string; by: string; fence: string }): Promise<DataEntry> {
        await mkdir(dirname(this.path), { recursive: true });
        await this.cutTornLine();
        const entries = await this.read();
        const entry = { ...event, v: JOURNAL_VERSION, seq: entries.length + 1, cutoverId: meta.cutoverId, at: new Date().toISOString(), by: meta.by, fence: meta.fence } as DataEntry;
        const handle = await open(this.path, "a");
        try {
            await handle.write(`${JSON.stringify(entry)}\n`);
            await handle.sync();
        } finally {
            await handle.close();
        }
        return entry;
    }

    private async cutTornLine(): Promise<void> {
        const text = await readFile(this.path, "utf8").catch(() => "");
        if (text !== "" && !text.endsWith("\n")) {
            await truncate(this.path, Buffer.byteLength(text.slice(0, text.lastIndexOf("\n") + 1)));
        }
    }
}

/** What the journal says about the latest cutover. */
export interface CutoverRecord {
    readonly cutoverId: string;
    readonly from: Colour;
    readonly to: Colour;
    readonly kind: "cutover" | "rollback";
    readonly freezeBoundMs: number;
    readonly by: string;
    readonly startedAt: string;
    /** The last phase reached. */
    readonly phase: Phase;
    readonly state: "running" | "completed" | "aborted" | "undone";
    readonly freezeMs?: number;
    readonly reason?: string;
}

/** Replays the latest cutover in the entries; undefined when there is none. */
export function latestCutover(entries: readonly DataEntry[]): CutoverRecord | undefined {
    const start = [...entries].reverse().find(e => e.type === "start");
    if (!start || start.type !== "start") return undefined;
    let record: CutoverRecord = {
        cutoverId: start.cutoverId, from: start.from, to: start.to, kind: start.kind, freezeBoundMs: start.freezeBoundMs,
        by: start.by, startedAt: start.at, phase: "started", state: "running",
    };
    for (const entry of entries.filter(e => e.cutoverId === start.cutoverId)) {
        if (entry.type === "phase") record = { ...record, phase: entry.phase };
        if (entry.type === "completed") record = { ...record, state: "completed", freezeMs: entry.freezeMs };
        if (entry.type === "aborted") record = { ...record, state: "aborted", reason: entry.reason };
        if (entry.type === "undone") record = { ...record, state: "undone", reason: entry.reason };
        if (entry.type === "resumed") record = { ...record, state: "running" };
    }
    return record;
}

/** After a crash: finish a cutover that already flipped the roles, undo one that did not. */
export function recoveryFor(record: CutoverRecord): "none" | "undo" | "finish" {
    if (record.state !== "running") return "none";
    return PHASES.indexOf(record.phase) >= PHASES.indexOf("flipped") ? "finish" : "undo";
}
