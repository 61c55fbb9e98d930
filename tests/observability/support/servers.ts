import { ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { mtailCommand, MTAIL_PROGRAM_FILE } from "../../../components/gatewayMetrics";
import { freePort } from "../../support/nginx";

/**
 * Debian's mtail and Prometheus on loopback, on free ports, in temp dirs. Every process still
 * running when the test file ends (or the process exits) is killed, so a failing test leaks none.
 */

export const PROMETHEUS_BINARY = "/usr/bin/prometheus";

const running = new Map<ChildProcess, string>();
process.once("exit", () => running.forEach((_dir, child) => { try { process.kill(-child.pid!, "SIGKILL"); } catch { child.kill("SIGKILL"); } }));
if (typeof afterAll === "function") {
    afterAll(() => Promise.all([...running.keys()].map(stopChild)));
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>(resolve => child.once("exit", () => resolve()));
        // The process group: the sidecar command's shell loop goes with its mtail.
        const signal = (name: NodeJS.Signals) => { try { process.kill(-child.pid!, name); } catch { child.kill(name); } };
        signal("SIGTERM");
        const timer = setTimeout(() => signal("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
    }
    const dir = running.get(child);
    running.delete(child);
    if (dir) await rm(dir, { recursive: true, force: true });
}

export interface Server {
    readonly port: number;
    readonly url: string;
    /** What the process wrote to stderr so far (mtail and Prometheus log there). */
    log(): string;
    stop(): Promise<void>;
}

/** Spawns `binary` (with `env` over this process's), waits until `readyPath` answers 200, and owns `dir` (removed on stop). */
export async function startServer(binary: string, args: string[], port: number, readyPath: string, dir: string, env: NodeJS.ProcessEnv = {}): Promise<Server> {
    const child = spawn(binary, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"], detached: true, env: { ...process.env, ...env } });
    running.set(child, dir);
    let stderr = "";
    child.stderr?.on("data", chunk => { stderr = (stderr + String(chunk)).slice(-20_000); });
    const url = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt++) {
        if (child.exitCode !== null || child.signalCode !== null || attempt > 300) {
            await stopChild(child);
            throw new Error(`${binary} did not become ready:\n${stderr}`);
        }
        const ok = await fetch(`${url}${readyPath}`).then(r => r.ok, () => false);
        if (ok) break;
        await sleep(50);
    }
    return { port, url, log: () => stderr, stop: () => stopChild(child) };
}

export interface MtailServer extends Server {
    /** The file nginx's metrics log goes to. */
    readonly logFile: string;
}

/** The real mtail with the rendered program, started by the sidecar's own command, on loopback. */
export async function startMtail(program: string, trim: { capBytes?: number; trimEverySeconds?: number } = {}): Promise<MtailServer> {
    const dir = await mkdtemp(join(tmpdir(), "blkout-mtail-"));
    // nginx's workers drop to "nobody" in the tests; the master (root) opens the log, so only the dir needs reaching.
    await chmod(dir, 0o755);
    await writeFile(join(dir, MTAIL_PROGRAM_FILE), program);
    const port = await freePort();
    const logFile = join(dir, "metrics.log");
    const [shell, ...args] = mtailCommand({ programDir: dir, logFile, metricsPort: port, address: "127.0.0.1", ...trim });
    const server = await startServer(shell, args, port, "/metrics", dir);
    return { ...server, logFile };
}

export interface PrometheusServer extends Server {
    readonly configText: string;
}

/** The real Prometheus with a config (YAML text) and optional rule files, on loopback. */
export async function startPrometheus(configText: string, rules: Readonly<Record<string, string>> = {}): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), "blkout-prometheus-"));
    const port = await freePort();
    await writeFile(join(dir, "prometheus.yml"), configText);
    await Promise.all(Object.entries(rules).map(([file, text]) => writeFile(join(dir, file), text)));
    const args = [
        `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn",
    ];
    const server = await startServer(PROMETHEUS_BINARY, args, port, "/-/ready", dir);
    return { ...server, configText };
}

/** One series of an instant vector, as the HTTP API returns it. */
export interface PromSample {
    readonly metric: Record<string, string>;
    readonly value: [number, string];
}

/** Instant query against a test Prometheus (`/api/v1/query`); a query Prometheus refuses throws with its error. */
export async function instantQuery(prometheus: Pick<Server, "url">, promql: string): Promise<PromSample[]> {
    const body = await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`)).json() as { status: string; data: { result: PromSample[] }; error?: string };
    if (body.status !== "success") throw new Error(`query ${promql}: ${body.error}`);
    return body.data.result;
}

type Job = { job_name: string; [key: string]: unknown };

/**
 * The rendered config with only the named jobs, each scraping the given loopback targets in place of
 * its discovery (the cluster's DNS names or static addresses); everything else in a job
 * (honor_labels, paths, relabelling) and the global block is the rendered file's. Rule files are
 * read beside the config.
 */
export function loopbackJobs(rendered: string, targets: Readonly<Record<string, readonly string[]>>, overrides: { scrapeInterval?: string } = {}): string {
    const config = parse(rendered) as { global: Record<string, unknown>; scrape_configs: Job[] };
    const jobs = Object.entries(targets).map(([name, jobTargets]) => {
        const matching = config.scrape_configs.filter(job => job.job_name === name);
        if (matching.length !== 1) throw new Error(`expected one ${name} job in the rendered config, found ${matching.length}`);
        const { dns_sd_configs: _dns, static_configs: _static, ...job } = matching[0];
        return { ...job, static_configs: [{ targets: [...jobTargets] }] };
    });
    const global = { ...config.global, ...(overrides.scrapeInterval ? { scrape_interval: overrides.scrapeInterval, evaluation_interval: overrides.scrapeInterval } : {}) };
    return stringify({ global, rule_files: ["*.rules.yml"], scrape_configs: jobs });
}
