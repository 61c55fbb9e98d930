import { stringify } from "yaml";
import { METRICS_PORT } from "./gatewayMetrics";
import { NODE_EXPORTER_PORT } from "./monitoringNodeExporter";
import { PUSHGATEWAY_JOB, pushgatewayScrapeJob } from "./monitoringPushgateway";
import { DataExporterKind, dataExporterJobs } from "./monitoringDataExporters";

/**
 * Prometheus's configuration for one colour, rendered by a pure function so the loopback tests run
 * the very file the cluster gets (with only the discovery swapped for loopback addresses).
 */

export const PROMETHEUS_PORT = 9090;
export const ALERTMANAGER_PORT = 9093;
export const BLACKBOX_PORT = 9115;
/** Where the rule files are mounted in the Prometheus container. */
export const RULES_DIR = "/etc/prometheus/rules";

/** Job names: the rules and the dashboards select on them. */
export const JOBS = { gateway: "gateway", api: "api", health: "health", prometheus: "prometheus", node: "node", pushgateway: PUSHGATEWAY_JOB } as const;

export interface ScrapeTargets {
    /** DNS name of the gateway's headless metrics Service (every pod's address). */
    readonly gatewayMetricsHost: string;
    /** APIs that serve `/metrics`: name -> `host:port`. @default none */
    readonly apiMetrics?: Readonly<Record<string, string>>;
    /** URLs the blackbox exporter probes (the gateway's `/healthz` and `/health/<api>`). @default none */
    readonly healthUrls?: readonly string[];
    /** DNS name of node-exporter's headless Service (one A record per node). @default none */
    readonly nodeExporterHost?: string;
    /** `host:port` of the colour's Alertmanager. */
    readonly alertmanager: string;
    /** `host:port` of the colour's Pushgateway (the switch's step). @default none */
    readonly pushgateway?: string;
    /** `host:port` of the PostgreSQL and Redis exporters this colour runs. @default none */
    readonly dataExporters?: Readonly<Partial<Record<DataExporterKind, string>>>;
}

export interface PrometheusConfigOptions {
    readonly colour: string;
    readonly targets: ScrapeTargets;
    /** @default "15s"; the loopback tests and the benchmark use 1 s to 5 s. */
    readonly scrapeInterval?: string;
}

type Job = Record<string, unknown>;

function gatewayJob(host: string): Job {
    return headlessServiceJob(JOBS.gateway, host, METRICS_PORT);
}

function headlessServiceJob(job: string, host: string, port: number): Job {
    return {
        job_name: job,
        // A records of a headless Service: one target per pod, refreshed as pods come and go.
        dns_sd_configs: [{ names: [host], type: "A", port, refresh_interval: "15s" }],
    };
}

function healthJob(urls: readonly string[]): Job {
    return {
        job_name: JOBS.health,
        metrics_path: "/probe",
        params: { module: ["http_2xx"] },
        static_configs: [{ targets: [...urls] }],
        // The blackbox exporter probes the URL named in `target`; the series keep the URL as `instance`.
        relabel_configs: [
            { source_labels: ["__address__"], target_label: "__param_target" },
            { source_labels: ["__param_target"], target_label: "instance" },
            { target_label: "__address__", replacement: `127.0.0.1:${BLACKBOX_PORT}` },
        ],
    };
}

/** The `prometheus.yml` of one colour. */
export function renderPrometheusConfig(o: PrometheusConfigOptions): string {
    const interval = o.scrapeInterval ?? "15s";
    const apis = Object.entries(o.targets.apiMetrics ?? {});
    const config = {
        global: { scrape_interval: interval, evaluation_interval: interval, external_labels: { colour: o.colour } },
        rule_files: [`${RULES_DIR}/*.yml`],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [o.targets.alertmanager] }] }] },
        scrape_configs: [
            gatewayJob(o.targets.gatewayMetricsHost),
            ...(apis.length > 0 ? [{
                job_name: JOBS.api,
                static_configs: apis.map(([api, target]) => ({ targets: [target], labels: { api } })),
            }] : []),
            ...(o.targets.healthUrls?.length ? [healthJob(o.targets.healthUrls)] : []),
            ...(o.targets.pushgateway ? [pushgatewayScrapeJob(o.targets.pushgateway)] : []),
            ...(o.targets.nodeExporterHost ? [headlessServiceJob(JOBS.node, o.targets.nodeExporterHost, NODE_EXPORTER_PORT)] : []),
            ...dataExporterJobs(o.targets.dataExporters ?? {}),
            { job_name: JOBS.prometheus, static_configs: [{ targets: [`127.0.0.1:${PROMETHEUS_PORT}`] }] },
        ],
    };
    return stringify(config, { lineWidth: 0 });
}

/** The blackbox exporter's modules: a health endpoint is up when it answers 2xx within 5 s. */
export function renderBlackboxConfig(): string {
    return stringify({ modules: { http_2xx: { prober: "http", timeout: "5s", http: { preferred_ip_protocol: "ip4" } } } });
}
