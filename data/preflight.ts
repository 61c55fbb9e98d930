import { Colour } from "../components/platformNames";
import { connect, rows } from "./pg";
import { subscriptionName, TOOL_SCHEMA } from "./replication";

/** What one server says about itself and one application database, read before anything changes. */
export interface ServerFacts {
    readonly versionNum: number;
    readonly walLevel: string;
    readonly freeSlots: number;
    readonly freeWalSenders: number;
    readonly roles: readonly string[];
    readonly databases: Readonly<Record<string, DatabaseFacts | undefined>>;
}

export interface DatabaseFacts {
    /** schema.table of every user table. */
    readonly tables: readonly string[];
    /** Tables logical replication cannot update or delete in: no primary key and no replica identity. */
    readonly keyless: readonly string[];
    readonly extensions: readonly string[];
    readonly availableExtensions: readonly string[];
    /** Subscriptions in this database, by name. */
    readonly subscriptions: readonly string[];
}

export interface PreflightInput {
    readonly owner: Colour;
    readonly candidate: Colour;
    readonly databases: readonly string[];
    readonly appRoles: readonly string[];
    readonly facts: Readonly<Record<Colour, ServerFacts | Error>>;
}

const major = (versionNum: number) => Math.floor(versionNum / 10000);

/**
 * Every reason a sync or cutover must not start, each naming the colour, database or table. Pure:
 * the facts are read first, and nothing is changed when this returns anything.
 */
export function preflightProblems(input: PreflightInput): string[] {
    const { owner, candidate } = input;
    const problems: string[] = [];
    for (const colour of [owner, candidate]) {
        const facts = input.facts[colour];
        if (facts instanceof Error) {
            problems.push(`${colour} (${colour === owner ? "owner" : "candidate"}) PostgreSQL unreachable: ${facts.message}`);
        }
    }
    const o = input.facts[owner];
    const c = input.facts[candidate];
    if (o instanceof Error || c instanceof Error) {
        return problems;
    }
    if (major(c.versionNum) < major(o.versionNum)) {
        problems.push(`version downgrade: candidate ${candidate} runs PostgreSQL ${major(c.versionNum)}, older than owner ${owner}'s ${major(o.versionNum)}`);
    }
    for (const [colour, facts] of [[owner, o], [candidate, c]] as const) {
        if (facts.walLevel !== "logical") {
            problems.push(`${colour}: wal_level is ${facts.walLevel}; logical replication (both directions) needs wal_level = logical`);
        }
    }
    const forward = subscriptionName(owner);
    const subscribed = input.databases.filter(db => c.databases[db]?.subscriptions.includes(forward));
    const needed = input.databases.length - subscribed.length;
    if (o.freeSlots < needed) problems.push(`${owner}: ${o.freeSlots} free replication slots, ${needed} needed (max_replication_slots)`);
    if (o.freeWalSenders < needed) problems.push(`${owner}: ${o.freeWalSenders} free WAL senders, ${needed} needed (max_wal_senders)`);
    // Reverse replication at cutover takes as many again on the candidate.
    if (c.freeSlots < input.databases.length) problems.push(`${candidate}: ${c.freeSlots} free replication slots, ${input.databases.length} needed for reverse replication`);
    if (c.freeWalSenders < input.databases.length) problems.push(`${candidate}: ${c.freeWalSenders} free WAL senders, ${input.databases.length} needed for reverse replication`);
    for (const role of input.appRoles) {
        if (!c.roles.includes(role)) problems.push(`${candidate}: application role ${role} does not exist (the schema's grants name it)`);
    }
    for (const db of input.databases) {
        const od = o.databases[db];
        const cd = c.databases[db];
        if (!od) {
            problems.push(`${owner}: database ${db} does not exist`);
            continue;
        }
        if (!cd) {
            problems.push(`${candidate}: database ${db} does not exist (the candidate's stack creates it)`);
            continue;
        }
        problems.push(...od.keyless.map(table => `${owner}/${db}: table ${table} has no primary key or replica identity; logical replication cannot carry its updates and deletes`));
        const missing = od.extensions.filter(ext => !cd.availableExtensions.includes(ext));
        if (missing.length > 0) problems.push(`${candidate}/${db}: extensions ${missing.join(", ")} are installed on ${owner} but not available here`);
        const foreign = cd.subscriptions.filter(sub => sub !== forward);
        if (foreign.length > 0) problems.push(`${candidate}/${db}: unrelated subscriptions ${foreign.join(", ")}`);
        if (!cd.subscriptions.includes(forward) && cd.tables.length > 0) {
            problems.push(`${candidate}/${db}: holds ${cd.tables.length} tables (${cd.tables.slice(0, 3).join(", ")}${cd.tables.length > 3 ? ", ..." : ""}) but is not subscribed to ${owner}: refusing to overwrite unrelated data`);
        }
    }
    return problems;
}

/** Reads a server's facts; an unreachable server comes back as the Error, for the problem list. */
export async function readFacts(serverUrl: string, databases: readonly string[]): Promise<ServerFacts | Error> {
    try {
        const admin = await connect(serverUrl, "postgres");
        try {
            const [settings] = await rows<Record<string, string>>(admin, `SELECT current_setting('server_version_num') AS version,
                current_setting('wal_level') AS wal_level,
                current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots) AS free_slots,
                current_setting('max_wal_senders')::int - (SELECT count(*) FROM pg_stat_replication) AS free_senders`);
            const roles = (await rows<{ rolname: string }>(admin, "SELECT rolname FROM pg_roles")).map(r => r.rolname);
            const present = new Set((await rows<{ datname: string }>(admin, "SELECT datname FROM pg_database")).map(r => r.datname));
            const facts: Record<string, DatabaseFacts | undefined> = {};
            for (const db of databases) {
                facts[db] = present.has(db) ? await readDatabaseFacts(serverUrl, db) : undefined;
            }
            return {
                versionNum: Number(settings.version), walLevel: settings.wal_level,
                freeSlots: Number(settings.free_slots), freeWalSenders: Number(settings.free_senders), roles, databases: facts,
            };
        } finally {
            await admin.end().catch(() => undefined);
        }
    } catch (err) {
        return err as Error;
    }
}

async function readDatabaseFacts(serverUrl: string, db: string): Promise<DatabaseFacts> {
    const client = await connect(serverUrl, db);
    try {
        const tables = await rows<{ name: string; keyed: boolean }>(client, `SELECT format('%I.%I', n.nspname, c.relname) AS name,
                CASE c.relreplident WHEN 'f' THEN true WHEN 'i' THEN true
                    WHEN 'd' THEN EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) ELSE false END AS keyed
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', $1) AND n.nspname NOT LIKE 'pg_toast%'
            ORDER BY 1`, [TOOL_SCHEMA]);
        const extensions = await rows<{ extname: string }>(client, "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'");
        const available = await rows<{ name: string }>(client, "SELECT name FROM pg_available_extensions");
        const subscriptions = await rows<{ subname: string }>(client,
            "SELECT subname FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())");
        return {
            tables: tables.map(t => t.name),
            keyless: tables.filter(t => !t.keyed).map(t => t.name),
            extensions: extensions.map(e => e.extname),
            availableExtensions: available.map(e => e.name),
            subscriptions: subscriptions.map(s => s.subname),
        };
    } finally {
        await client.end().catch(() => undefined);
    }
}
