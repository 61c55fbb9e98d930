import { Client } from "pg";
import { rows } from "./pg";
import { userTables } from "./replication";

/** One table's row count and an order-independent checksum of its rows' text. */
export interface TableDigest {
    readonly rows: number;
    readonly checksum: string;
}

export type DatabaseDigest = Readonly<Record<string, TableDigest>>;

/**
 * Every table's digest, read in one REPEATABLE READ snapshot so the tables agree with each other.
 * The checksum sums the first 64 bits of each row's md5, so it does not depend on row order or on
 * the physical layout, only on the rows' values as text.
 */
export async function digestDatabase(client: Client): Promise<DatabaseDigest> {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
        const digest: Record<string, TableDigest> = {};
        for (const table of await userTables(client)) {
            const [row] = await rows<{ n: string; sum: string | null }>(client,
                `SELECT count(*)::text AS n, sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric)::text AS sum FROM ${table} t`);
            digest[table] = { rows: Number(row.n), checksum: row.sum ?? "0" };
        }
        return digest;
    } finally {
        await client.query("COMMIT").catch(() => undefined);
    }
}

/** Every difference between the owner's and the candidate's digests, one line each; empty when they match. */
export function digestDifferences(db: string, owner: DatabaseDigest, candidate: DatabaseDigest): string[] {
    const tables = [...new Set([...Object.keys(owner), ...Object.keys(candidate)])].sort();
    return tables.flatMap(table => {
        const o = owner[table];
        const c = candidate[table];
        if (!o) return [`${db}.${table}: only on the candidate`];
        if (!c) return [`${db}.${table}: missing on the candidate`];
        if (o.rows !== c.rows) return [`${db}.${table}: ${o.rows} rows on the owner, ${c.rows} on the candidate`];
        if (o.checksum !== c.checksum) return [`${db}.${table}: ${o.rows} rows on both but checksums differ`];
        return [];
    });
}

/** A one-line summary for the journal and the report. */
export function describeDigest(digest: DatabaseDigest): string {
    const tables = Object.entries(digest);
    return `${tables.length} tables, ${tables.reduce((sum, [, d]) => sum + d.rows, 0)} rows`;
}
