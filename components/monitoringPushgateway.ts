import * as k8s from "@pulumi/kubernetes";
import { PROMETHEUS_SELECTOR } from "./gatewayMetrics";
import { podsLabelled, restrictedContainerSecurity, tcpPort } from "./k8sWorkload";
import { LABELS, PART_OF } from "./platformNames";

import Input = k8s.types.input;

/**
 * Each colour's Pushgateway: where the switch, a short-lived CLI with no port of its own, leaves its
 * current step, weights and state (switch/stepReport.ts) for Prometheus to scrape and Grafana to
 * chart. A singleton per colour: the switch reaches it with `kubectl port-forward`, which picks one
 * pod, so a second replica would hold other values and Prometheus would scrape both.
 *
 * The image is the project's own (upstream's README links its quay.io repository,
 * https://github.com/prometheus/pushgateway#readme), pinned to v1.5.1, the version Debian ships to
 * the tests (`prometheus-pushgateway --version`: 1.5.1), so the loopback test runs the cluster's
 * software. The tag exists: other projects' manifests pin `quay.io/prometheus/pushgateway:v1.5.1`
 * (and `FROM prom/pushgateway:v1.5.1`). Upstream's Dockerfile runs it as `USER 65534`
 * (https://github.com/prometheus/pushgateway/blob/master/Dockerfile).
 */

export const PUSHGATEWAY_IMAGE = "quay.io/prometheus/pushgateway:v1.5.1";
/** The image's user (nobody), like Prometheus's. */
export const PUSHGATEWAY_UID = 65534;
/** Upstream's default port (`--web.listen-address=:9091`). */
export const PUSHGATEWAY_PORT = 9091;
/** Prometheus's job for it: the switch's series carry their own `job` (honor_labels). */
export const PUSHGATEWAY_JOB = "pushgateway";
export const PUSHGATEWAY_SELECTOR: Readonly<Record<string, string>> = { [LABELS.app]: "pushgateway", [LABELS.partOf]: PART_OF };
/** Where the emptyDir holding the persistence file is mounted. */
export const PUSHGATEWAY_DATA_DIR = "/data";

/**
 * Flags as `prometheus-pushgateway --help` (1.5.1, Debian's and the image's) lists them. The
 * persistence file on an emptyDir keeps the last step across a container restart (not a new pod);
 * written at most once a minute (`--persistence.interval`, default 5m). Admin API and lifecycle
 * endpoints stay off (their defaults): nothing may wipe or stop it over HTTP.
 */
export function pushgatewayArgs(dataDir = PUSHGATEWAY_DATA_DIR, listen = `:${PUSHGATEWAY_PORT}`): string[] {
    return [`--web.listen-address=${listen}`, `--persistence.file=${dataDir}/pushgateway.data`, "--persistence.interval=1m"];
}

export function pushgatewayContainer(): Input.core.v1.Container {
    const httpGet = (path: string) => ({ httpGet: { path, port: PUSHGATEWAY_PORT } });
    return {
        name: "pushgateway",
        image: PUSHGATEWAY_IMAGE,
        args: pushgatewayArgs(),
        ports: [{ name: "http", containerPort: PUSHGATEWAY_PORT, protocol: "TCP" }],
        // A few series from one switch: the same footprint in both modes.
        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
        securityContext: restrictedContainerSecurity(),
        readinessProbe: { ...httpGet("/-/ready"), periodSeconds: 10, timeoutSeconds: 3 },
        livenessProbe: { ...httpGet("/-/healthy"), initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
        volumeMounts: [{ name: "data", mountPath: PUSHGATEWAY_DATA_DIR }],
    };
}

/**
 * The scrape job. `honor_labels: true` keeps the pushed `job` (and the Pushgateway's empty
 * `instance`) instead of renaming them `exported_job`/`exported_instance`: pushgateway README,
 * "you should always set `honor_labels: true`" and "About the job and instance labels"; Prometheus's
 * scrape_config docs (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config):
 * "useful for use cases such as federation and scraping the Pushgateway".
 */
export function pushgatewayScrapeJob(target: string): Record<string, unknown> {
    return { job_name: PUSHGATEWAY_JOB, honor_labels: true, static_configs: [{ targets: [target] }] };
}

/**
 * In from the colour's Prometheus only; out to nothing (it answers, it never calls). The switch's
 * pushes come through `kubectl port-forward`, which no NetworkPolicy sees: the container runtime
 * dials `localhost:<port>` inside the pod's own network namespace (containerd,
 * internal/cri/server/sandbox_portforward_linux.go: "a locally destined connection is delivered via
 * the kernel's loopback shortcut and never traverses the veth's ingress path"), and DOKS's Cilium
 * enforces policy on that veth. Who may push is therefore who may `port-forward` (Kubernetes RBAC:
 * `pods/portforward`), exactly as for Prometheus.
 */
export function pushgatewayPolicy(): Input.networking.v1.NetworkPolicySpec {
    return {
        podSelector: { matchLabels: { ...PUSHGATEWAY_SELECTOR } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [podsLabelled(PROMETHEUS_SELECTOR)], ports: [tcpPort(PUSHGATEWAY_PORT)] }],
        egress: [],
    };
}
