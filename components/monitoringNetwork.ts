import * as k8s from "@pulumi/kubernetes";
import { METRICS_PORT, PROMETHEUS_SELECTOR } from "./gatewayMetrics";
import { DNS_EGRESS, podsLabelled as pods, tcpPort as tcp } from "./k8sWorkload";
import { dataExporterEgress, DataExporterKind } from "./monitoringDataExporters";
import { NODE_EXPORTER_EGRESS } from "./monitoringNodeExporter";
import { ALERTMANAGER_PORT, PROMETHEUS_PORT } from "./monitoringPrometheus";
import { PUSHGATEWAY_PORT, PUSHGATEWAY_SELECTOR, pushgatewayPolicy } from "./monitoringPushgateway";
import { GATEWAY_SELECTOR, LABELS, PART_OF } from "./platformNames";

import Input = k8s.types.input;

/**
 * Who may talk to the monitoring pods, and to whom they may talk. People and the switch reach
 * Prometheus and Grafana through `kubectl port-forward` (the API server's tunnel), never a load
 * balancer, so no policy admits anything from outside the namespace.
 */

export const ALERTMANAGER_SELECTOR: Readonly<Record<string, string>> = { [LABELS.app]: "alertmanager", [LABELS.partOf]: PART_OF };
export const GRAFANA_SELECTOR: Readonly<Record<string, string>> = { [LABELS.app]: "grafana", [LABELS.partOf]: PART_OF };

/** The gateway's own port, which the blackbox exporter probes health on (pod port, after the Service). */
const GATEWAY_POD_PORT = 8080;

/** Private ranges the receivers (PagerDuty, Slack, SMTP relays) never live in. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"];


export interface MonitoringPolicySpec {
    readonly key: string;
    readonly spec: Input.networking.v1.NetworkPolicySpec;
}

/**
 * The three policies. Prometheus: in from Grafana only; out to the gateways' metrics and health
 * ports, the APIs' metrics ports and Alertmanager. Alertmanager: in from Prometheus; out to the
 * internet's HTTPS and SMTP submission only. Grafana: nothing in; out to Prometheus.
 */
export function monitoringPolicies(apiMetricsPorts: readonly number[], nodeExporter = false, dataExporters: readonly DataExporterKind[] = []): MonitoringPolicySpec[] {
    const apiPods = pods({ [LABELS.component]: "api", [LABELS.partOf]: PART_OF });
    return [
        {
            key: "prometheus",
            spec: {
                podSelector: { matchLabels: { ...PROMETHEUS_SELECTOR } },
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [pods(GRAFANA_SELECTOR)], ports: [tcp(PROMETHEUS_PORT)] }],
                egress: [
                    { to: [pods(GATEWAY_SELECTOR)], ports: [tcp(METRICS_PORT), tcp(GATEWAY_POD_PORT)] },
                    ...(apiMetricsPorts.length > 0 ? [{ to: [apiPods], ports: apiMetricsPorts.map(tcp) }] : []),
                    { to: [pods(ALERTMANAGER_SELECTOR)], ports: [tcp(ALERTMANAGER_PORT)] },
                    { to: [pods(PUSHGATEWAY_SELECTOR)], ports: [tcp(PUSHGATEWAY_PORT)] },
                    ...(nodeExporter ? [NODE_EXPORTER_EGRESS] : []),
                    ...dataExporters.map(dataExporterEgress),
                    DNS_EGRESS,
                ],
            },
        },
        {
            key: "alertmanager",
            spec: {
                podSelector: { matchLabels: { ...ALERTMANAGER_SELECTOR } },
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [pods(PROMETHEUS_SELECTOR)], ports: [tcp(ALERTMANAGER_PORT)] }],
                egress: [
                    { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_RANGES } }], ports: [tcp(443), tcp(587)] },
                    DNS_EGRESS,
                ],
            },
        },
        {
            key: "grafana",
            spec: {
                podSelector: { matchLabels: { ...GRAFANA_SELECTOR } },
                policyTypes: ["Ingress", "Egress"],
                ingress: [],
                egress: [{ to: [pods(PROMETHEUS_SELECTOR)], ports: [tcp(PROMETHEUS_PORT)] }, DNS_EGRESS],
            },
        },
        { key: "pushgateway", spec: pushgatewayPolicy() },
    ];
}
