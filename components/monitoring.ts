import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { metricsServiceName, PROMETHEUS_SELECTOR } from "./gatewayMetrics";
import { restrictedPodSecurity, ZERO_DOWNTIME_STRATEGY } from "./k8sWorkload";
import { AlertReceivers, receiverProblems, renderAlertmanagerConfig, SmtpSettings } from "./monitoringAlertmanager";
import { renderDashboard, renderGrafanaProvisioning } from "./monitoringDashboards";
import { DATA_EXPORTER_KINDS, DataExporterKind } from "./monitoringDataExporters";
import { ALERTMANAGER_SELECTOR, GRAFANA_SELECTOR, monitoringPolicies } from "./monitoringNetwork";
import { kubernetesVersionProblem, NODE_EXPORTER_HOST, NodeExporter } from "./monitoringNodeExporter";
import { ALERTMANAGER_PORT, PROMETHEUS_PORT, renderBlackboxConfig, renderPrometheusConfig } from "./monitoringPrometheus";
import { PUSHGATEWAY_PORT, PUSHGATEWAY_SELECTOR, PUSHGATEWAY_UID, pushgatewayContainer } from "./monitoringPushgateway";
import { renderAlertRules } from "./monitoringRules";
import {
    alertmanagerContainer, GRAFANA_PORT, grafanaContainer, MONITORING_UIDS, MonitoringMode, monitoringSizing, prometheusContainers,
} from "./monitoringWorkloads";
import { assertNoProblems, LABELS } from "./platformNames";

import Input = k8s.types.input;

export interface MonitoringArgs {
    readonly provider: k8s.Provider;
    readonly namespace: pulumi.Input<string>;
    /** @default none (required) */
    readonly colour: string;
    /** Standby keeps every part running with a day of history and small resources. @default "active" */
    readonly mode?: MonitoringMode;
    /** The Gateway component's name: its Service and metrics Service are named from it. @default none (required) */
    readonly gatewayName: string;
    /** APIs whose `/health/<api>` the blackbox exporter probes through the gateway. @default none */
    readonly apis?: readonly string[];
    /** APIs that serve `/metrics`: name -> their Service host and metrics port. @default none */
    readonly apiMetrics?: Readonly<Record<string, { readonly host: pulumi.Input<string>; readonly port: number }>>;
    /** `host:port` of the colour's PostgreSQL and Redis exporters (a DataExporters' `targets`). @default none */
    readonly dataExporters?: Readonly<Partial<Record<DataExporterKind, pulumi.Input<string>>>>;
    /** Where alerts go; the keys are secrets. @default none (required) */
    readonly receivers: {
        readonly pagerDutyRoutingKey: pulumi.Input<string>;
        readonly slackWebhookUrl: pulumi.Input<string>;
        readonly smtpPassword: pulumi.Input<string>;
        readonly slackChannel: string;
        readonly smtp: SmtpSettings;
        readonly emails: readonly string[];
    };
    /** @default "15s" */
    readonly scrapeInterval?: string;
    /** node-exporter on every node, in its own namespace pinned to the cluster's minor ("1.33"). @default none (not deployed) */
    readonly nodeExporter?: { readonly kubernetesVersion: string };
}

/** One colour's Prometheus (with a blackbox exporter), Alertmanager and Grafana, as plain Kubernetes objects. */
export class Monitoring extends pulumi.ComponentResource {
    /** In-cluster URL of Prometheus: what the switch reaches through `kubectl port-forward svc/<name>`. */
    readonly prometheusService: pulumi.Output<string>;
    readonly grafanaService: pulumi.Output<string>;

    constructor(name: string, args: MonitoringArgs, opts: pulumi.ComponentResourceOptions = {}) {
        assertNoProblems(`Monitoring "${name}" args`, monitoringProblems(args));
        super("blkout:platform:Monitoring", name, {}, opts);
        const o = { parent: this, provider: args.provider };
        const mode = args.mode ?? "active";
        const ns = args.namespace;
        const meta = (part: string, selector: Readonly<Record<string, string>>) => ({
            name: `${name}-${part}`, namespace: ns, labels: { ...selector, [LABELS.component]: "monitoring", [LABELS.colour]: args.colour },
        });
        const svcHost = (service: string) => pulumi.interpolate`${service}.${ns}.svc.cluster.local`;

        const apiMetrics = Object.entries(args.apiMetrics ?? {});
        const exporterKinds = DATA_EXPORTER_KINDS.filter(kind => args.dataExporters?.[kind] !== undefined);
        const prometheusConfig = pulumi.all([
            svcHost(metricsServiceName(args.gatewayName)), svcHost(args.gatewayName), svcHost(`${name}-alertmanager`), pulumi.all(apiMetrics.map(([, m]) => m.host)),
            svcHost(`${name}-pushgateway`),
            pulumi.all(exporterKinds.map(kind => args.dataExporters![kind]!)),
        ]).apply(([metricsHost, gatewayHost, alertmanagerHost, apiHosts, pushgatewayHost, exporterTargets]) => renderPrometheusConfig({
            colour: args.colour,
            scrapeInterval: args.scrapeInterval,
            targets: {
                gatewayMetricsHost: metricsHost,
                alertmanager: `${alertmanagerHost}:${ALERTMANAGER_PORT}`,
                // The gateway Service's port 443 speaks plain HTTP inside the cluster: TLS ends at the load balancer.
                healthUrls: [`http://${gatewayHost}:443/healthz`, ...(args.apis ?? []).map(api => `http://${gatewayHost}:443/health/${api}`)],
                apiMetrics: Object.fromEntries(apiMetrics.map(([api, m], i) => [api, `${apiHosts[i]}:${m.port}`])),
                pushgateway: `${pushgatewayHost}:${PUSHGATEWAY_PORT}`,
                ...(args.nodeExporter ? { nodeExporterHost: NODE_EXPORTER_HOST } : {}),
                dataExporters: Object.fromEntries(exporterKinds.map((kind, i) => [kind, exporterTargets[i]])),
            },
        }));
        const rules = renderAlertRules(args.colour);
        const configMap = (part: string, selector: Readonly<Record<string, string>>, data: Record<string, pulumi.Input<string>>) =>
            new k8s.core.v1.ConfigMap(`${name}-${part}-config`, { metadata: meta(part, selector), data }, o);
        const prom = configMap("prometheus", PROMETHEUS_SELECTOR, { "prometheus.yml": prometheusConfig });
        const ruleMap = configMap("rules", PROMETHEUS_SELECTOR, { [`${args.colour}.yml`]: rules });
        const blackbox = configMap("blackbox", PROMETHEUS_SELECTOR, { "blackbox.yml": renderBlackboxConfig() });
        const size = monitoringSizing(mode);
        const podTemplate = (part: string, selector: Readonly<Record<string, string>>, uid: number, containers: Input.core.v1.Container[],
            volumes: Input.core.v1.Volume[], configHash: pulumi.Input<string>): Input.core.v1.PodTemplateSpec => ({
            metadata: { labels: meta(part, selector).labels, annotations: { "blkout.org/config-hash": configHash } },
            spec: { automountServiceAccountToken: false, securityContext: restrictedPodSecurity(uid), containers, volumes },
        });
        // Prometheus and Alertmanager are singletons per colour: a second unclustered replica would send every alert twice.
        const singleton = (part: string, selector: Readonly<Record<string, string>>, template: Input.core.v1.PodTemplateSpec) =>
            new k8s.apps.v1.StatefulSet(`${name}-${part}`, {
                metadata: meta(part, selector),
                spec: { replicas: 1, serviceName: `${name}-${part}`, selector: { matchLabels: { ...selector } }, template },
            }, o);
        const service = (part: string, selector: Readonly<Record<string, string>>, port: number) =>
            new k8s.core.v1.Service(`${name}-${part}-service`, {
                metadata: meta(part, selector),
                spec: { type: "ClusterIP", selector: { ...selector }, ports: [{ name: "http", port, targetPort: "http", protocol: "TCP" }] },
            }, o);

        singleton("prometheus", PROMETHEUS_SELECTOR, podTemplate("prometheus", PROMETHEUS_SELECTOR, MONITORING_UIDS.prometheus, prometheusContainers(mode), [
            { name: "config", configMap: { name: prom.metadata.name } },
            { name: "rules", configMap: { name: ruleMap.metadata.name } },
            { name: "blackbox", configMap: { name: blackbox.metadata.name } },
            { name: "data", emptyDir: { sizeLimit: size.storageLimit } },
        ], prometheusConfig.apply(text => hash(text, rules))));
        const prometheusService = service("prometheus", PROMETHEUS_SELECTOR, PROMETHEUS_PORT);

        const alertmanagerConfig = pulumi.secret(pulumi.all([args.receivers.pagerDutyRoutingKey, args.receivers.slackWebhookUrl, args.receivers.smtpPassword])
            .apply(([pagerDutyRoutingKey, slackWebhookUrl, smtpPassword]) => renderAlertmanagerConfig(args.colour, {
                ...args.receivers, pagerDutyRoutingKey, slackWebhookUrl, smtpPassword,
            })));
        const alertmanagerSecret = new k8s.core.v1.Secret(`${name}-alertmanager-secret`, {
            metadata: meta("alertmanager", ALERTMANAGER_SELECTOR), type: "Opaque", stringData: { "alertmanager.yml": alertmanagerConfig },
        }, o);
        singleton("alertmanager", ALERTMANAGER_SELECTOR, podTemplate("alertmanager", ALERTMANAGER_SELECTOR, MONITORING_UIDS.alertmanager, [alertmanagerContainer(mode)], [
            { name: "config", secret: { secretName: alertmanagerSecret.metadata.name } },
            { name: "data", emptyDir: { sizeLimit: "256Mi" } },
        ], pulumi.secret(alertmanagerConfig.apply(text => hash(text)))));
        service("alertmanager", ALERTMANAGER_SELECTOR, ALERTMANAGER_PORT);

        // The switch's step (switch/stepReport.ts) waits here for Prometheus; a singleton, see monitoringPushgateway.ts.
        const pushgateway = pushgatewayContainer();
        singleton("pushgateway", PUSHGATEWAY_SELECTOR, podTemplate("pushgateway", PUSHGATEWAY_SELECTOR, PUSHGATEWAY_UID, [pushgateway],
            [{ name: "data", emptyDir: { sizeLimit: "64Mi" } }], hash(JSON.stringify(pushgateway.args))));
        service("pushgateway", PUSHGATEWAY_SELECTOR, PUSHGATEWAY_PORT);

        const adminPassword = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this });
        const adminSecret = new k8s.core.v1.Secret(`${name}-grafana-admin-secret`, {
            metadata: meta("grafana-admin", GRAFANA_SELECTOR), type: "Opaque", stringData: { password: adminPassword.result },
        }, o);
        const provisioning = svcHost(`${name}-prometheus`).apply(renderGrafanaProvisioning);
        const datasources = configMap("grafana-datasources", GRAFANA_SELECTOR, { "datasources.yml": provisioning.datasources });
        const providers = configMap("grafana-providers", GRAFANA_SELECTOR, { "dashboards.yml": provisioning.dashboards });
        const dashboard = renderDashboard(args.colour);
        const dashboards = configMap("grafana-dashboards", GRAFANA_SELECTOR, { [`blkout-${args.colour}.json`]: dashboard });
        const grafanaTemplate = podTemplate("grafana", GRAFANA_SELECTOR, MONITORING_UIDS.grafana, [grafanaContainer(mode, adminSecret.metadata.name)], [
            { name: "datasources", configMap: { name: datasources.metadata.name } },
            { name: "providers", configMap: { name: providers.metadata.name } },
            { name: "dashboards", configMap: { name: dashboards.metadata.name } },
            { name: "data", emptyDir: { sizeLimit: "1Gi" } },
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        ], provisioning.datasources.apply(text => hash(text, dashboard)));
        // Stateless (provisioned dashboards, sessions pinned by port-forward to one pod): two replicas and a budget like the APIs.
        new k8s.apps.v1.Deployment(`${name}-grafana`, {
            metadata: meta("grafana", GRAFANA_SELECTOR),
            spec: { replicas: 2, strategy: ZERO_DOWNTIME_STRATEGY, selector: { matchLabels: { ...GRAFANA_SELECTOR } }, template: grafanaTemplate },
        }, o);
        new k8s.policy.v1.PodDisruptionBudget(`${name}-grafana-pdb`, {
            metadata: meta("grafana", GRAFANA_SELECTOR), spec: { maxUnavailable: 1, selector: { matchLabels: { ...GRAFANA_SELECTOR } } },
        }, o);
        const grafanaService = service("grafana", GRAFANA_SELECTOR, GRAFANA_PORT);

        if (args.nodeExporter) {
            new NodeExporter(`${name}-node-exporter`, { ...args.nodeExporter, provider: args.provider, colour: args.colour, mode, platformNamespace: ns }, { parent: this });
        }
        for (const policy of monitoringPolicies(apiMetrics.map(([, m]) => m.port), args.nodeExporter !== undefined, exporterKinds)) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${policy.key}-netpol`, { metadata: meta(policy.key, {}), spec: policy.spec }, o);
        }
        this.prometheusService = prometheusService.metadata.name;
        this.grafanaService = grafanaService.metadata.name;
        this.registerOutputs({ prometheusService: this.prometheusService, grafanaService: this.grafanaService });
    }
}

const hash = (...texts: string[]) => createHash("sha256").update(texts.join("\n")).digest("hex");

/** Every problem with the args, each naming its key. */
export function monitoringProblems(args: MonitoringArgs): string[] {
    const problems: string[] = [];
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(args.colour ?? "")) problems.push(`colour: expected a lower-case name like "blue", got ${JSON.stringify(args.colour)}`);
    if (!/^[a-z][a-z0-9-]{0,40}$/.test(args.gatewayName ?? "")) problems.push(`gatewayName: expected the Gateway component's name, got ${JSON.stringify(args.gatewayName)}`);
    if (args.mode !== undefined && args.mode !== "active" && args.mode !== "standby") problems.push(`mode: expected "active" or "standby", got ${JSON.stringify(args.mode)}`);
    if (args.scrapeInterval !== undefined && !/^\d{1,3}s$/.test(args.scrapeInterval)) problems.push(`scrapeInterval: expected seconds like "15s", got ${JSON.stringify(args.scrapeInterval)}`);
    for (const [api, { port }] of Object.entries(args.apiMetrics ?? {})) {
        if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`apiMetrics.${api}.port: expected a port 1-65535, got ${JSON.stringify(port)}`);
    }
    const version = args.nodeExporter && kubernetesVersionProblem("nodeExporter.kubernetesVersion", args.nodeExporter.kubernetesVersion);
    if (version) problems.push(version);
    const plain: AlertReceivers = { ...args.receivers, pagerDutyRoutingKey: "", slackWebhookUrl: "", smtpPassword: "" };
    return [...problems, ...receiverProblems(plain).map(p => `receivers.${p}`)];
}
