import { stringify } from "yaml";
import { errorRateQuery, EXPORTER_SERIES, GATEWAY_REQUESTS, NODE_DISK_USED_PERCENT, p95MsQuery, REDIS_MEMORY_USED_PERCENT } from "./metricSeries";

/**
 * Prometheus alert rules at the seeds' thresholds (response time, error rate, CPU, memory, disk,
 * replication lag, Redis memory, health), each with a severity the Alertmanager routes on and a
 * runbook line. Pure: the rule file is rendered from this table, and the tests run every rule
 * through `promtool test rules` at and just below its threshold.
 */

/** The seeds' alert levels: critical pages, high goes to chat, medium to e-mail, low to the daily digest. */
export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface AlertRule {
    readonly alert: string;
    readonly group: "gateway" | "infrastructure" | "data";
    readonly expr: string;
    /** How long the condition must hold (Prometheus duration). */
    readonly for: string;
    readonly severity: Severity;
    /** The threshold in the expression's unit; the tests fire the rule just past it and hold it just short. */
    readonly threshold: number;
    /** Whether the alert fires above (`>`) or below (`<`) the threshold. */
    readonly direction: "above" | "below";
    readonly summary: string;
    /** What the person paged does first. */
    readonly runbook: string;
}

const colourScope = (range: string) => ({ match: {}, range });
const S = EXPORTER_SERIES;

function rule(r: Omit<AlertRule, "expr"> & { readonly query: string }): AlertRule {
    const { query, ...rest } = r;
    return { ...rest, expr: `${query} ${r.direction === "above" ? ">" : "<"} ${r.threshold}` };
}

/** Every alert rule, at the seeds' numbers. */
export const ALERT_RULES: readonly AlertRule[] = Object.freeze([
    rule({
        alert: "GatewayLatencyAboveTarget", group: "gateway", query: p95MsQuery(colourScope("5m"), ["colour"]), direction: "above",
        threshold: 1000, for: "5m", severity: "high", summary: "Gateway p95 above the 1000 ms target",
        runbook: "Check the slowest API on the Grafana dashboard (p95 by API); scale it or roll the release back with `npm run switch -- rollback`.",
    }),
    rule({
        alert: "GatewayLatencyCritical", group: "gateway", query: p95MsQuery(colourScope("2m"), ["colour"]), direction: "above",
        threshold: 2000, for: "2m", severity: "critical", summary: "Gateway p95 above 2000 ms, sustained",
        runbook: "If a switch is running it rolls back by itself; otherwise move traffic to the other colour (`npm run switch -- to <colour>`) and find the slow API.",
    }),
    rule({
        alert: "GatewayErrorRateAboveTarget", group: "gateway", query: errorRateQuery(colourScope("5m"), ["colour"]), direction: "above",
        threshold: 0.01, for: "5m", severity: "high", summary: "Gateway 5xx rate above the 1 % target",
        runbook: "Find the API answering 5xx (error rate by API on the dashboard) and read its logs: `kubectl logs -l app.kubernetes.io/name=<api>`.",
    }),
    rule({
        alert: "GatewayErrorRateCritical", group: "gateway", query: errorRateQuery(colourScope("1m"), ["colour"]), direction: "above",
        threshold: 0.05, for: "2m", severity: "critical", summary: "Gateway 5xx rate above 5 % for 2 minutes",
        runbook: "The seeds' rollback trigger: roll back (`npm run switch -- rollback`) before debugging; check the data stores if both colours fail.",
    }),
    rule({
        alert: "GatewayThroughputBelowTarget", group: "gateway", query: `sum by (colour) (rate(${GATEWAY_REQUESTS}[1h])) * 60`, direction: "below",
        threshold: 100, for: "1h", severity: "low", summary: "Fewer than 100 requests a minute through the gateway",
        runbook: "A trend for the daily digest: compare with last week; a sudden drop on the live colour is an outage, not a trend.",
    }),
    rule({
        alert: "HealthEndpointDown", group: "gateway", query: `min by (instance) (${S.probeSuccess})`, direction: "below",
        threshold: 1, for: "30s", severity: "critical", summary: "A health endpoint has failed for more than 30 seconds",
        runbook: "The instance label names the endpoint; `curl` it from a gateway pod, then check that API's pods and its database connection.",
    }),
    rule({
        alert: "NodeCpuHigh", group: "infrastructure", query: `100 * (1 - avg by (instance) (rate(${S.nodeCpuSeconds}{mode="idle"}[5m])))`,
        direction: "above", threshold: 70, for: "5m", severity: "medium", summary: "Node CPU above 70 %",
        runbook: "Capacity: check the HPAs are scaling and the node pool's max; raise `cluster.maxNodes` if it is reached.",
    }),
    rule({
        alert: "NodeCpuCritical", group: "infrastructure", query: `100 * (1 - avg by (instance) (rate(${S.nodeCpuSeconds}{mode="idle"}[5m])))`,
        direction: "above", threshold: 90, for: "5m", severity: "high", summary: "Node CPU above 90 %",
        runbook: "Find the busiest pods (`kubectl top pods`); scale the node pool out now, investigate after.",
    }),
    rule({
        alert: "NodeMemoryHigh", group: "infrastructure", query: `100 * (1 - ${S.nodeMemoryAvailable} / ${S.nodeMemoryTotal})`,
        direction: "above", threshold: 80, for: "5m", severity: "medium", summary: "Node memory above 80 %",
        runbook: "Check the pods' memory against their limits (`kubectl top pods`); a steady climb is a leak in the newest release.",
    }),
    rule({
        alert: "NodeMemoryCritical", group: "infrastructure", query: `100 * (1 - ${S.nodeMemoryAvailable} / ${S.nodeMemoryTotal})`,
        direction: "above", threshold: 95, for: "5m", severity: "high", summary: "Node memory above 95 %",
        runbook: "Pods are about to be OOM-killed: scale the node pool out, then find the pod that grew.",
    }),
    rule({
        alert: "NodeDiskHigh", group: "infrastructure",
        query: NODE_DISK_USED_PERCENT,
        direction: "above", threshold: 85, for: "10m", severity: "medium", summary: "Node disk above 85 %",
        runbook: "Usually images and logs: `kubectl describe node` for disk pressure; the kubelet prunes images past its own threshold.",
    }),
    rule({
        alert: "NodeDiskCritical", group: "infrastructure",
        query: NODE_DISK_USED_PERCENT,
        direction: "above", threshold: 95, for: "5m", severity: "high", summary: "Node disk above 95 %",
        runbook: "Cordon the node (`kubectl cordon`) so nothing new lands on it, then drain it; the node pool replaces it.",
    }),
    rule({
        alert: "PostgresReplicationLagHigh", group: "data", query: `max by (instance) (${S.postgresReplicationLag})`,
        direction: "above", threshold: 1, for: "1m", severity: "high", summary: "PostgreSQL replica more than 1 second behind",
        runbook: "The follower colour reads stale data: check the owner's write load and the replica's size in the DigitalOcean console.",
    }),
    rule({
        alert: "RedisMemoryHigh", group: "data", query: REDIS_MEMORY_USED_PERCENT,
        direction: "above", threshold: 80, for: "5m", severity: "medium", summary: "Valkey/Redis memory above 80 % of its limit",
        runbook: "Check the eviction policy and the largest keys (`valkey-cli --bigkeys`); resize the cluster if the working set grew.",
    }),
    rule({
        alert: "DataStoreUnreachable", group: "data", query: `min by (job, instance) (${S.postgresUp} or ${S.redisUp})`,
        direction: "below", threshold: 1, for: "2m", severity: "high", summary: "A data exporter cannot reach its database: the lag and memory rules are blind",
        runbook: "`kubectl logs` the exporter named by `job`: a rotated password (re-run `pulumi up`), a trusted-sources rule, or the database itself down (DigitalOcean console).",
    }),
    rule({
        alert: "MetricsTargetDown", group: "infrastructure", query: `min by (job, instance) (${S.up}{job!="prometheus"})`,
        direction: "below", threshold: 1, for: "5m", severity: "high", summary: "Prometheus cannot scrape a target: the rules reading it are silent",
        runbook: "`job` names the source (gateway sidecar, node-exporter, an exporter, the Pushgateway): `kubectl get pods` for it and its NetworkPolicy; the switch halts on a colour whose gateway series stop.",
    }),
]);

/** The rule file Prometheus loads: one group per area, every rule labelled with its severity. */
export function renderAlertRules(colour: string, rules: readonly AlertRule[] = ALERT_RULES): string {
    const groups = [...new Set(rules.map(r => r.group))].map(group => ({
        name: `blkout-${group}`,
        rules: rules.filter(r => r.group === group).map(r => ({
            alert: r.alert,
            expr: r.expr,
            for: r.for,
            labels: { severity: r.severity, colour },
            annotations: alertAnnotations(r),
        })),
    }));
    return stringify({ groups }, { lineWidth: 0 });
}

/** Static text, so a notification (and a rule unit test) never depends on a sample's exact value. */
export function alertAnnotations(r: AlertRule): Record<string, string> {
    return { summary: r.summary, runbook: r.runbook };
}
