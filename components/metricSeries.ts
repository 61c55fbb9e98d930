/**
 * Every metric series the platform produces or reads, named once: the gateway's metrics sidecar
 * exports them, the switch's Prometheus source gates on them, the alert rules and the dashboards
 * chart them. A rename here changes all four together, so they can never drift apart.
 */

/** Requests the gateway answered, by colour, release, API, method and status class ("2xx" ... "5xx"). */
export const GATEWAY_REQUESTS = "blkout_gateway_requests_total";
/** Time nginx spent on a request (`$request_time`), seconds: a histogram (`_bucket`, `_sum`, `_count`). */
export const GATEWAY_DURATION = "blkout_gateway_request_duration_seconds";

/** The labels the sidecar puts on both gateway series. */
export const SERIES_LABELS = {
    colour: "colour",
    release: "release",
    api: "api",
    method: "method",
    statusClass: "status_class",
} as const;

/**
 * Histogram bounds in seconds around the seeds' figures: 100 ms (health answers), 500 ms, 1 s
 * (response-time target), 2 s (critical) and 5 s. p95 is interpolated inside a bucket, so a bound
 * at each threshold makes "p95 above 1 s / 2 s" exact rather than estimated.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([0.1, 0.5, 1, 2, 5]);

/** Exporters' series the alert rules and dashboards read (names as their exporters publish them). */
export const EXPORTER_SERIES = {
    /** node-exporter (DOKS nodes). */
    nodeCpuSeconds: "node_cpu_seconds_total",
    nodeMemoryAvailable: "node_memory_MemAvailable_bytes",
    nodeMemoryTotal: "node_memory_MemTotal_bytes",
    nodeFilesystemAvailable: "node_filesystem_avail_bytes",
    nodeFilesystemSize: "node_filesystem_size_bytes",
    /**
     * postgres_exporter 0.11.1 through the custom query of `monitoringDataExporters.ts` (it has no
     * built-in lag; 0.13's collector names its own `pg_replication_lag_seconds`, which this avoids).
     */
    postgresReplicationLag: "pg_replication_lag",
    /** redis_exporter (Valkey speaks the same protocol). */
    redisMemoryUsed: "redis_memory_used_bytes",
    redisMemoryMax: "redis_memory_max_bytes",
    /** 1 while each exporter reaches its database; 0 leaves the lag and memory rules with nothing to read. */
    postgresUp: "pg_up",
    redisUp: "redis_up",
    /** Prometheus's own per-target health. */
    up: "up",
    /** blackbox_exporter's probe result for each health endpoint. */
    probeSuccess: "probe_success",
} as const;

/**
 * What the switch pushes to each colour's Pushgateway after every traffic update it makes
 * (switch/stepReport.ts), so the dashboards show the load balancer's weights, not a guess from
 * requests. Named per https://prometheus.io/docs/practices/naming/: an application prefix, base
 * units with the unit as suffix ("Percent: ratio", values 0-1), `_timestamp_seconds` for a Unix
 * time (the page's `..._last_record_processed_timestamp_seconds`); a state is one series per state
 * at 1 or 0, OpenMetrics' StateSet (client_java's `StateSet`, client_python's `Enum`), so `== 1`
 * picks the current one.
 */
export const SWITCH_SERIES = {
    /** Share of traffic the load balancer sends to a colour (0-1), label `colour`. */
    weight: "blkout_switch_weight_ratio",
    /** The plan's step whose weights were applied last, 1-based; 0 once everything is back on the live colour. */
    step: "blkout_switch_step",
    /** How many steps the plan has. */
    steps: "blkout_switch_steps",
    /** 1 for the switch's current state, 0 for the others; label `state`. */
    state: "blkout_switch_state",
    /** When the switch last reported (Unix seconds): an old value means no switch is running. */
    updated: "blkout_switch_updated_timestamp_seconds",
} as const;

/** The switch's labels: `from` and `to` on every series, `colour` on the weight, `state` on the state. */
export const SWITCH_LABELS = { from: "from", to: "to", colour: "colour", state: "state" } as const;

/** Every state the switch reports; a rename here changes the switch and the dashboard together. */
export const SWITCH_STATES = ["running", "holding", "halted", "aborted", "rolled_back", "rollback_failed", "done"] as const;
export type SwitchState = (typeof SWITCH_STATES)[number];

/** Filesystems that can fill: tmpfs, overlay and squashfs are memory or images, never "disk full". */
const REAL_FILESYSTEMS = '{fstype!~"tmpfs|overlay|squashfs"}';
/** Used share of each real filesystem, percent: the disk rules and the saturation panel read the same. */
export const NODE_DISK_USED_PERCENT =
    `100 * (1 - ${EXPORTER_SERIES.nodeFilesystemAvailable}${REAL_FILESYSTEMS} / ${EXPORTER_SERIES.nodeFilesystemSize}${REAL_FILESYSTEMS})`;

/** Used share of maxmemory per Valkey, percent; a maxmemory of 0 (no limit) reads as no data, not as full. */
export const REDIS_MEMORY_USED_PERCENT =
    `100 * max by (instance) (${EXPORTER_SERIES.redisMemoryUsed} / (${EXPORTER_SERIES.redisMemoryMax} > 0))`;

/** Every series name a query may use; the dashboard check refuses any other. */
export const KNOWN_SERIES: readonly string[] = Object.freeze([
    GATEWAY_REQUESTS,
    `${GATEWAY_DURATION}_bucket`, `${GATEWAY_DURATION}_sum`, `${GATEWAY_DURATION}_count`,
    ...Object.values(EXPORTER_SERIES),
    ...Object.values(SWITCH_SERIES),
]);

const SELECTOR_VALUE = /^[A-Za-z0-9._+-]{1,64}$/;

/** `{colour="blue",...}` from a record; values are checked so a query cannot be injected. */
export function selector(match: Readonly<Record<string, string>>, extra: readonly string[] = []): string {
    const parts = Object.entries(match).map(([label, value]) => {
        if (!SELECTOR_VALUE.test(value)) {
            throw new Error(`selector: label ${label} expected letters, digits or "._+-", got ${JSON.stringify(value)}`);
        }
        return `${label}="${value}"`;
    });
    return `{${[...parts, ...extra].join(",")}}`;
}

/** Label matchers plus the PromQL range, e.g. `[1m]`. */
export interface QueryScope {
    readonly match: Readonly<Record<string, string>>;
    /** A PromQL duration like "1m" or "$__rate_interval". */
    readonly range: string;
}

/**
 * 5xx share of the gateway's requests (0-1). The numerator adds every request series at 0 (`or`
 * keeps the 5xx series' own rate where one exists), so a colour with traffic and no error yet reads
 * 0, not "no data"; only a colour with no requests at all has no value.
 */
export function errorRateQuery(scope: QueryScope, by: readonly string[] = []): string {
    const group = by.length > 0 ? ` by (${by.join(", ")})` : "";
    const all = `rate(${GATEWAY_REQUESTS}${selector(scope.match)}[${scope.range}])`;
    const errors = `rate(${GATEWAY_REQUESTS}${selector(scope.match, [`${SERIES_LABELS.statusClass}="5xx"`])}[${scope.range}])`;
    return `sum${group} (${errors} or ${all} * 0) / sum${group} (${all})`;
}

/** The 95th percentile of the gateway's request time, in milliseconds. */
export function p95MsQuery(scope: QueryScope, by: readonly string[] = []): string {
    const group = ["le", ...by].join(", ");
    return `histogram_quantile(0.95, sum by (${group}) (rate(${GATEWAY_DURATION}_bucket${selector(scope.match)}[${scope.range}]))) * 1000`;
}

/** Requests per second the gateway answered. */
export function requestRateQuery(scope: QueryScope, by: readonly string[] = []): string {
    const group = by.length > 0 ? ` by (${by.join(", ")})` : "";
    return `sum${group} (rate(${GATEWAY_REQUESTS}${selector(scope.match)}[${scope.range}]))`;
}

/** Series names a PromQL expression reads (identifiers followed by a selector, a range or nothing). */
export function seriesNamesIn(promql: string): string[] {
    const withoutStrings = promql.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    const keywords = new Set(["sum", "by", "rate", "irate", "increase", "histogram_quantile", "avg", "max", "min", "count", "without",
        "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "scalar", "vector", "clamp_min", "clamp_max",
        "abs", "topk", "avg_over_time", "max_over_time", "min_over_time", "offset", "time", "le", "mode", "inf", "nan"]);
    const names = new Set<string>();
    // A label name inside `by (...)` or `{...}` is not a series: drop those groups before scanning.
    const scrubbed = withoutStrings.replace(/\{[^}]*\}/g, "").replace(/\[[^\]]*\]/g, "").replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, "");
    for (const match of scrubbed.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
        const token = match[0];
        const next = scrubbed.slice((match.index ?? 0) + token.length).trimStart();
        if (!keywords.has(token.toLowerCase()) && !next.startsWith("(") && !/^\d/.test(token)) {
            names.add(token);
        }
    }
    return [...names];
}
