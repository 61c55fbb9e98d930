import { ChildProcess, execFileSync, spawn } from "child_process";
import { chownSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { createServer } from "net";
import { tmpdir } from "os";
import { join } from "path";

/**
 * A real PostgreSQL 15 primary and a streaming replica on loopback, in a temp dir, for the replica
 * lag probe. PostgreSQL refuses to run as root, so under root (CI runs the suite with sudo) the
 * servers run as `nobody`.
 */

const BIN = "/usr/lib/postgresql/15/bin";
const asUser: { uid?: number; gid?: number } = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
        });
    });
}

function run(binary: string, args: string[]): void {
    execFileSync(join(BIN, binary), args, { ...asUser, stdio: "pipe", env: { ...process.env, LC_ALL: "C" } });
}

export class PostgresServer {
    private process?: ChildProcess;
    constructor(readonly dataDir: string, readonly port: number) {}

    async start(): Promise<void> {
        this.process = spawn(join(BIN, "postgres"), ["-D", this.dataDir, "-p", String(this.port), "-h", "127.0.0.1", "-k", this.dataDir], { ...asUser, stdio: "ignore" });
        const deadline = Date.now() + 20_000;
        for (;;) {
            try {
                execFileSync(join(BIN, "pg_isready"), ["-h", "127.0.0.1", "-p", String(this.port)], { stdio: "ignore" });
                return;
            } catch {
                if (Date.now() > deadline) throw new Error(`postgres on ${this.port} did not start`);
                await new Promise(r => setTimeout(r, 100));
            }
        }
    }

    async stop(): Promise<void> {
        const child = this.process;
        if (!child || child.exitCode !== null) return;
        await new Promise<void>(resolve => {
            child.once("exit", () => resolve());
            child.kill("SIGINT");
        });
    }

    url(user = "postgres"): string {
        return `postgresql://${user}@127.0.0.1:${this.port}/postgres`;
    }
}

export interface PostgresPair {
    readonly primary: PostgresServer;
    readonly replica: PostgresServer;
    cleanup(): Promise<void>;
}

export async function startPair(): Promise<PostgresPair> {
    const root = mkdtempSync(join(tmpdir(), "blkout-pg-"));
    if (asUser.uid !== undefined) chownSync(root, asUser.uid, asUser.gid ?? asUser.uid);
    const primaryDir = join(root, "primary");
    const replicaDir = join(root, "replica");
    const primary = new PostgresServer(primaryDir, await freePort());
    const replica = new PostgresServer(replicaDir, await freePort());
    try {
        run("initdb", ["-D", primaryDir, "-U", "postgres", "--auth=trust", "--no-sync"]);
        writeFileSync(join(primaryDir, "postgresql.auto.conf"), "wal_level = replica\nmax_wal_senders = 4\nfsync = off\n");
        await primary.start();
        run("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", replicaDir, "-R", "-X", "stream"]);
        await replica.start();
    } catch (error) {
        await Promise.all([replica.stop(), primary.stop()]);
        rmSync(root, { recursive: true, force: true });
        throw error;
    }
    return {
        primary, replica,
        cleanup: async () => {
            await Promise.all([replica.stop(), primary.stop()]);
            rmSync(root, { recursive: true, force: true });
        },
    };
}
