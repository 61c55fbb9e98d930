import * as k8s from "@pulumi/kubernetes";
import { stringify } from "yaml";
import { PROMETHEUS_SELECTOR } from "./gatewayMetrics";
import { DNS_EGRESS, podsLabelled as pods, restrictedContainerSecurity, tcpPort as tcp } from "./k8sWorkload";
import { EXPORTER_SERIES } from "./metricSeries";
import type { MonitoringPolicySpec } from "./monitoringNetwork";
import { LABELS, PART_OF } from "./platformNames";

import Input = k8s.types.input;

/**
 * The exporters that turn the owner's managed PostgreSQL and Valkey into the series the
 * replication-lag and memory rules read, as pure functions: the loopback test runs Debian's
 * binaries of the same versions with exactly these arguments, environment and query file.
 */

export const DATA_EXPORTER_KINDS = ["postgres", "redis"] as const;
export type DataExporterKind = (typeof DATA_EXPORTER_KINDS)[number];

/**
 * The upstream images at the versions Debian bookworm gives the tests (prometheus-postgres-exporter
 * 0.11.1, prometheus-redis-exporter 1.45.0). Both tags are the projects' release tags
 * (postgres_exporter's v0.11.1 release tarball, redis_exporter's `v<version>` images) and are pinned
 * in public manifests found by code search (`quay.io/prometheuscommunity/postgres-exporter:v0.11.1`
 * as a Kubernetes sidecar, `oliver006/redis_exporter:v1.45.0` as a Redis operator's exporter); the
 * registries themselves were not reachable from here, so the first pull is the final check.
 */
export const DATA_EXPORTER_IMAGES: Readonly<Record<DataExporterKind, string>> = {
    postgres: "quay.io/prometheuscommunity/postgres-exporter:v0.11.1",
    redis: "docker.io/oliver006/redis_exporter:v1.45.0",
};

/** The exporters' default ports (`--web.listen-address` defaults `:9187` and `:9121`). */
export const DATA_EXPORTER_PORTS: Readonly<Record<DataExporterKind, number>> = { postgres: 9187, redis: 9121 };

/** The images' own users: postgres-exporter's Dockerfile runs as nobody, redis_exporter's scratch image as 59000 (oliver006/redis_exporter Dockerfile, `USER 59000:59000`). */
export const DATA_EXPORTER_UIDS: Readonly<Record<DataExporterKind, number>> = { postgres: 65534, redis: 59000 };

/** DigitalOcean's managed PostgreSQL (and its replicas) listen on 25060, Valkey on 25061 (as in apiService.ts). */
export const DATA_STORE_PORTS: Readonly<Record<DataExporterKind, number>> = { postgres: 25060, redis: 25061 };

/** Prometheus job names; the rules group by `instance`, so the job only names the source. */
export const DATA_JOBS: Readonly<Record<DataExporterKind, string>> = { postgres: "postgres", redis: "redis" };

export const DATA_EXPORTER_SELECTORS: Readonly<Record<DataExporterKind, Readonly<Record<string, string>>>> = {
    postgres: { [LABELS.app]: "postgres-exporter", [LABELS.partOf]: PART_OF },
    redis: { [LABELS.app]: "redis-exporter", [LABELS.partOf]: PART_OF },
};

export const POSTGRES_QUERIES_DIR = "/etc/postgres-exporter";
export const POSTGRES_QUERIES_FILE = "queries.yaml";

/**
 * postgres_exporter 0.11.1 publishes no replication lag of its own (the loopback test reads its
 * output; the built-in collector, prometheus-community/postgres_exporter collector/pg_replication.go,
 * came in a later release as `pg_replication_lag_seconds`): the series comes from a custom query,
 * named as in the project's own example file (Debian ships it as examples/queries.yaml:
 * `pg_replication` / `lag` gives `pg_replication_lag`). Unlike that example and that collector, a
 * replica that has replayed all it received reads 0: `now() - last replay` alone grows while the
 * primary is idle and would page for a replica that is not behind. Only while its WAL receiver runs,
 * though: a replica cut off from the primary has "replayed all it received" too, and must read as
 * falling behind. Every function and view here is open to a plain login role (the receiver's row,
 * not its details, is visible without pg_read_all_stats), so the exporter needs no grant: the
 * loopback test runs it as such a role.
 */
export function renderPostgresQueries(): string {
    const [prefix, column] = splitSeries(EXPORTER_SERIES.postgresReplicationLag);
    const lag = [
        "SELECT CASE",
        "WHEN NOT pg_is_in_recovery() THEN 0",
        "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0",
        "ELSE GREATEST(0, EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp())))",
        `END AS ${column}`,
    ].join(" ");
    return stringify({
        [prefix]: { query: lag, master: true, metrics: [{ [column]: { usage: "GAUGE", description: "Seconds the replica's replay is behind the primary" } }] },
    }, { lineWidth: 0 });
}

/** `pg_replication_lag` -> the query's key `pg_replication` and its column `lag` (the exporter joins them with `_`). */
function splitSeries(series: string): [string, string] {
    const match = /^(pg_[a-z]+)_([a-z_]+)$/.exec(series);
    if (!match) throw new Error(`postgres queries: expected a pg_<query>_<column> series, got ${JSON.stringify(series)}`);
    return [match[1], match[2]];
}

/** Command-line flags of both exporters (0.11.1 and 1.45.0 spell them as below, see `--help`). */
export function dataExporterArgs(kind: DataExporterKind, o: { listenAddress?: string; queriesDir?: string } = {}): string[] {
    const listen = o.listenAddress ?? `:${DATA_EXPORTER_PORTS[kind]}`;
    return kind === "postgres"
        ? [`--web.listen-address=${listen}`, `--extend.query-path=${o.queriesDir ?? POSTGRES_QUERIES_DIR}/${POSTGRES_QUERIES_FILE}`,
            // One row per setting is hundreds of series nobody charts.
            "--disable-settings-metrics"]
        : [`--web.listen-address=${listen}`];
}

/**
 * The Secret's keys and the environment variables each exporter reads them from. postgres_exporter
 * takes the whole URL (`DATA_SOURCE_NAME`); redis_exporter gets address, user and password apart so
 * that the password never sits in the address it logs on a failed connection.
 */
export const SECRET_ENV: Readonly<Record<DataExporterKind, Readonly<Record<string, string>>>> = {
    postgres: { url: "DATA_SOURCE_NAME" },
    redis: { address: "REDIS_ADDR", user: "REDIS_USER", password: "REDIS_PASSWORD" },
};

/**
 * The Secret's data for one exporter from the data store's URL. DigitalOcean accepts TLS only:
 * PostgreSQL URLs must carry `sslmode=require` (or stricter), Valkey URLs the `rediss://` scheme
 * (https://docs.digitalocean.com/products/databases/valkey/how-to/connect/: Let's Encrypt
 * certificates, so the exporter verifies them without a CA file). The URL is secret: errors name
 * only what is wrong with it.
 */
export function exporterSecretData(kind: DataExporterKind, url: string): Record<string, string> {
    const problem = dataUrlProblem(kind, url);
    if (problem) throw new Error(problem);
    if (kind === "postgres") return { url };
    const parsed = new URL(url);
    return {
        address: `rediss://${parsed.hostname}:${parsed.port}`,
        user: decodeURIComponent(parsed.username || "default"),
        password: decodeURIComponent(parsed.password),
    };
}

/** What is wrong with a data store URL (without echoing it), or undefined. */
export function dataUrlProblem(kind: DataExporterKind, url: string): string | undefined {
    const key = kind === "postgres" ? "postgresUrl" : "redisUrl";
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return `${key}: expected a URL, got something unparseable`;
    }
    if (kind === "postgres") {
        const mode = parsed.searchParams.get("sslmode");
        if (!/^postgres(ql)?:$/.test(parsed.protocol)) return `${key}: expected scheme postgresql://, got ${parsed.protocol}//`;
        if (!["require", "verify-ca", "verify-full"].includes(mode ?? "")) return `${key}: expected sslmode=require, verify-ca or verify-full (DigitalOcean accepts TLS only), got ${mode ?? "none"}`;
    } else {
        if (parsed.protocol !== "rediss:") return `${key}: expected scheme rediss:// (TLS), got ${parsed.protocol}//`;
        if (parsed.password === "") return `${key}: expected a password in the URL, got none`;
    }
    if (parsed.hostname === "" || parsed.port === "") return `${key}: expected a host and a port, got ${parsed.hostname === "" ? "no host" : "no port"}`;
    return undefined;
}

/** The exporter's container; its credentials come only from the Secret, by key. */
export function dataExporterContainer(kind: DataExporterKind, secretName: Input.core.v1.SecretKeySelector["name"]): Input.core.v1.Container {
    const port = DATA_EXPORTER_PORTS[kind];
    // Both answer their landing page on `/` once listening; a database that is down reads as `pg_up 0` / `redis_up 0`, not as a dead pod.
    const httpGet = { path: "/", port };
    return {
        name: `${kind}-exporter`,
        image: DATA_EXPORTER_IMAGES[kind],
        args: dataExporterArgs(kind),
        ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
        env: Object.entries(SECRET_ENV[kind]).map(([key, name]) => ({ name, valueFrom: { secretKeyRef: { name: secretName, key } } })),
        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
        securityContext: restrictedContainerSecurity(),
        readinessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: 3 },
        livenessProbe: { httpGet, initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
        volumeMounts: kind === "postgres" ? [{ name: "queries", mountPath: POSTGRES_QUERIES_DIR, readOnly: true }] : [],
    };
}

/** Prometheus's jobs for the exporters it is given (`host:port` each). */
export function dataExporterJobs(targets: Readonly<Partial<Record<DataExporterKind, string>>>): Record<string, unknown>[] {
    return DATA_EXPORTER_KINDS.filter(kind => targets[kind] !== undefined)
        .map(kind => ({ job_name: DATA_JOBS[kind], static_configs: [{ targets: [targets[kind]] }] }));
}

/**
 * Each exporter: in from the colour's Prometheus pods only, out to its data store's port inside
 * `databaseCidrs` (the VPC) and DNS only. Prometheus's way out to them is in its own policy
 * (`dataExporterEgress`, listed by `monitoringPolicies` with every other scrape target).
 */
export function dataExporterPolicies(kinds: readonly DataExporterKind[], databaseCidrs: readonly string[]): MonitoringPolicySpec[] {
    return kinds.map((kind): MonitoringPolicySpec => ({
        key: `${kind}-exporter`,
        spec: {
            podSelector: { matchLabels: { ...DATA_EXPORTER_SELECTORS[kind] } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [pods(PROMETHEUS_SELECTOR)], ports: [tcp(DATA_EXPORTER_PORTS[kind])] }],
            egress: [{ to: databaseCidrs.map(cidr => ({ ipBlock: { cidr } })), ports: [tcp(DATA_STORE_PORTS[kind])] }, DNS_EGRESS],
        },
    }));
}

/** Prometheus's egress rule to one exporter (its own NetworkPolicy lists it). */
export function dataExporterEgress(kind: DataExporterKind): Input.networking.v1.NetworkPolicyEgressRule {
    return { to: [pods(DATA_EXPORTER_SELECTORS[kind])], ports: [tcp(DATA_EXPORTER_PORTS[kind])] };
}
