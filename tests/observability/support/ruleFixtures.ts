import { DURATION_BUCKETS_SECONDS, EXPORTER_SERIES as S, GATEWAY_DURATION, GATEWAY_REQUESTS } from "../../../components/metricSeries";

/**
 * Synthetic series for `promtool test rules`: for each alert, the series that put its expression at
 * a given level (in the expression's own unit), and the labels the firing alert carries besides
 * alertname and the rule's own. Counters are written as per-minute increments at a 1 m interval.
 */

export interface InputSeries {
    readonly series: string;
    readonly values: string;
}

export interface RuleFixture {
    readonly series: (level: number) => InputSeries[];
    readonly labels: Readonly<Record<string, string>>;
}

const SAMPLES = 240;
/** A counter rising by `perMinute` every minute, or a gauge holding `value`. */
const counter = (series: string, perMinute: number): InputSeries => ({ series, values: `0+${perMinute}x${SAMPLES}` });
const gauge = (series: string, value: number): InputSeries => ({ series, values: `${value}x${SAMPLES}` });

const GATEWAY = 'colour="blue",release="1.1.0",api="events",method="GET"';

/**
 * A histogram whose p95 (as Prometheus interpolates it) is `ms`: of 1000 requests a minute, k fall in
 * the bucket holding `ms` and the rest in the first, so p95 = a + (b - a)(k - 50)/k inside (a, b].
 */
function latencySeries(ms: number): InputSeries[] {
    const v = ms / 1000;
    const bounds = [0, ...DURATION_BUCKETS_SECONDS];
    const i = bounds.findIndex((bound, j) => j > 0 && v <= bound);
    if (i <= 1) throw new Error(`latency fixture: ${ms} ms must fall above the first bucket and within the last`);
    const [a, b] = [bounds[i - 1], bounds[i]];
    const k = 50 / (1 - (v - a) / (b - a));
    if (k > 1000) throw new Error(`latency fixture: ${ms} ms is past what (a, b] can interpolate to`);
    const les = [...DURATION_BUCKETS_SECONDS.map(String), "+Inf"];
    return [
        ...les.map((le, j) => counter(`${GATEWAY_DURATION}_bucket{${GATEWAY},le="${le}"}`, j < i - 1 ? 1000 - k : 1000)),
        counter(`${GATEWAY_REQUESTS}{${GATEWAY},status_class="2xx"}`, 1000),
    ];
}

function errorSeries(rate: number): InputSeries[] {
    return [
        counter(`${GATEWAY_REQUESTS}{${GATEWAY},status_class="2xx"}`, 1000 * (1 - rate)),
        counter(`${GATEWAY_REQUESTS}{${GATEWAY},status_class="5xx"}`, 1000 * rate),
    ];
}

const NODE = { instance: "10.0.0.5:9100" };
const node = 'instance="10.0.0.5:9100"';
const disk = `${node},fstype="ext4",mountpoint="/"`;
const latency = { series: latencySeries, labels: { colour: "blue" } };
const errors = { series: errorSeries, labels: { colour: "blue" } };
const cpu = { series: (percent: number) => [counter(`${S.nodeCpuSeconds}{${node},cpu="0",mode="idle"}`, 60 * (1 - percent / 100))], labels: NODE };
const memory = {
    series: (percent: number) => [gauge(`${S.nodeMemoryAvailable}{${node}}`, 1e9 * (1 - percent / 100)), gauge(`${S.nodeMemoryTotal}{${node}}`, 1e9)],
    labels: NODE,
};
const diskUse = {
    series: (percent: number) => [gauge(`${S.nodeFilesystemAvailable}{${disk}}`, 1e11 * (1 - percent / 100)), gauge(`${S.nodeFilesystemSize}{${disk}}`, 1e11)],
    labels: { ...NODE, fstype: "ext4", mountpoint: "/" },
};

const EXPORTER = { job: "postgres", instance: "blue-data-exporters-postgres:9187" };

export const RULE_FIXTURES: Readonly<Record<string, RuleFixture>> = {
    DataStoreUnreachable: {
        series: up => [gauge(`${S.postgresUp}{job="${EXPORTER.job}",instance="${EXPORTER.instance}"}`, up)],
        labels: EXPORTER,
    },
    MetricsTargetDown: {
        series: up => [gauge(`${S.up}{job="node",instance="10.0.0.5:9100"}`, up), gauge(`${S.up}{job="prometheus",instance="127.0.0.1:9090"}`, 0)],
        labels: { job: "node", instance: "10.0.0.5:9100" },
    },
    GatewayLatencyAboveTarget: latency,
    GatewayLatencyCritical: latency,
    GatewayErrorRateAboveTarget: errors,
    GatewayErrorRateCritical: errors,
    GatewayThroughputBelowTarget: {
        series: perMinute => [counter(`${GATEWAY_REQUESTS}{${GATEWAY},status_class="2xx"}`, perMinute)],
        labels: { colour: "blue" },
    },
    HealthEndpointDown: {
        series: up => [gauge(`${S.probeSuccess}{instance="http://blue-gateway/health/events",job="health"}`, up)],
        labels: { instance: "http://blue-gateway/health/events" },
    },
    NodeCpuHigh: cpu,
    NodeCpuCritical: cpu,
    NodeMemoryHigh: memory,
    NodeMemoryCritical: memory,
    NodeDiskHigh: diskUse,
    NodeDiskCritical: diskUse,
    PostgresReplicationLagHigh: { series: seconds => [gauge(`${S.postgresReplicationLag}{instance="replica-1"}`, seconds)], labels: { instance: "replica-1" } },
    RedisMemoryHigh: {
        series: percent => [gauge(`${S.redisMemoryUsed}{instance="valkey-1"}`, 1e9 * percent / 100), gauge(`${S.redisMemoryMax}{instance="valkey-1"}`, 1e9)],
        labels: { instance: "valkey-1" },
    },
};
