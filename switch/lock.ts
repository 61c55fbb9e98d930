import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { ObjectStore } from "./objectStore";

/** Who holds the switch lock, and until when; renewed while the holder works. */
export interface LockHolder {
    /** Unique per acquisition, so a holder never releases someone else's lock. */
    readonly token: string;
    readonly by: string;
    readonly host: string;
    readonly pid: number;
    /** What the holder is doing, e.g. "switch to green". */
    readonly purpose: string;
    readonly switchId?: string;
    readonly expiresAt: number;
}

/** Storage for the one lock record: exclusive create, read, overwrite, remove. */
export interface LockBackend {
    readonly location: string;
    read(): Promise<LockHolder | undefined>;
    create(holder: LockHolder): Promise<boolean>;
    write(holder: LockHolder): Promise<void>;
    remove(): Promise<void>;
}

export type AcquireResult = { ok: true; holder: LockHolder } | { ok: false; holder: LockHolder };

export function pidAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

export interface SwitchLockOptions {
    readonly now: () => number;
    /** @default os.hostname() */
    readonly host?: string;
    /** @default pidAlive */
    readonly alive?: (pid: number) => boolean;
}

/**
 * A lease, not a mutex: a holder that dies stops renewing and its lock lapses at `expiresAt`. On
 * the holder's own host a dead pid frees the lock at once, so a crashed switch can be resumed
 * without waiting out the lease.
 */
export class SwitchLock {
    constructor(private readonly backend: LockBackend, private readonly options: SwitchLockOptions) {}

    get location(): string {
        return this.backend.location;
    }

    holderFor(fields: Pick<LockHolder, "by" | "purpose" | "switchId">, ttlMs: number): LockHolder {
        return { ...fields, token: randomBytes(8).toString("hex"), host: this.host, pid: process.pid, expiresAt: this.options.now() + ttlMs };
    }

    isLive(holder: LockHolder): boolean {
        if (holder.expiresAt <= this.options.now()) {
            return false;
        }
        return holder.host !== this.host || (this.options.alive ?? pidAlive)(holder.pid);
    }

    /** The live holder, if any. */
    async current(): Promise<LockHolder | undefined> {
        const holder = await this.backend.read();
        return holder && this.isLive(holder) ? holder : undefined;
    }

    async acquire(holder: LockHolder): Promise<AcquireResult> {
        if (await this.backend.create(holder)) {
            return { ok: true, holder };
        }
        const existing = await this.backend.read();
        if (existing && this.isLive(existing)) {
            return { ok: false, holder: existing };
        }
        await this.backend.remove();
        if (await this.backend.create(holder)) {
            return { ok: true, holder };
        }
        // Someone else took the stale lock between our remove and create.
        const winner = await this.backend.read();
        return winner ? { ok: false, holder: winner } : { ok: false, holder };
    }

    /** Extends the lease; false when the lock is no longer ours (it lapsed and was taken). */
    async renew(holder: LockHolder, ttlMs: number): Promise<LockHolder | undefined> {
        const existing = await this.backend.read();
        if (existing?.token !== holder.token) {
            return undefined;
        }
        const renewed = { ...holder, expiresAt: this.options.now() + ttlMs };
        await this.backend.write(renewed);
        return renewed;
    }

    async release(holder: LockHolder): Promise<void> {
        const existing = await this.backend.read();
        if (existing?.token === holder.token) {
            await this.backend.remove();
        }
    }

    private get host(): string {
        return this.options.host ?? hostname();
    }
}

/** The lock as a file beside the file journal; `wx` makes the create exclusive. */
export class FileLockBackend implements LockBackend {
    constructor(readonly location: string) {}

    async read(): Promise<LockHolder | undefined> {
        try {
            return JSON.parse(await readFile(this.location, "utf8")) as LockHolder;
        } catch (err) {
            // Missing, or torn by a crash mid-write: either way nobody holds it.
            if ((err as NodeJS.ErrnoException).code === "ENOENT" || err instanceof SyntaxError) return undefined;
            throw err;
        }
    }

    async create(holder: LockHolder): Promise<boolean> {
        await mkdir(dirname(this.location), { recursive: true });
        try {
            await writeFile(this.location, JSON.stringify(holder), { flag: "wx" });
            return true;
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
            throw err;
        }
    }

    async write(holder: LockHolder): Promise<void> {
        const temp = `${this.location}.${randomBytes(4).toString("hex")}.tmp`;
        await writeFile(temp, JSON.stringify(holder));
        await rename(temp, this.location);
    }

    async remove(): Promise<void> {
        await unlink(this.location).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== "ENOENT") throw err;
        });
    }
}

/** The lock as one object; the exclusive create is a conditional PUT (`If-None-Match: *`). */
export class ObjectLockBackend implements LockBackend {
    readonly location: string;

    constructor(private readonly store: ObjectStore, private readonly key = "switch.lock") {
        this.location = `${store.location}/${key}`;
    }

    async read(): Promise<LockHolder | undefined> {
        const body = await this.store.get(this.key);
        return body === undefined ? undefined : (JSON.parse(body) as LockHolder);
    }

    create(holder: LockHolder): Promise<boolean> {
        return this.store.put(this.key, JSON.stringify(holder), { ifAbsent: true });
    }

    async write(holder: LockHolder): Promise<void> {
        await this.store.put(this.key, JSON.stringify(holder));
    }

    remove(): Promise<void> {
        return this.store.delete(this.key);
    }
}
