import { randomBytes } from "node:crypto";
import { appendFile, mkdir, open, readFile, truncate } from "node:fs/promises";
import { dirname } from "node:path";
import { Thresholds, Verdict } from "./gates";
import { ObjectStore } from "./objectStore";
import { Colour, Weights } from "./plan";

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
 * Everything a switch does, in order. `step` is the 0-based index into the plan's steps, or
 * "rollback" for the update that puts all traffic back.
 */
export type JournalEvent =
    | { type: "start"; from: Colour; to: Colour; steps: number[]; windowMs: number; thresholds: Thresholds; releases: Record<Colour, string>; metrics: string }
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
    | { type: "rollback-requested"; reason: string }
    | { type: "aborted" }
    | { type: "resumed"; step: number }
    | { type: "completed"; weights: Weights };

/** `by`: who wrote the entry (git user, $USER or the CI actor). */
export type JournalEntry = JournalEvent & { readonly switchId: string; readonly at: string; readonly by: string };

export interface Journal {
    /** Where it lives, for messages. */
    readonly location: string;
    append(entry: JournalEntry): Promise<void>;
    /** Entries of one switch (or of all), oldest first. */
    read(switchId?: string): Promise<JournalEntry[]>;
    /** Switch ids, oldest first. */
    switchIds(): Promise<string[]>;
}

/** Sorts by time: ids carry their start time in UTC, so lexical order is start order. */
export function newSwitchId(now: Date): string {
    return `sw-${now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")}-${randomBytes(3).toString("hex")}`;
}

/** Append-only JSON lines in one file: readable with `cat`, safe with O_APPEND for small lines. */
export class FileJournal implements Journal {
    readonly location: string;

    constructor(private readonly path: string) {
        this.location = path;
    }

    async append(entry: JournalEntry): Promise<void> {
        await mkdir(dirname(this.path), { recursive: true });
        await this.dropTornLine();
        await appendFile(this.path, `${JSON.stringify(entry)}\n`);
    }

    /** A line a crashed writer left half-written was never acknowledged: cut it before it glues onto the next entry. */
    private async dropTornLine(): Promise<void> {
        const handle = await open(this.path, "r").catch(() => undefined);
        if (!handle) return;
        try {
            const { size } = await handle.stat();
            // One entry is far below this, so the tail holds the end of the last whole line.
            const tail = Buffer.alloc(Math.min(size, 256 * 1024));
            await handle.read(tail, 0, tail.length, size - tail.length);
            if (size > 0 && tail[tail.length - 1] !== 0x0a) {
                await handle.close();
                await truncate(this.path, size - tail.length + tail.lastIndexOf(0x0a) + 1);
            }
        } finally {
            await handle.close().catch(() => undefined);
        }
    }

    async read(switchId?: string): Promise<JournalEntry[]> {
        const text = await readFile(this.path, "utf8").catch((err: NodeJS.ErrnoException) => {
            if (err.code === "ENOENT") return "";
            throw err;
        });
        const lines = text.split("\n").filter(line => line.trim() !== "");
        const entries = lines.flatMap((line, i) => {
            try {
                return [JSON.parse(line) as JournalEntry];
            } catch {
                // A crash mid-write can tear the last line only; anything else is corruption.
                if (i === lines.length - 1) return [];
                throw new Error(`journal ${this.path}: line ${i + 1} is not JSON`);
            }
        });
        return switchId === undefined ? entries : entries.filter(e => e.switchId === switchId);
    }

    async switchIds(): Promise<string[]> {
        return [...new Set((await this.read()).map(e => e.switchId))];
    }
}

/**
 * One object per entry under `journal/<switchId>/`, named by time and a random suffix, so writers
 * on different machines (a switch and an `abort` from a laptop) never overwrite each other.
 */
export class ObjectStoreJournal implements Journal {
    readonly location: string;
    private sequence = 0;
    /** Entries are written once and never change, so each is fetched once: a running switch re-reads its journal every sample. */
    private readonly cache = new Map<string, JournalEntry>();

    constructor(private readonly store: ObjectStore, private readonly prefix = "") {
        this.location = `${store.location}/${prefix}journal/`;
    }

    async append(entry: JournalEntry): Promise<void> {
        // The sequence keeps one writer's entries in order within the same millisecond.
        const name = `${entry.at.replace(/[-:]/g, "")}-${String(this.sequence++).padStart(6, "0")}-${randomBytes(3).toString("hex")}`;
        const written = await this.store.put(`${this.prefix}journal/${entry.switchId}/${name}.json`, JSON.stringify(entry), { ifAbsent: true });
        if (!written) {
            throw new Error(`journal ${this.location}: entry ${name} already exists`);
        }
    }

    async read(switchId?: string): Promise<JournalEntry[]> {
        const ids = switchId === undefined ? await this.switchIds() : [switchId];
        const perSwitch = await Promise.all(ids.map(async id => {
            const keys = await this.store.list(`${this.prefix}journal/${id}/`);
            await Promise.all(keys.filter(key => !this.cache.has(key)).map(async key => {
                const body = await this.store.get(key);
                if (body !== undefined) this.cache.set(key, JSON.parse(body) as JournalEntry);
            }));
            return keys.flatMap(key => this.cache.get(key) ?? []);
        }));
        return perSwitch.flat();
    }

    async switchIds(): Promise<string[]> {
        const keys = await this.store.list(`${this.prefix}journal/`);
        const ids = keys.map(key => key.slice(`${this.prefix}journal/`.length).split("/")[0]);
        return [...new Set(ids)].sort();
    }
}
