import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/** Who holds the switch lock, and until when; renewed while the holder works. */
export interface LockHolder {
    /** Unique per acquisition, so a holder never releases someone else's lock. */
    readonly token: string;
    /**
     * The fencing token: one more than the previous holder's, given at acquisition and kept by
     * renewals. Every journal write and traffic update checks it is still the lock's; a run whose
     * fence is no longer current has been taken over and may neither write nor move traffic.
     */
    readonly fence: number;
    readonly by: string;
    readonly host: string;
    readonly pid: number;
    /** What the holder is doing, e.g. "switch to green". */
    readonly purpose: string;
    readonly switchId?: string;
    /** Wall time: the lease is shared with other machines, which only share wall time. 0 once released. */
    readonly expiresAt: number;
}

/** The lock record as stored, with the version a compare-and-swap must name. */
export interface LockRecord {
    readonly holder: LockHolder;
    readonly version: string;
}

/** Storage for the one lock record: read, create if absent, compare-and-swap. Never delete-then-create. */
export interface LockBackend {
    readonly location: string;
    read(): Promise<LockRecord | undefined>;
    create(holder: LockHolder): Promise<boolean>;
    replace(holder: LockHolder, ifVersion: string): Promise<boolean>;
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
    /** Wall time, for leases other machines read. */
    readonly now: () => number;
    /** @default os.hostname() */
    readonly host?: string;
    /** @default pidAlive */
    readonly alive?: (pid: number) => boolean;
}

/** Whether `holder` still holds the lock as `record` shows it: same acquisition, same fence. */
export function holds(record: LockRecord | undefined, holder: Pick<LockHolder, "token" | "fence">): boolean {
    return record?.holder.token === holder.token && record.holder.fence === holder.fence;
}

/**
 * A lease, not a mutex: a holder that dies stops renewing and its lock lapses at `expiresAt`. On
 * the holder's own host a dead pid frees the lock at once, so a crashed switch can be resumed
 * without waiting out the lease. Every change is one compare-and-swap on the record's version, so
 * of two runs taking over the same stale lock exactly one wins, and each takeover raises the fence.
 */
export class SwitchLock {
    constructor(private readonly backend: LockBackend, private readonly options: SwitchLockOptions) {}

    get location(): string {
        return this.backend.location;
    }

    holderFor(fields: Pick<LockHolder, "by" | "purpose" | "switchId">, ttlMs: number): LockHolder {
        return { ...fields, token: randomBytes(8).toString("hex"), fence: 0, host: this.host, pid: process.pid, expiresAt: this.options.now() + ttlMs };
    }

    isLive(holder: LockHolder): boolean {
        if (holder.expiresAt <= this.options.now()) {
            return false;
        }
        return holder.host !== this.host || (this.options.alive ?? pidAlive)(holder.pid);
    }

    /** The live holder, if any. */
    async current(): Promise<LockHolder | undefined> {
        const record = await this.backend.read();
        return record && this.isLive(record.holder) ? record.holder : undefined;
    }

    /**
     * Takes the lock when it is free or lapsed; with `force`, also from a live holder (a rollback
     * that must not wait for a run that may be stuck). Resolves with the holder and its fence.
     */
    async acquire(holder: LockHolder, options: { force?: boolean } = {}): Promise<AcquireResult> {
        const record = await this.backend.read();
        if (record && this.isLive(record.holder) && !options.force) {
            return { ok: false, holder: record.holder };
        }
        const mine = { ...holder, fence: (record?.holder.fence ?? 0) + 1 };
        const won = record ? await this.backend.replace(mine, record.version) : await this.backend.create(mine);
        if (won) {
            return { ok: true, holder: mine };
        }
        // Another run changed the record between our read and our write, and its write stands.
        const winner = await this.backend.read();
        return { ok: false, holder: winner?.holder ?? mine };
    }

    /** Extends the lease; undefined when the lock is no longer ours (taken over). Store failures throw. */
    async renew(holder: LockHolder, ttlMs: number): Promise<LockHolder | undefined> {
        const record = await this.backend.read();
        if (!record || !holds(record, holder)) {
            return undefined;
        }
        const renewed = { ...holder, expiresAt: this.options.now() + ttlMs };
        return (await this.backend.replace(renewed, record.version)) ? renewed : undefined;
    }

    /** The fencing check: true while `holder`'s acquisition is still the lock's. Store failures throw. */
    async owns(holder: LockHolder): Promise<boolean> {
        return holds(await this.backend.read(), holder);
    }

    /** Marks the lock free (the record stays, so the next holder's fence is higher still). */
    async release(holder: LockHolder): Promise<void> {
        const record = await this.backend.read();
        if (record && holds(record, holder)) {
            await this.backend.replace({ ...record.holder, expiresAt: 0 }, record.version);
        }
    }

    private get host(): string {
        return this.options.host ?? hostname();
    }
}
