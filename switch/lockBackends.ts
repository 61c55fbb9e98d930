import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { createExclusive, readIfExists } from "./fileStore";
import { LockBackend, LockHolder, LockRecord } from "./lock";
import { CasStore } from "./objectStore";

const GENERATION_DIGITS = 10;
const generationName = (n: number) => `${String(n).padStart(GENERATION_DIGITS, "0")}.json`;

/**
 * The lock as a directory of generations, `<dir>/0000000001.json`, `0000000002.json`...: the record
 * is the highest one. A compare-and-swap from generation n creates n+1 with an exclusive link, so
 * of two writers that read n only one can write n+1, with no remove-then-create window. Generation
 * 1 is never removed, so "create when absent" cannot succeed twice.
 */
export class FileLockBackend implements LockBackend {
    constructor(readonly location: string) {}

    async read(): Promise<LockRecord | undefined> {
        const latest = (await this.generations()).pop();
        if (latest === undefined) return undefined;
        const body = await readIfExists(join(this.location, generationName(latest)));
        return body === undefined ? this.read() : { holder: parseHolder(body, latest), version: String(latest) };
    }

    async create(holder: LockHolder): Promise<boolean> {
        if ((await this.generations()).length > 0) return false;
        return createExclusive(join(this.location, generationName(1)), JSON.stringify(holder));
    }

    async replace(holder: LockHolder, ifVersion: string): Promise<boolean> {
        const next = Number(ifVersion) + 1;
        if (!(await createExclusive(join(this.location, generationName(next)), JSON.stringify(holder)))) {
            return false;
        }
        // Old generations are history nobody reads; keep 1 (see above) and the one just superseded.
        const stale = (await this.generations()).filter(n => n !== 1 && n < next - 1);
        await Promise.all(stale.map(n => unlink(join(this.location, generationName(n))).catch(() => undefined)));
        return true;
    }

    private async generations(): Promise<number[]> {
        const names = await readdir(this.location).catch((err: NodeJS.ErrnoException) => {
            if (err.code === "ENOENT") return [];
            throw err;
        });
        return names.filter(name => /^\d+\.json$/.test(name)).map(name => Number(name.slice(0, -5))).sort((a, b) => a - b);
    }
}

/** The lock as one object; create is `If-None-Match: *`, every change `If-Match: <etag>`. */
export class ObjectLockBackend implements LockBackend {
    readonly location: string;

    constructor(private readonly store: CasStore, private readonly key = "switch.lock") {
        this.location = `${store.location}/${key}`;
    }

    async read(): Promise<LockRecord | undefined> {
        const object = await this.store.get(this.key);
        return object && { holder: parseHolder(object.body, 0), version: object.version };
    }

    create(holder: LockHolder): Promise<boolean> {
        return this.store.create(this.key, JSON.stringify(holder));
    }

    replace(holder: LockHolder, ifVersion: string): Promise<boolean> {
        return this.store.replace(this.key, JSON.stringify(holder), ifVersion);
    }
}

/** A record nobody can read holds nothing: it reads as lapsed, with a fence no lower than its generation. */
function parseHolder(body: string, generation: number): LockHolder {
    try {
        const holder = JSON.parse(body) as LockHolder;
        if (typeof holder.token === "string" && Number.isInteger(holder.fence) && typeof holder.expiresAt === "number") return holder;
    } catch {
        // Falls through to the lapsed placeholder.
    }
    return { token: "unreadable", fence: generation, by: "unknown", host: "unknown", pid: 0, purpose: "unreadable lock record", expiresAt: 0 };
}
