import { stringify } from "yaml";
import { errorRateQuery, EXPORTER_SERIES as S, NODE_DISK_USED_PERCENT, p95MsQuery, REDIS_MEMORY_USED_PERCENT, requestRateQuery, SERIES_LABELS, SWITCH_LABELS, SWITCH_SERIES as SW } from "./metricSeries";
import { PROMETHEUS_PORT } from "./monitoringPrometheus";

/**
 * Grafana as code: the datasource, the dashboard provider and the colour's dashboard, rendered by
 * pure functions from the series module, so a panel can only chart a series the platform produces.
 */

export const DATASOURCE_UID = "blkout-prometheus";
export const DASHBOARDS_DIR = "/var/lib/grafana/dashboards";
/** Grafana's rate window: at least four scrapes, whatever the interval. */
const RANGE = "$__rate_interval";

export interface Panel {
    readonly title: string;
    readonly unit: string;
    /** Legend and query per line. */
    readonly targets: readonly { readonly legend: string; readonly expr: string }[];
    readonly description: string;
}

/** The panels of one colour's dashboard, in order. */
export function dashboardPanels(colour: string): Panel[] {
    const own = { match: { [SERIES_LABELS.colour]: colour }, range: RANGE };
    return [
        {
            // Not a share of requests: each colour's Prometheus scrapes only its own gateway, so that would read 100 %.
            title: "Traffic share by colour", unit: "percentunit",
            description: "The weights the load balancer applies, as the switch reported them after its last update (through this colour's Pushgateway).",
            targets: ["blue", "green"].map(c => ({ legend: c, expr: `max(${SW.weight}{${SWITCH_LABELS.colour}="${c}"})` })),
        },
        {
            title: "Switch: current step", unit: "none",
            description: "The step whose weights the switch applied last (0 after a rollback), of how many, and its state (the line at 1). "
                + "The switch reports after each update, best effort: an old report time means no switch is running or it could not report.",
            targets: [
                { legend: "step ({{from}} to {{to}})", expr: `max by (${SWITCH_LABELS.from}, ${SWITCH_LABELS.to}) (${SW.step})` },
                { legend: "of steps", expr: `max(${SW.steps})` },
                { legend: "{{state}}", expr: `max by (${SWITCH_LABELS.state}) (${SW.state} == 1)` },
                { legend: "minutes since the last report", expr: `(time() - max(${SW.updated})) / 60` },
            ],
        },
        {
            title: "Request rate by API", unit: "reqps",
            description: "Requests per second the gateway answered, by API.",
            targets: [{ legend: "{{api}}", expr: requestRateQuery(own, ["api"]) }],
        },
        {
            title: "Error rate (5xx) by API", unit: "percentunit",
            description: "Target below 1 %; above 5 % for 2 minutes rolls a switch back (the seeds' thresholds).",
            targets: [{ legend: "{{api}}", expr: errorRateQuery(own, ["api"]) }, { legend: "all", expr: errorRateQuery(own) }],
        },
        {
            title: "p95 response time by API", unit: "ms",
            description: "Target below 1000 ms; above 2000 ms sustained rolls a switch back.",
            targets: [{ legend: "{{api}}", expr: p95MsQuery(own, ["api"]) }, { legend: "all", expr: p95MsQuery(own) }],
        },
        {
            title: "Saturation: node CPU, memory and disk", unit: "percent",
            description: "Warning at 70 % CPU / 80 % memory / 85 % disk, critical at 90 % / 95 % / 95 %.",
            targets: [
                { legend: "cpu {{instance}}", expr: `100 * (1 - avg by (instance) (rate(${S.nodeCpuSeconds}{mode="idle"}[${RANGE}])))` },
                { legend: "memory {{instance}}", expr: `100 * (1 - ${S.nodeMemoryAvailable} / ${S.nodeMemoryTotal})` },
                { legend: "fullest disk {{instance}}", expr: `max by (instance) (${NODE_DISK_USED_PERCENT})` },
            ],
        },
        {
            title: "PostgreSQL replication lag", unit: "s",
            description: "Above 1 s the follower colour reads stale data.",
            targets: [{ legend: "{{instance}}", expr: `max by (instance) (${S.postgresReplicationLag})` }],
        },
        {
            title: "Valkey memory", unit: "percent",
            description: "Used share of maxmemory (the owner colour's exporter); above 80 % alerts, past 100 % keys are evicted.",
            targets: [{ legend: "{{instance}}", expr: REDIS_MEMORY_USED_PERCENT }],
        },
    ];
}

/** The dashboard JSON Grafana provisions (schema of Grafana 10's dashboard model). */
export function renderDashboard(colour: string): string {
    const panels = dashboardPanels(colour).map((panel, i) => ({
        id: i + 1,
        type: "timeseries",
        title: panel.title,
        description: panel.description,
        datasource: { type: "prometheus", uid: DATASOURCE_UID },
        gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
        fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
        targets: panel.targets.map((t, j) => ({
            refId: String.fromCharCode(65 + j),
            datasource: { type: "prometheus", uid: DATASOURCE_UID },
            expr: t.expr,
            legendFormat: t.legend,
        })),
    }));
    return JSON.stringify({
        uid: `blkout-${colour}`,
        title: `blkout ${colour}`,
        tags: ["blkout", colour],
        timezone: "utc",
        schemaVersion: 39,
        refresh: "30s",
        time: { from: "now-3h", to: "now" },
        panels,
    }, null, 2);
}

/** Grafana's provisioning: the colour's Prometheus as the only datasource, dashboards from the mounted folder. */
export function renderGrafanaProvisioning(prometheusHost: string): { datasources: string; dashboards: string } {
    return {
        datasources: stringify({
            apiVersion: 1,
            datasources: [{
                name: "Prometheus", uid: DATASOURCE_UID, type: "prometheus", access: "proxy", isDefault: true, editable: false,
                url: `http://${prometheusHost}:${PROMETHEUS_PORT}`,
            }],
        }),
        dashboards: stringify({
            apiVersion: 1,
            providers: [{ name: "blkout", type: "file", disableDeletion: true, allowUiUpdates: false, options: { path: DASHBOARDS_DIR } }],
        }),
    };
}
