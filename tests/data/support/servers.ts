import { ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";

/**
 * Real PostgreSQL 15 and Redis 7 servers on loopback for the data cutover tests: own data
 * directories, free ports, `wal_level=logical`, password (SCRAM) authentication for TCP, stopped on
 * teardown (also after a failure, since every test file stops them in `afterAll`).
 */

const run = promisify(execFile);
const PG_BIN = "/usr/lib/postgresql/15/bin";
export const ADMIN_PASSWORD = "s3cret-Adm1n-pw";
export const APP_PASSWORD = "app-pw";
export const APP_DATABASES = ["ivor", "events", "newsroom"] as const;

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as { port: number };
            server.close(() => resolve(port));
        });
    });
}

/** initdb refuses root: the servers run as the `postgres` system user when we are root. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
    return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
}

export class PgServer {
    private constructor(readonly dir: string, readonly port: number) {}

    static async start(name: string): Promise<PgServer> {
        const dir = mkdtempSync(join(tmpdir(), `blkout-pg-${name}-`));
        if (process.getuid?.() === 0) {
            chownSync(dir, uidOf("postgres"), gidOf("postgres"));
        }
        chmodSync(dir, 0o700);
        const pwfile = join(dir, "pw");
        writeFileSync(pwfile, ADMIN_PASSWORD);
        if (process.getuid?.() === 0) chownSync(pwfile, uidOf("postgres"), gidOf("postgres"));
        const data = join(dir, "data");
        await run(...asPostgres(`${PG_BIN}/initdb`, ["-D", data, "-U", "doadmin", "--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"]));
        const server = new PgServer(dir, await freePort());
        const conf = [
            "listen_addresses = '127.0.0.1'", `port = ${server.port}`, `unix_socket_directories = '${dir}'`,
            "wal_level = logical", "max_replication_slots = 10", "max_wal_senders = 10", "max_logical_replication_workers = 8",
            "max_worker_processes = 16", "max_connections = 60", "shared_buffers = 16MB", "fsync = off", "synchronous_commit = off",
            "full_page_writes = off", "wal_receiver_status_interval = 1s", "wal_retrieve_retry_interval = 500ms",
        ];
        writeFileSync(join(data, "postgresql.auto.conf"), `${conf.join("\n")}\n`);
        await server.startProcess();
        return server;
    }

    get url(): string {
        return `postgresql://doadmin:${encodeURIComponent(ADMIN_PASSWORD)}@127.0.0.1:${this.port}/postgres`;
    }

    appUrl(db: string): string {
        return `postgresql://${db}:${APP_PASSWORD}@127.0.0.1:${this.port}/${db}`;
    }

    async startProcess(): Promise<void> {
        await run(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", join(this.dir, "data"), "-l", join(this.dir, "log"), "-w", "-t", "60", "start"]));
    }

    /** `immediate` is a crash: no checkpoint, clients cut off. */
    async stop(mode: "fast" | "immediate" = "fast"): Promise<void> {
        await run(...asPostgres(`${PG_BIN}/pg_ctl`, ["-D", join(this.dir, "data"), "-m", mode, "-w", "-t", "60", "stop"])).catch(() => undefined);
    }

    async restart(): Promise<void> {
        await this.stop("fast");
        await this.startProcess();
    }

    async destroy(): Promise<void> {
        await this.stop("immediate");
        rmSync(this.dir, { recursive: true, force: true });
    }

    async query<T extends Record<string, unknown> = Record<string, unknown>>(db: string, sql: string, params: unknown[] = []): Promise<T[]> {
        const client = new Client({ connectionString: this.url.replace(/\/postgres$/, `/${db}`) });
        await client.connect();
        try {
            return (await client.query(sql, params)).rows as T[];
        } finally {
            await client.end();
        }
    }

    /** The platform's three databases with their app roles, empty. */
    async createAppDatabases(): Promise<void> {
        for (const db of APP_DATABASES) {
            await this.query("postgres", `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${db}') THEN CREATE ROLE ${db} LOGIN PASSWORD '${APP_PASSWORD}'; END IF; END $$`);
            await this.query("postgres", `CREATE DATABASE ${db} OWNER ${db}`);
        }
    }

    /** Subscriptions first, on every server, so no subscriber reconnects to a slot being dropped. */
    async dropSubscriptions(): Promise<void> {
        for (const db of APP_DATABASES) {
            const exists = await this.query("postgres", "SELECT 1 FROM pg_database WHERE datname = $1", [db]);
            if (exists.length > 0) {
                const subs = await this.query<{ subname: string }>(db, "SELECT subname FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())");
                for (const { subname } of subs) {
                    await this.query(db, `ALTER SUBSCRIPTION ${subname} DISABLE`);
                    await this.query(db, `ALTER SUBSCRIPTION ${subname} SET (slot_name = NONE)`);
                    await this.query(db, `DROP SUBSCRIPTION ${subname}`);
                }
            }
        }
    }

    /** Drops everything the tool and the tests created, so one server pair serves many tests. */
    async reset(): Promise<void> {
        const slots = await this.query<{ slot_name: string }>("postgres", "SELECT slot_name FROM pg_replication_slots");
        for (const { slot_name } of slots) {
            await this.query("postgres", "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL", [slot_name]);
            await waitFor(async () => (await this.query("postgres", "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active", [slot_name])).length === 0, 10_000);
            await this.query("postgres", "SELECT pg_drop_replication_slot($1)", [slot_name]);
        }
        for (const db of APP_DATABASES) {
            await this.query("postgres", `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        }
    }
}

export class RedisServer {
    private constructor(readonly port: number, private readonly child: ChildProcess) {}

    /** `extraArgs` are further redis-server flags, e.g. `--maxmemory 8mb`. */
    static async start(extraArgs: readonly string[] = []): Promise<RedisServer> {
        const port = await freePort();
        const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", ...extraArgs], { stdio: "ignore" });
        const server = new RedisServer(port, child);
        await waitFor(async () => new Promise<boolean>(resolve => {
            const socket = connect(port, "127.0.0.1");
            socket.on("connect", () => { socket.end(); resolve(true); });
            socket.on("error", () => resolve(false));
        }), 10_000);
        return server;
    }

    get url(): string {
        return `redis://127.0.0.1:${this.port}/0`;
    }

    async stop(): Promise<void> {
        if (this.child.exitCode !== null || this.child.signalCode !== null) return;
        const exited = new Promise(resolve => this.child.once("exit", resolve));
        this.child.kill("SIGKILL");
        await exited;
    }
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await check().catch(() => false)) return;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise(resolve => setTimeout(resolve, 100));
    }
}

function uidOf(user: string): number {
    return Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
}

function gidOf(user: string): number {
    return Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
}
