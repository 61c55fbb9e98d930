import { resolve } from "node:path";
import { Client } from "pg";
import { API_NAMES, Colour } from "../components/platformNames";
import { colourProblems } from "../switch/plan";
import { ownerOf } from "./context";
import { loadMigrations, Migration, pendingMigrations } from "./migrations";
import { connect, rows, scrub } from "./pg";
import { ensurePublication, ensureToolSchema, subscriptionName, subscriptionState, TOOL_SCHEMA } from "./replication";
import { credentialKeys } from "./settings";
import { DataStacks, FileDataStacks, other } from "./stacks";

/**
 * `npm run migrate -- --colour <colour> [--contract]`: the deploy workflow's step before a colour's
 * update. Migrations run on the data owner's databases (the one schema both colours use); when the
 * other colour is a candidate being synced, on the candidate first, since logical replication
 * carries rows but not DDL: a column must exist on the subscriber before rows with it arrive. New
 * tables then join the publication and the subscription. The bookkeeping table lives in the
 * tool's schema, outside the publication, so each server keeps its own.
 */

export interface MigrateOptions {
    readonly colour: Colour;
    readonly contract: boolean;
    readonly dir: string;
    readonly stacksFile?: string;
}

export function parseMigrateArgs(argv: readonly string[]): { options?: MigrateOptions; problems: string[] } {
    const problems: string[] = [];
    const value = (flag: string) => {
        const i = argv.indexOf(flag);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const known = new Set(["--colour", "--contract", "--dir", "--stacks-file"]);
    argv.forEach((arg, i) => {
        if (arg.startsWith("--") && !known.has(arg)) problems.push(`${arg}: unknown flag (expected --colour, --contract, --dir, --stacks-file)`);
        if (!arg.startsWith("--") && !["--colour", "--dir", "--stacks-file"].includes(argv[i - 1])) problems.push(`unexpected argument ${JSON.stringify(arg)}`);
    });
    const colour = value("--colour");
    problems.push(...colourProblems("--colour", colour));
    return problems.length > 0 ? { problems } : {
        problems,
        options: { colour: colour as Colour, contract: argv.includes("--contract"), dir: value("--dir") ?? "migrations", stacksFile: value("--stacks-file") },
    };
}

const TRACKING = `${TOOL_SCHEMA}.migrations`;

async function applied(client: Client): Promise<{ id: string; checksum: string }[]> {
    await ensureToolSchema(client);
    await client.query(`CREATE TABLE IF NOT EXISTS ${TRACKING} (id text PRIMARY KEY, checksum text NOT NULL, phase text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    return rows(client, `SELECT id, checksum FROM ${TRACKING}`);
}

async function apply(client: Client, migration: Migration): Promise<void> {
    await client.query("BEGIN");
    try {
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${TRACKING} (id, checksum, phase) VALUES ($1, $2, $3)`, [migration.id, migration.checksum, migration.phase]);
        await client.query("COMMIT");
    } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw new Error(`${migration.database}/${migration.id}: ${(err as Error).message}`);
    }
}

/** Runs the migrations; resolves with the lines to print, or throws one error naming every problem. */
export async function migrate(options: MigrateOptions, stacks: DataStacks, env: NodeJS.ProcessEnv, databases: readonly string[] = API_NAMES): Promise<string[]> {
    const { migrations, problems } = loadMigrations(options.dir, databases);
    const roles = await stacks.roles();
    const { owner, problem } = ownerOf(roles);
    if (problem) problems.push(problem);
    const candidate = owner && roles[other(owner)] === "candidate" ? other(owner) : undefined;
    const urls = (owner ? [owner, ...(candidate ? [candidate] : [])] : []).map(colour => [colour, env[credentialKeys(colour).postgres]] as const);
    problems.push(...urls.filter(([, url]) => !url).map(([colour]) => `${credentialKeys(colour).postgres}: not set (migrations run on ${colour})`));
    if (problems.length > 0) throw new Error(`migrate for ${options.colour} refused, nothing applied:\n${problems.map(p => `  - ${p}`).join("\n")}`);
    const url = Object.fromEntries(urls) as Record<Colour, string>;
    const lines: string[] = [];
    for (const db of databases) {
        const mine = migrations.filter(m => m.database === db);
        const target = await connect(url[owner!], db);
        const follower = candidate ? await connect(url[candidate], db) : undefined;
        try {
            const synced = follower !== undefined && (await subscriptionState(follower, owner!)).exists;
            const plan = pendingMigrations(mine, await applied(target), options.contract);
            if (plan.problems.length > 0) throw new Error(plan.problems.join("; "));
            const onCandidate = synced ? new Set((await applied(follower!)).map(m => m.id)) : new Set<string>();
            for (const migration of plan.run) {
                // Adding: the subscriber first, so replicated rows always fit. Removing: the publisher
                // first, so it stops sending what the subscriber is about to lose.
                const onFollower = synced && !onCandidate.has(migration.id) ? () => apply(follower!, migration) : async () => undefined;
                if (migration.phase === "expand") await onFollower();
                await apply(target, migration);
                if (migration.phase === "contract") await onFollower();
                lines.push(`${db}: applied ${migration.id} (${migration.phase}) on ${owner}${synced ? ` after ${candidate}` : ""}`);
            }
            if (synced && plan.run.length > 0) {
                await ensurePublication(target);
                await follower!.query(`ALTER SUBSCRIPTION ${subscriptionName(owner!)} REFRESH PUBLICATION`);
            }
            lines.push(...plan.held.map(m => `${db}: held ${m.id} (contract): run with --contract once no serving release reads the old schema`));
        } catch (err) {
            throw new Error(scrub((err as Error).message, ...Object.values(url)));
        } finally {
            await target.end().catch(() => undefined);
            await follower?.end().catch(() => undefined);
        }
    }
    lines.push(`migrate for ${options.colour}: ${lines.filter(l => l.includes(": applied ")).length} applied, schema owned by ${owner}`);
    return lines;
}

if (require.main === module) {
    const parsed = parseMigrateArgs(process.argv.slice(2));
    if (!parsed.options) {
        process.stderr.write(`migrate: invalid arguments:\n${parsed.problems.map(p => `  - ${p}`).join("\n")}\n`);
        process.exitCode = 1;
    } else {
        const options = parsed.options;
        const stacks: Promise<DataStacks> = options.stacksFile
            ? Promise.resolve(new FileDataStacks(resolve(options.stacksFile)))
            : import("./pulumiStacks").then(m => new m.PulumiDataStacks({ colourDir: process.cwd() }));
        stacks.then(s => migrate({ ...options, dir: resolve(options.dir) }, s, process.env))
            .then(lines => lines.forEach(line => process.stdout.write(`${line}\n`)))
            .catch((err: Error) => {
                process.stderr.write(`migrate: ${err.message}\n`);
                process.exitCode = 1;
            });
    }
}
