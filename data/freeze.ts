import { Client } from "pg";
import { connect, rows, scrub, TOOL_APPLICATION } from "./pg";
import { userTables } from "./replication";

/**
 * The write freeze: one open transaction per application database holding every application table
 * in EXCLUSIVE mode (reads go on, INSERT/UPDATE/DELETE wait). It is a lock, not a setting, so nothing
 * durable is left behind when the tool goes away:
 * - the tool dies (SIGKILL, OOM, host crash): its TCP connections close, PostgreSQL rolls the
 *   transactions back and the lock is gone at once;
 * - the tool hangs or its network is cut: the sessions were opened with
 *   `idle_in_transaction_session_timeout` = the bound, so the server ends them itself.
 * Writers wait on the lock rather than fail, which is the "pause" of their pools; the ones still
 * waiting when the old owner is fenced are terminated without having written anything.
 */

/** Whether a freeze can still hold: the server ends it at `acquiredAt + bound` at the latest. */
export function freezeExpired(acquiredAt: number, boundMs: number, now: number): boolean {
    return now >= acquiredAt + boundMs;
}

/** The lock_timeout for one attempt: long enough to queue behind short transactions, short next to the bound. */
export function lockWaitMs(boundMs: number): number {
    return Math.max(200, Math.min(2000, Math.floor(boundMs / 5)));
}

export class Freeze {
    private lost = false;

    private constructor(private readonly sessions: Map<string, Client>, readonly acquiredAt: number, readonly boundMs: number) {
        for (const client of sessions.values()) {
            client.on("end", () => { this.lost = true; });
        }
    }

    /**
     * Freezes every database or none: a database whose lock cannot be had in time (a long
     * transaction) gets that transaction's session terminated once, then one more try.
     */
    static async acquire(serverUrl: string, databases: readonly string[], boundMs: number, appRoles: readonly string[]): Promise<Freeze> {
        const sessions = new Map<string, Client>();
        try {
            for (const db of databases) {
                sessions.set(db, await lockDatabase(serverUrl, db, boundMs, appRoles));
            }
        } catch (err) {
            await Promise.all([...sessions.values()].map(client => client.end().catch(() => undefined)));
            throw new Error(scrub((err as Error).message, serverUrl));
        }
        return new Freeze(sessions, Date.now(), boundMs);
    }

    /**
     * True while every session is still open and the bound is not reached. No statement is sent on
     * the sessions: one would restart the server's idle timer and stretch the bound.
     */
    holding(now = Date.now()): boolean {
        return !this.lost && !freezeExpired(this.acquiredAt, this.boundMs, now);
    }

    /** Lifts the freeze (rolls back: the freeze transactions never write). */
    async release(): Promise<void> {
        this.lost = true;
        await Promise.all([...this.sessions.values()].map(async client => {
            await client.query("ROLLBACK").catch(() => undefined);
            await client.end().catch(() => undefined);
        }));
        this.sessions.clear();
    }
}

async function lockDatabase(serverUrl: string, db: string, boundMs: number, appRoles: readonly string[]): Promise<Client> {
    const client = await connect(serverUrl, db, { idleInTransactionMs: boundMs });
    try {
        const tables = await userTables(client);
        for (let attempt = 1; ; attempt++) {
            await client.query("BEGIN");
            await client.query(`SET LOCAL lock_timeout = ${lockWaitMs(boundMs)}`);
            try {
                if (tables.length > 0) await client.query(`LOCK TABLE ${tables.join(", ")} IN EXCLUSIVE MODE`);
                return client;
            } catch (err) {
                await client.query("ROLLBACK");
                if ((err as { code?: string }).code !== "55P03" || attempt > 1) throw err;
                // Drain: a transaction that held its lock past lock_timeout is ended; its client sees an error and retries later.
                await terminateLockHolders(client, tables, appRoles);
            }
        }
    } catch (err) {
        await client.end().catch(() => undefined);
        throw new Error(`freeze of ${db}: ${(err as Error).message}`);
    }
}

async function terminateLockHolders(client: Client, tables: readonly string[], appRoles: readonly string[]): Promise<void> {
    await rows(client, `SELECT pg_terminate_backend(a.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.relation = ANY($1::regclass[]) AND l.granted AND a.pid <> pg_backend_pid() AND a.application_name <> $2 AND a.usename = ANY($3)`,
    [tables, TOOL_APPLICATION, appRoles]);
}
