import { ChildProcess, execFile, spawn } from "child_process";
import { chmod, mkdtemp, readdir, readFile, rename, rm, writeFile } from "fs/promises";
import { createConnection, createServer } from "net";
import { tmpdir } from "os";
import { join } from "path";
import { promisify } from "util";
import { GatewayRenderOptions, renderNginxConfig } from "../../components/nginxConfig";

export { startStubApi } from "./stubApi";
export type { StubApi, StubBehaviour, StubRequest } from "./stubApi";

/**
 * Real nginx on loopback for tests: each instance gets a fresh temp dir and a free port, and every
 * instance still running when the test file ends (or the process exits) is killed, so a failing
 * test never leaks a server.
 */

export const NGINX_BINARY = "/usr/sbin/nginx";
const run = promisify(execFile);

/** Where a test instance lives; a config must listen on `port` and keep its files in `runtimeDir`. */
export interface NginxRuntime {
    readonly port: number;
    readonly runtimeDir: string;
    readonly accessLogPath: string;
    readonly errorLogPath: string;
}

/** A literal config, a config built from the runtime, or gateway options (runtime keys filled in). */
export type NginxSource = { readonly config: string | ((runtime: NginxRuntime) => string) } | GatewayRenderOptions;

export interface NginxInstance {
    readonly port: number;
    readonly baseUrl: string;
    readonly runtime: NginxRuntime;
    /** Checks the new config with `nginx -t` (rejecting if bad), reloads, and waits for new workers. */
    reload(source: NginxSource): Promise<void>;
    /** The access log's JSON lines, parsed. */
    accessLog(): Promise<Record<string, unknown>[]>;
    stop(): Promise<void>;
}

/** Every nginx started and not yet stopped, with its temp dir. */
const running = new Map<ChildProcess, string>();

process.once("exit", () => running.forEach((_dir, child) => child.kill("SIGKILL")));
if (typeof afterAll === "function") {
    afterAll(() => stopAllNginx());
}

/** Stops every instance this process started and has not stopped yet. */
export async function stopAllNginx(): Promise<void> {
    await Promise.all([...running.keys()].map(child => stopChild(child)));
}

/** A port nothing listens on at the moment of asking, on 127.0.0.1. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            server.close(() => typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")));
        });
    });
}

/** The gateway options a loopback test instance needs on top of the caller's. */
export function loopbackOverrides(runtime: NginxRuntime): Partial<GatewayRenderOptions> {
    return {
        listenHost: "127.0.0.1",
        listenPort: runtime.port,
        runtimeDir: runtime.runtimeDir,
        accessLogPath: runtime.accessLogPath,
        errorLogPath: runtime.errorLogPath,
        workerProcesses: 1,
    };
}

function renderSource(source: NginxSource, runtime: NginxRuntime): string {
    if ("config" in source) {
        return typeof source.config === "string" ? source.config : source.config(runtime);
    }
    // Loopback clients connect straight to nginx with Host 127.0.0.1 unless a test says otherwise.
    return renderNginxConfig({ proxyProtocol: false, allowedHosts: ["127.0.0.1", "localhost"], ...source, ...loopbackOverrides(runtime) });
}

/** Runs `nginx -t` on a config file; resolves with nginx's output, rejects with it when invalid. */
export async function checkNginxConfig(file: string): Promise<string> {
    try {
        const { stderr } = await run(NGINX_BINARY, ["-t", "-c", file]);
        return stderr;
    } catch (error: any) {
        throw new Error(`nginx -t failed for ${file}:\n${error.stderr ?? error.message}`);
    }
}

/** Writes a config into a fresh temp dir and runs `nginx -t` on it; resolves with nginx's output. */
export async function checkConfigText(configFor: (runtime: NginxRuntime) => string): Promise<string> {
    const runtime = await newRuntime();
    try {
        const file = join(runtime.runtimeDir, "nginx.conf");
        await writeFile(file, configFor(runtime));
        return await checkNginxConfig(file);
    } finally {
        await rm(runtime.runtimeDir, { recursive: true, force: true });
    }
}

async function newRuntime(): Promise<NginxRuntime> {
    const runtimeDir = await mkdtemp(join(tmpdir(), "blkout-nginx-"));
    // Run as root, nginx's workers drop to "nobody" and must reach the temp paths inside.
    await chmod(runtimeDir, 0o755);
    return {
        port: await freePort(),
        runtimeDir,
        accessLogPath: join(runtimeDir, "access.log"),
        errorLogPath: join(runtimeDir, "error.log"),
    };
}

function canConnect(port: number): Promise<boolean> {
    return new Promise(resolve => {
        const socket = createConnection({ host: "127.0.0.1", port });
        socket.once("connect", () => { socket.destroy(); resolve(true); });
        socket.once("error", () => resolve(false));
    });
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Stops nginx (fast shutdown, SIGKILL if it hangs), waits for it to exit, removes its temp dir. */
async function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>(resolve => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
    }
    const dir = running.get(child);
    running.delete(child);
    if (dir) {
        await rm(dir, { recursive: true, force: true });
    }
}

/** The pids whose parent is `pid` (nginx's workers), read from /proc. */
async function childPids(pid: number): Promise<Set<number>> {
    const children = new Set<number>();
    for (const entry of await readdir("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
        // The command name may hold spaces; the parent pid is the second field after its ")".
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        if (ppid === pid) children.add(Number(entry));
    }
    return children;
}

async function waitFor(what: string, ready: () => Promise<boolean>, child: ChildProcess, errorLog: string): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
        if (child.exitCode !== null || child.signalCode !== null) {
            const log = await readFile(errorLog, "utf8").catch(() => "");
            throw new Error(`nginx exited before ${what}:\n${log}`);
        }
        if (await ready()) return;
        await sleep(50);
    }
    throw new Error(`nginx: timed out waiting for ${what}`);
}

/** Starts nginx in the foreground on a free loopback port and waits until it accepts connections. */
export async function startNginx(source: NginxSource): Promise<NginxInstance> {
    const runtime = await newRuntime();
    const file = join(runtime.runtimeDir, "nginx.conf");
    try {
        await writeFile(file, renderSource(source, runtime));
        await checkNginxConfig(file);
    } catch (error) {
        await rm(runtime.runtimeDir, { recursive: true, force: true });
        throw error;
    }
    const child = spawn(NGINX_BINARY, ["-c", file, "-g", "daemon off;"], { stdio: "ignore" });
    running.set(child, runtime.runtimeDir);
    try {
        await waitFor("it accepted connections", () => canConnect(runtime.port), child, runtime.errorLogPath);
    } catch (error) {
        await stopChild(child);
        throw error;
    }
    return {
        port: runtime.port,
        baseUrl: `http://127.0.0.1:${runtime.port}`,
        runtime,
        async reload(next) {
            // Checked beside the live file, so a bad config never replaces the one nginx runs.
            const candidate = join(runtime.runtimeDir, "nginx.next.conf");
            await writeFile(candidate, renderSource(next, runtime));
            await checkNginxConfig(candidate);
            await rename(candidate, file);
            const before = await childPids(child.pid!);
            child.kill("SIGHUP");
            await waitFor("the reload", async () => {
                const now = await childPids(child.pid!);
                return now.size > 0 && [...before].every(pid => !now.has(pid));
            }, child, runtime.errorLogPath);
        },
        async accessLog() {
            const text = await readFile(runtime.accessLogPath, "utf8").catch(() => "");
            return text.split("\n").filter(line => line.trim() !== "").map(line => JSON.parse(line));
        },
        stop: () => stopChild(child),
    };
}
