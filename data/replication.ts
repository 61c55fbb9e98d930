import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { promisify } from "node:util";
import { Client } from "pg";
import { Colour } from "../components/platformNames";
import { databaseUrl, ident, literal, lsnBytes, rows, scrub } from "./pg";

/**
 * Logical replication between the colours, one publication and one subscription per application
 * database. Names are fixed by direction, so every step can look before it acts and a rerun finds
 * what a crashed run left: on every server the publication is `blkout_cutover`, and the
 * subscription that takes data FROM colour X is `blkout_from_<X>` (slot `blkout_<db>_from_<X>`).
 * PostgreSQL 15 has no `origin = none`, so the two directions are never enabled together: a change
 * applied from one side would otherwise be sent straight back.
 */

export const TOOL_SCHEMA = "blkout_cutover";
export const PUBLICATION = "blkout_cutover";
export const subscriptionName = (from: Colour) => `blkout_from_${from}`;
export const slotName = (db: string, from: Colour) => `blkout_${db}_from_${from}`;

const run = promisify(execFile);

/** The newest pg_dump installed: it must be at least as new as the server it dumps. */
export function pgDumpPath(env: NodeJS.ProcessEnv = process.env): string {
    if (env.BLKOUT_PG_DUMP) return env.BLKOUT_PG_DUMP;
    const root = "/usr/lib/postgresql";
    const majors = existsSync(root) ? readdirSync(root).filter(v => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
    return majors.length > 0 ? `${root}/${majors[0]}/bin/pg_dump` : "pg_dump";
}

/** The tool's marker table: a row written under the freeze proves, once visible on the other side, that everything before it was applied. */
export async function ensureToolSchema(client: Client): Promise<void> {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${TOOL_SCHEMA};
        CREATE TABLE IF NOT EXISTS ${TOOL_SCHEMA}.marker (id text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
}

/** The application tables of one database (tool schema excluded), quoted. */
export async function userTables(client: Client): Promise<string[]> {
    return (await rows<{ name: string }>(client, `SELECT format('%I.%I', n.nspname, c.relname) AS name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', $1) AND n.nspname NOT LIKE 'pg_toast%'
        ORDER BY 1`, [TOOL_SCHEMA])).map(r => r.name);
}

/**
 * The owner's schema, as pg_dump writes it, applied on the empty candidate. Publications and
 * subscriptions stay behind; the password reaches pg_dump through its environment, never argv.
 */
export async function copySchema(ownerUrl: string, candidate: Client, db: string): Promise<void> {
    const url = new URL(databaseUrl(ownerUrl, db));
    const password = decodeURIComponent(url.password);
    url.password = "";
    try {
        const { stdout } = await run(pgDumpPath(), ["--schema-only", "--no-publications", "--no-subscriptions", "-d", url.toString()],
            { env: { ...process.env, PGPASSWORD: password }, maxBuffer: 256 * 1024 * 1024 });
        await candidate.query(withoutMetaCommands(stdout));
        // pg_dump's preamble empties search_path for this session.
        await candidate.query("SELECT pg_catalog.set_config('search_path', '\"$user\", public', false)");
    } catch (err) {
        throw new Error(`schema copy of ${db}: ${scrub((err as Error).message, ownerUrl)}`);
    }
}

/**
 * pg_dump output is a psql script: since the August 2025 minor releases (15.14, CVE-2025-8714) it
 * opens and closes with `\restrict <key>` / `\unrestrict <key>` meta-commands, which only psql
 * understands. The server gets the SQL without them.
 */
export function withoutMetaCommands(script: string): string {
    return script.split("\n").filter(line => !line.startsWith("\\")).join("\n");
}

/** The publication names every table now in the database, so tables added by a migration are carried too. */
export async function ensurePublication(client: Client): Promise<void> {
    const tables = [...await userTables(client), `${TOOL_SCHEMA}.marker`].join(", ");
    const exists = await rows(client, "SELECT 1 FROM pg_publication WHERE pubname = $1", [PUBLICATION]);
    await client.query(exists.length > 0 ? `ALTER PUBLICATION ${PUBLICATION} SET TABLE ${tables}` : `CREATE PUBLICATION ${PUBLICATION} FOR TABLE ${tables}`);
}

export interface SubscriptionState {
    readonly exists: boolean;
    readonly enabled: boolean;
    /** Tables per sync state: i init, d copying, f/s syncing, r ready. */
    readonly tableStates: Readonly<Record<string, number>>;
}

export async function subscriptionState(client: Client, from: Colour): Promise<SubscriptionState> {
    const [sub] = await rows<{ oid: number; subenabled: boolean }>(client,
        "SELECT oid, subenabled FROM pg_subscription WHERE subname = $1 AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())", [subscriptionName(from)]);
    if (!sub) return { exists: false, enabled: false, tableStates: {} };
    const states = await rows<{ srsubstate: string; n: string }>(client, "SELECT srsubstate, count(*) AS n FROM pg_subscription_rel WHERE srsubid = $1 GROUP BY 1", [sub.oid]);
    return { exists: true, enabled: sub.subenabled, tableStates: Object.fromEntries(states.map(s => [s.srsubstate, Number(s.n)])) };
}

/**
 * Subscribes `subscriber` to `from`'s publication. `copyData` is the initial sync; without it the
 * subscription starts at the publisher's present position (a cutover creates it under the freeze, so
 * nothing written before is missed).
 */
export async function createSubscription(subscriber: Client, fromServerUrl: string, from: Colour, db: string, copyData: boolean): Promise<void> {
    const conninfo = databaseUrl(fromServerUrl, db);
    try {
        await subscriber.query(`CREATE SUBSCRIPTION ${subscriptionName(from)} CONNECTION ${literal(conninfo)} PUBLICATION ${PUBLICATION}
            WITH (copy_data = ${copyData}, slot_name = ${literal(slotName(db, from))})`);
    } catch (err) {
        throw new Error(`subscription of ${db} to ${from}: ${scrub((err as Error).message, fromServerUrl)}`);
    }
}

export async function setSubscriptionEnabled(subscriber: Client, from: Colour, enabled: boolean): Promise<void> {
    await subscriber.query(`ALTER SUBSCRIPTION ${subscriptionName(from)} ${enabled ? "ENABLE" : "DISABLE"}`);
}

/**
 * Moves a disabled subscription's slot on the publisher to its present position, skipping what the
 * publisher wrote while it was a fenced candidate: only changes it had applied from the other side,
 * which the other side already holds.
 */
export async function skipToPresent(publisher: Client, db: string, from: Colour, timeoutMs = 15_000): Promise<void> {
    const slot = slotName(db, from);
    const deadline = Date.now() + timeoutMs;
    // A disabled subscription's walsender takes a moment to let go of the slot.
    while ((await rows(publisher, "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active", [slot])).length > 0) {
        if (Date.now() > deadline) throw new Error(`slot ${slot} is still in use ${timeoutMs} ms after its subscription was disabled`);
        await new Promise(resolve => setTimeout(resolve, 100));
    }
    // The slot moves at most to the flushed WAL, and apply workers commit asynchronously
    // (synchronous_commit = off): take the insert position (pg_current_wal_lsn() is only what was
    // written out), wait until it is flushed, then check where the slot ended.
    const [{ target }] = await rows<{ target: string }>(publisher, "SELECT pg_current_wal_insert_lsn()::text AS target");
    while ((await rows(publisher, "SELECT 1 WHERE pg_current_wal_flush_lsn() < $1::pg_lsn", [target])).length > 0) {
        if (Date.now() > deadline) throw new Error(`WAL up to ${target} was not flushed within ${timeoutMs} ms`);
        await new Promise(resolve => setTimeout(resolve, 50));
    }
    const [{ end }] = await rows<{ end: string }>(publisher, "SELECT end_lsn::text AS end FROM pg_replication_slot_advance($1, $2::pg_lsn)", [slot, target]);
    if ((lsnBytes(end) ?? 0) < (lsnBytes(target) ?? 0)) throw new Error(`slot ${slot} advanced only to ${end}, short of ${target}`);
}

/** Bytes of WAL the subscriber has not confirmed; undefined when the slot does not exist. */
export async function lagBytes(publisher: Client, db: string, from: Colour): Promise<number | undefined> {
    const [row] = await rows<{ current: string; confirmed: string | null }>(publisher,
        "SELECT pg_current_wal_insert_lsn()::text AS current, confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1", [slotName(db, from)]);
    if (!row) return undefined;
    const current = lsnBytes(row.current) ?? 0;
    return Math.max(0, current - (lsnBytes(row.confirmed) ?? 0));
}

/** Writes a marker on the publisher; returns the LSN its commit ended at. */
export async function writeMarker(publisher: Client, id: string): Promise<string> {
    await publisher.query(`INSERT INTO ${TOOL_SCHEMA}.marker (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [id]);
    return (await rows<{ lsn: string }>(publisher, "SELECT pg_current_wal_insert_lsn()::text AS lsn"))[0].lsn;
}

export async function markerVisible(subscriber: Client, id: string): Promise<boolean> {
    return (await rows(subscriber, `SELECT 1 FROM ${TOOL_SCHEMA}.marker WHERE id = $1`, [id])).length > 0;
}

/** The subscriber's view of how far it has received, for the LSN comparison in the report. */
export async function receivedLsn(subscriber: Client, from: Colour): Promise<string | undefined> {
    const [row] = await rows<{ lsn: string | null }>(subscriber,
        "SELECT latest_end_lsn::text AS lsn FROM pg_stat_subscription WHERE subname = $1 AND relid IS NULL", [subscriptionName(from)]);
    return row?.lsn ?? undefined;
}

/** Moves every sequence on `target` past the value it has on `source`, plus a gap for values handed out but not yet committed. */
export async function moveSequences(source: Client, target: Client, gap: number): Promise<number> {
    const sequences = await rows<{ name: string; last_value: string | null }>(source,
        "SELECT format('%I.%I', schemaname, sequencename) AS name, last_value::text FROM pg_sequences WHERE schemaname <> $1", [TOOL_SCHEMA]);
    for (const seq of sequences) {
        await target.query("SELECT setval($1::regclass, $2::bigint, true)", [seq.name, String(BigInt(seq.last_value ?? "0") + BigInt(gap))]);
    }
    return sequences.length;
}

/** The applications' roles may connect (the owner) or not (the candidate); existing sessions of theirs are ended. */
export async function setFenced(client: Client, db: string, appRoles: readonly string[], fenced: boolean): Promise<void> {
    const roles = appRoles.map(ident).join(", ");
    if (fenced) {
        await client.query(`REVOKE CONNECT ON DATABASE ${ident(db)} FROM PUBLIC, ${roles}`);
        await terminateAppSessions(client, db, appRoles);
    } else {
        await client.query(`GRANT CONNECT ON DATABASE ${ident(db)} TO ${roles}`);
    }
}

/** Ends the applications' sessions in `db` and waits until they are gone (a session waiting on the freeze ends without writing). */
export async function terminateAppSessions(client: Client, db: string, appRoles: readonly string[], timeoutMs = 10_000): Promise<void> {
    const query = "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND usename = ANY($2) AND pid <> pg_backend_pid()";
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const pids = (await rows<{ pid: number }>(client, query, [db, appRoles])).map(r => r.pid);
        if (pids.length === 0) return;
        if (Date.now() > deadline) throw new Error(`${db}: application sessions ${pids.join(", ")} did not end within ${timeoutMs} ms`);
        await client.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [pids]);
        await new Promise(resolve => setTimeout(resolve, 50));
    }
}
