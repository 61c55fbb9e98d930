import { execFileSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { parse } from "yaml";
import { EXPORTER_SERIES } from "../../components/metricSeries";
import {
    DATA_JOBS, dataExporterArgs, DataExporterKind, exporterSecretData, POSTGRES_QUERIES_FILE, renderPostgresQueries, SECRET_ENV,
} from "../../components/monitoringDataExporters";
import { renderPrometheusConfig } from "../../components/monitoringPrometheus";
import { renderAlertRules } from "../../components/monitoringRules";
import { RedisServer, waitFor } from "../data/support/servers";
import { PostgresPair, startPair } from "../ops/support/postgresPair";
import { freePort } from "../support/nginx";
import { instantQuery, loopbackJobs, PrometheusServer, PromSample, Server, startPrometheus, startServer } from "./support/servers";

/**
 * Debian's postgres_exporter 0.11.1 and redis_exporter 1.45.0 (the versions the cluster's images
 * pin) run with the rendered arguments, environment and query file against a real PostgreSQL
 * primary + streaming replica and a real redis-server with maxmemory; a real Prometheus scrapes them
 * with the rendered jobs and the rendered rules. Only the addresses are loopback, and TLS is off
 * (`sslmode=disable`, `redis://`): DigitalOcean's TLS cannot be had locally.
 */
jest.setTimeout(60_000);

const BINARIES: Readonly<Record<DataExporterKind, string>> = {
    postgres: "/usr/bin/prometheus-postgres-exporter",
    redis: "/usr/bin/prometheus-redis-exporter",
};
const REDIS_PASSWORD = "loopback-valkey-pw";
const MAXMEMORY = 8 * 1024 * 1024;

let pair: PostgresPair;
let redis: RedisServer;
let prometheus: PrometheusServer;
const exporters: Partial<Record<DataExporterKind, Server>> = {};
const rules = parse(renderAlertRules("blue")) as { groups: { rules: { alert: string; expr: string }[] }[] };
const expr = (alert: string) => rules.groups.flatMap(g => g.rules).find(r => r.alert === alert)!.expr;

const sql = async (port: number, text: string, user = "postgres") => {
    const client = new Client({ host: "127.0.0.1", port, user, database: "postgres" });
    await client.connect();
    try {
        return (await client.query(text)).rows;
    } finally {
        await client.end();
    }
};

/** The exporter's environment as the Deployment builds it: Secret key -> env var, from the production-shaped URL. */
function exporterEnv(kind: DataExporterKind, url: string, loopback: (value: string) => string): NodeJS.ProcessEnv {
    const data = exporterSecretData(kind, url);
    return Object.fromEntries(Object.entries(SECRET_ENV[kind]).map(([key, name]) => [name, loopback(data[key])]));
}

async function startExporter(kind: DataExporterKind, env: NodeJS.ProcessEnv): Promise<Server> {
    const dir = await mkdtemp(join(tmpdir(), `blkout-${kind}-exporter-`));
    await writeFile(join(dir, POSTGRES_QUERIES_FILE), renderPostgresQueries());
    const port = await freePort();
    const args = dataExporterArgs(kind, { listenAddress: `127.0.0.1:${port}`, queriesDir: dir });
    // `/` is the container's probe path: readiness here is the probe's own answer.
    return startServer(BINARIES[kind], args, port, "/", dir, env);
}

const query = (promql: string) => instantQuery(prometheus, promql);

/** Polls Prometheus until `accept` holds for the query's result; fails with the last result. */
async function until(promql: string, accept: (result: PromSample[]) => boolean, what: string): Promise<PromSample[]> {
    let last: PromSample[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
        last = await query(promql);
        if (accept(last)) return last;
        await new Promise(resolve => setTimeout(resolve, 250));
    }
    throw new Error(`${what}: ${promql} gave ${JSON.stringify(last)}`);
}

/** Fills redis with 64 KiB strings until used memory passes `share` of maxmemory (one script, in the server). */
function fillRedis(share: number): void {
    const script = "local i = tonumber(redis.call('DBSIZE')) " +
        "while tonumber(string.match(redis.call('INFO', 'memory'), 'used_memory:(%d+)')) < tonumber(ARGV[1]) do " +
        "i = i + 1; redis.call('SETRANGE', 'fill:' .. i, 65535, 'x') end return i";
    execFileSync("redis-cli", ["-p", String(redis.port), "--no-auth-warning", "-a", REDIS_PASSWORD, "EVAL", script, "0", String(Math.round(MAXMEMORY * share))]);
}

beforeAll(async () => {
    [pair, redis] = await Promise.all([startPair(), RedisServer.start(["--maxmemory", String(MAXMEMORY), "--requirepass", REDIS_PASSWORD])]);
    // A plain login role with no grant at all: what a DigitalOcean DatabaseUser starts with.
    await sql(pair.primary.port, "CREATE ROLE blkout_metrics LOGIN PASSWORD 'metrics-pw'");
    await sql(pair.primary.port, "CREATE TABLE writes (at timestamptz DEFAULT now())");
    await sql(pair.primary.port, "INSERT INTO writes DEFAULT VALUES");
    const postgresUrl = `postgresql://blkout_metrics:metrics-pw@127.0.0.1:${pair.replica.port}/postgres?sslmode=require`;
    const redisUrl = `rediss://default:${REDIS_PASSWORD}@127.0.0.1:${redis.port}`;
    [exporters.postgres, exporters.redis] = await Promise.all([
        startExporter("postgres", exporterEnv("postgres", postgresUrl, v => v.replace("sslmode=require", "sslmode=disable"))),
        startExporter("redis", exporterEnv("redis", redisUrl, v => v.replace(/^rediss:/, "redis:"))),
    ]);
    const rendered = renderPrometheusConfig({
        colour: "blue",
        scrapeInterval: "1s",
        targets: {
            gatewayMetricsHost: "unused.invalid",
            alertmanager: "unused.invalid:9093",
            dataExporters: { postgres: `127.0.0.1:${exporters.postgres.port}`, redis: `127.0.0.1:${exporters.redis.port}` },
        },
    });
    prometheus = await startPrometheus(loopbackJobs(rendered, { [DATA_JOBS.postgres]: [`127.0.0.1:${exporters.postgres.port}`], [DATA_JOBS.redis]: [`127.0.0.1:${exporters.redis.port}`] }),
        { "blue.rules.yml": renderAlertRules("blue") });
});

afterAll(async () => {
    await Promise.all([pair?.cleanup(), redis?.stop()]);
});

describe("postgres_exporter 0.11.1 on a streaming replica", () => {
    it("reaches the replica as a role without grants and publishes the lag series, 0 while replaying", async () => {
        await until(`pg_up{job="${DATA_JOBS.postgres}"}`, r => r.length === 1 && r[0].value[1] === "1", "pg_up");
        const lag = await until(EXPORTER_SERIES.postgresReplicationLag, r => r.length === 1, "lag series");
        expect(Number(lag[0].value[1])).toBe(0);
        expect(await query(expr("PostgresReplicationLagHigh"))).toEqual([]);
    });

    it("reads above 1 s through the PostgresReplicationLagHigh expression once replay is paused and the primary writes", async () => {
        await sql(pair.replica.port, "SELECT pg_wal_replay_pause()");
        try {
            await new Promise(resolve => setTimeout(resolve, 1500));
            await sql(pair.primary.port, "INSERT INTO writes DEFAULT VALUES");
            const high = await until(expr("PostgresReplicationLagHigh"), r => r.length === 1, "lag above 1 s");
            expect(high[0].metric.instance).toBe(`127.0.0.1:${exporters.postgres!.port}`);
            expect(Number(high[0].value[1])).toBeGreaterThan(1);
        } finally {
            await sql(pair.replica.port, "SELECT pg_wal_replay_resume()");
        }
        // Caught up again: the replica replays the write and reads 0.
        await until(EXPORTER_SERIES.postgresReplicationLag, r => r.length === 1 && r[0].value[1] === "0", "lag back to 0");
    });

    it("reads a replica cut off from its primary as falling behind, not as caught up", async () => {
        // No primary to stream from: the WAL receiver stops, and everything received is replayed.
        await sql(pair.replica.port, "ALTER SYSTEM SET primary_conninfo = ''");
        await sql(pair.replica.port, "SELECT pg_reload_conf()");
        await waitFor(async () => (await sql(pair.replica.port, "SELECT count(*)::int AS n FROM pg_stat_wal_receiver"))[0].n === 0, 10_000, "the WAL receiver to stop");
        const high = await until(expr("PostgresReplicationLagHigh"), r => r.length === 1, "lag without a WAL receiver");
        expect(Number(high[0].value[1])).toBeGreaterThan(1);
    });
});

describe("redis_exporter 1.45.0 on redis-server with maxmemory", () => {
    const usedPercent = `100 * max by (instance) (${EXPORTER_SERIES.redisMemoryUsed} / ${EXPORTER_SERIES.redisMemoryMax})`;

    it("publishes used and max memory with the password from the Secret's keys", async () => {
        const max = await until(EXPORTER_SERIES.redisMemoryMax, r => r.length === 1, "max memory");
        expect(Number(max[0].value[1])).toBe(MAXMEMORY);
        await until(`redis_up{job="${DATA_JOBS.redis}"}`, r => r.length === 1 && r[0].value[1] === "1", "redis_up");
    });

    it("keeps RedisMemoryHigh empty at 72 % and returns the instance past 80 %", async () => {
        fillRedis(0.72);
        const below = await until(usedPercent, r => r.length === 1 && Number(r[0].value[1]) >= 72, "72 % used");
        expect(Number(below[0].value[1])).toBeLessThan(80);
        expect(await query(expr("RedisMemoryHigh"))).toEqual([]);

        fillRedis(0.88);
        const high = await until(expr("RedisMemoryHigh"), r => r.length === 1, "memory above 80 %");
        expect(high[0].metric.instance).toBe(`127.0.0.1:${exporters.redis!.port}`);
        expect(Number(high[0].value[1])).toBeGreaterThan(80);
    });

    it("reads a database it cannot reach through the DataStoreUnreachable expression, naming the exporter", async () => {
        expect(await query(expr("DataStoreUnreachable"))).toEqual([]);
        await redis.stop();
        const down = await until(expr("DataStoreUnreachable"), r => r.length === 1, "redis_up 0");
        expect(down[0].metric).toEqual({ job: DATA_JOBS.redis, instance: `127.0.0.1:${exporters.redis!.port}` });
    });
});
