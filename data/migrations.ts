import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Schema migrations under the expand/contract rule. While both colours serve, the follower's (or
 * candidate's) release runs against the owner's schema and the owner's release against the new
 * one, so a migration that runs before a colour's update may only ADD (expand): new tables, new
 * nullable or defaulted columns, new indexes. Removing or reshaping (contract) waits until no
 * serving release reads the old shape, and runs only when asked for with --contract.
 *
 * Files: `migrations/<database>/<NNN>_<name>.<expand|contract>.sql`, applied in NNN order.
 */

export type MigrationPhase = "expand" | "contract";

export interface Migration {
    readonly database: string;
    /** `001_add_rsvp_table`: the file name without phase and extension. */
    readonly id: string;
    readonly phase: MigrationPhase;
    readonly sql: string;
    readonly checksum: string;
}

const FILE = /^(\d{3,})_([a-z0-9_]+)\.(expand|contract)\.sql$/;

/** Statements an expand migration must not contain: each breaks a release still reading the old schema. */
const CONTRACTING: ReadonlyArray<readonly [RegExp, string]> = [
    [/\bdrop\s+(table|column|view|schema|type|function)\b/i, "drops something a serving release may read"],
    [/\balter\s+table\b[^;]*\bdrop\b/i, "drops a column or constraint from a table"],
    [/\brename\b/i, "renames (the serving release still uses the old name)"],
    [/\balter\s+column\b[^;]*\btype\b/i, "changes a column's type"],
    [/\bset\s+not\s+null\b/i, "makes a column NOT NULL (the serving release may still write nulls)"],
    [/\badd\s+(column\s+)?(?!constraint)\w+\s+[^;,]*\bnot\s+null\b(?![^;,]*\bdefault\b)/i, "adds a NOT NULL column without a DEFAULT (the serving release's inserts would fail)"],
    [/\btruncate\b/i, "truncates a table"],
];

/** SQL with comments removed, so a comment mentioning DROP does not count. */
function stripComments(sql: string): string {
    return sql.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "");
}

/** Why an expand migration is not one; empty when it only adds. */
export function expandProblems(sql: string): string[] {
    const code = stripComments(sql);
    return CONTRACTING.filter(([pattern]) => pattern.test(code)).map(([, why]) => why);
}

/** Reads `<dir>/<database>/*.sql`; every malformed file name and every contracting expand is a problem. */
export function loadMigrations(dir: string, databases: readonly string[]): { migrations: Migration[]; problems: string[] } {
    const migrations: Migration[] = [];
    const problems: string[] = [];
    for (const database of databases) {
        const folder = join(dir, database);
        if (!existsSync(folder)) continue;
        for (const file of readdirSync(folder).filter(name => name.endsWith(".sql")).sort()) {
            const match = FILE.exec(file);
            if (!match) {
                problems.push(`${database}/${file}: expected a name like 001_add_rsvps.expand.sql or 002_drop_legacy.contract.sql`);
                continue;
            }
            const sql = readFileSync(join(folder, file), "utf8");
            const phase = match[3] as MigrationPhase;
            if (phase === "expand") {
                problems.push(...expandProblems(sql).map(why => `${database}/${file}: an expand migration ${why}; make it a .contract.sql to run once no serving release needs the old schema`));
            }
            migrations.push({ database, id: `${match[1]}_${match[2]}`, phase, sql, checksum: createHash("sha256").update(sql).digest("hex") });
        }
    }
    return { migrations, problems };
}

export interface AppliedMigration {
    readonly id: string;
    readonly checksum: string;
}

/**
 * What to run on one database, in order: the pending migrations up to the first contract one
 * when contracts are not allowed. A migration edited after it was applied is a problem.
 */
export function pendingMigrations(all: readonly Migration[], applied: readonly AppliedMigration[], allowContract: boolean): { run: Migration[]; held: Migration[]; problems: string[] } {
    const done = new Map(applied.map(m => [m.id, m.checksum]));
    const problems = all.filter(m => done.has(m.id) && done.get(m.id) !== m.checksum)
        .map(m => `${m.database}/${m.id}: changed after it was applied (checksum differs); add a new migration instead`);
    const pending = all.filter(m => !done.has(m.id));
    const firstHeld = allowContract ? -1 : pending.findIndex(m => m.phase === "contract");
    return firstHeld < 0 ? { run: pending, held: [], problems } : { run: pending.slice(0, firstHeld), held: pending.slice(firstHeld), problems };
}
