import { Client } from "pg";

/**
 * A PostgreSQL read replica's lag behind its primary, asked of the replica itself. When everything
 * received has been replayed the replica is caught up (0 s), however long ago the last write was;
 * otherwise the lag is the age of the last replayed transaction. Neither a server that is not a
 * replica nor a replica that is not streaming from its primary is ever "caught up": a disconnected
 * replica has replayed all it received and would otherwise read as 0 s. The monitoring user needs
 * the pg_monitor role to see the WAL receiver's status.
 */
export const REPLICA_LAG_SQL = `
SELECT pg_is_in_recovery() AS replica,
       (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiver,
       CASE WHEN pg_last_wal_receive_lsn() IS NOT NULL AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END AS lag_seconds`;

export interface ReplicaLagOptions {
    /** @default 5000 */
    readonly timeoutMs?: number;
}

/** Connects, asks, disconnects: a warm-up samples every few seconds, so no connection is kept. */
export async function replicaLagSeconds(connectionString: string, options: ReplicaLagOptions = {}): Promise<number> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const client = new Client({ connectionString, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs, query_timeout: timeoutMs });
    client.on("error", () => undefined);
    try {
        await client.connect();
        const result = await client.query<{ replica: boolean; receiver: string | null; lag_seconds: string | number | null }>(REPLICA_LAG_SQL);
        const row = result.rows[0];
        if (!row?.replica) {
            throw new Error("the server is not a read replica (pg_is_in_recovery() is false)");
        }
        if (row.receiver !== "streaming") {
            throw new Error(`the replica is not streaming from its primary (WAL receiver: ${row.receiver ?? "none"})`);
        }
        if (row.lag_seconds === null) {
            throw new Error("the replica has replayed nothing yet");
        }
        return Number(row.lag_seconds);
    } finally {
        await client.end().catch(() => undefined);
    }
}

/** The environment variable holding the monitoring connection to a colour's replica. */
export function replicaUrlVariable(colour: string): string {
    return `BLKOUT_REPLICA_LAG_URL_${colour.toUpperCase()}`;
}
