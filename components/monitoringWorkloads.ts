import * as k8s from "@pulumi/kubernetes";
import { restrictedContainerSecurity } from "./k8sWorkload";
import { DASHBOARDS_DIR } from "./monitoringDashboards";
import { ALERTMANAGER_PORT, BLACKBOX_PORT, PROMETHEUS_PORT, RULES_DIR } from "./monitoringPrometheus";

import Input = k8s.types.input;

/**
 * The containers of the monitoring stack, as pure functions of the mode. Images are the upstream
 * projects' own, pinned by tag at the versions Debian ships to the tests where there is one
 * (Prometheus 2.42.0, Alertmanager 0.25.0), so the rule and config checks run the cluster's versions.
 */
export const MONITORING_IMAGES = {
    prometheus: "quay.io/prometheus/prometheus:v2.42.0",
    alertmanager: "quay.io/prometheus/alertmanager:v0.25.0",
    blackbox: "quay.io/prometheus/blackbox-exporter:v0.23.0",
    grafana: "docker.io/grafana/grafana-oss:10.4.2",
} as const;

/** The images' own users: Prometheus and friends run as nobody, Grafana as 472. */
export const MONITORING_UIDS = { prometheus: 65534, alertmanager: 65534, grafana: 472 } as const;
export const GRAFANA_PORT = 3000;

export type MonitoringMode = "active" | "standby";

/** A standby colour keeps every part running, with a day of history and a fraction of the resources. */
export function monitoringSizing(mode: MonitoringMode) {
    const standby = mode === "standby";
    return {
        retention: standby ? "1d" : "15d",
        storageLimit: standby ? "2Gi" : "20Gi",
        prometheus: standby
            ? { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } }
            : { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } },
        small: standby
            ? { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } }
            : { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
        grafana: standby
            ? { requests: { cpu: "25m", memory: "128Mi" }, limits: { cpu: "250m", memory: "256Mi" } }
            : { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    };
}

const httpProbe = (path: string, port: number) => ({
    readinessProbe: { httpGet: { path, port }, periodSeconds: 10, timeoutSeconds: 3 },
    livenessProbe: { httpGet: { path, port }, initialDelaySeconds: 30, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
});

/** Prometheus and its blackbox exporter (the health probes); TSDB on an emptyDir, capped by size. */
export function prometheusContainers(mode: MonitoringMode): Input.core.v1.Container[] {
    const size = monitoringSizing(mode);
    return [
        {
            name: "prometheus",
            image: MONITORING_IMAGES.prometheus,
            args: [
                "--config.file=/etc/prometheus/prometheus.yml",
                "--storage.tsdb.path=/prometheus",
                `--storage.tsdb.retention.time=${size.retention}`,
                // Below the emptyDir's limit, so Prometheus deletes old blocks before the kubelet evicts the pod.
                `--storage.tsdb.retention.size=${parseInt(size.storageLimit, 10) * 0.8}GB`,
                `--web.listen-address=:${PROMETHEUS_PORT}`,
            ],
            ports: [{ name: "http", containerPort: PROMETHEUS_PORT, protocol: "TCP" }],
            resources: size.prometheus,
            securityContext: restrictedContainerSecurity(),
            ...httpProbe("/-/ready", PROMETHEUS_PORT),
            volumeMounts: [
                { name: "config", mountPath: "/etc/prometheus", readOnly: true },
                { name: "rules", mountPath: RULES_DIR, readOnly: true },
                { name: "data", mountPath: "/prometheus" },
            ],
        },
        {
            name: "blackbox",
            image: MONITORING_IMAGES.blackbox,
            // Every address, so the kubelet can probe it; the pod's NetworkPolicy admits no one on this port.
            args: ["--config.file=/etc/blackbox/blackbox.yml", `--web.listen-address=:${BLACKBOX_PORT}`],
            resources: size.small,
            securityContext: restrictedContainerSecurity(),
            ...httpProbe("/", BLACKBOX_PORT),
            volumeMounts: [{ name: "blackbox", mountPath: "/etc/blackbox", readOnly: true }],
        },
    ];
}

export function alertmanagerContainer(mode: MonitoringMode): Input.core.v1.Container {
    return {
        name: "alertmanager",
        image: MONITORING_IMAGES.alertmanager,
        args: ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager", `--web.listen-address=:${ALERTMANAGER_PORT}`],
        ports: [{ name: "http", containerPort: ALERTMANAGER_PORT, protocol: "TCP" }],
        resources: monitoringSizing(mode).small,
        securityContext: restrictedContainerSecurity(),
        ...httpProbe("/-/ready", ALERTMANAGER_PORT),
        volumeMounts: [
            { name: "config", mountPath: "/etc/alertmanager", readOnly: true },
            { name: "data", mountPath: "/alertmanager" },
        ],
    };
}

export function grafanaContainer(mode: MonitoringMode, adminSecretName: Input.core.v1.SecretKeySelector["name"]): Input.core.v1.Container {
    return {
        name: "grafana",
        image: MONITORING_IMAGES.grafana,
        ports: [{ name: "http", containerPort: GRAFANA_PORT, protocol: "TCP" }],
        env: [
            { name: "GF_SECURITY_ADMIN_USER", value: "admin" },
            { name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: adminSecretName, key: "password" } } },
            { name: "GF_PATHS_PROVISIONING", value: "/etc/grafana/provisioning" },
            { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
            { name: "GF_ANALYTICS_CHECK_FOR_UPDATES", value: "false" },
            { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
        ],
        resources: monitoringSizing(mode).grafana,
        securityContext: restrictedContainerSecurity(),
        ...httpProbe("/api/health", GRAFANA_PORT),
        volumeMounts: [
            { name: "datasources", mountPath: "/etc/grafana/provisioning/datasources", readOnly: true },
            { name: "providers", mountPath: "/etc/grafana/provisioning/dashboards", readOnly: true },
            { name: "dashboards", mountPath: DASHBOARDS_DIR, readOnly: true },
            { name: "data", mountPath: "/var/lib/grafana" },
            { name: "tmp", mountPath: "/tmp" },
        ],
    };
}
