import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { restrictedContainerSecurity } from "./k8sWorkload";
import { DURATION_BUCKETS_SECONDS, GATEWAY_DURATION, GATEWAY_REQUESTS, SERIES_LABELS } from "./metricSeries";
import { METRICS_LOG_DIR, METRICS_LOG_FILE } from "./metricsLog";
import type { GatewayRoute } from "./nginxConfig";
import { LABELS, PART_OF } from "./platformNames";

import Input = k8s.types.input;

/**
 * The gateway's metrics: nginx appends one short JSON line per request to a file on an emptyDir
 * both containers mount, and an mtail sidecar tails it into the series of `metricSeries.ts`. Debian
 * ships the same mtail the tests run, and the sidecar image is built from that package, so the
 * program is proven by the binary that runs it. A file, not syslog or a pipe: mtail 3.0.0-rc50 reads
 * one UDP datagram per poll (250 ms), losing nearly all lines at real rates, and reopens named pipes
 * in a loop; tailing a file is its main path. The file is emptied in place when it passes a cap
 * (mtail follows a truncation from the start), so the emptyDir never fills.
 */

/**
 * Built from Debian bookworm's `mtail` 3.0.0~rc50-1+b6 (`images/mtail/Dockerfile`), the package the
 * tests run: the mtail project publishes no official image (google/mtail#117, #710 closed unmerged).
 */
export const MTAIL_IMAGE = "registry.digitalocean.com/blkout/mtail:3.0.0-rc50-1-b6";
/** mtail's default HTTP port; `/metrics` serves the Prometheus text format. */
export const METRICS_PORT = 3903;
export const METRICS_PORT_NAME = "metrics";
const PROGRAM_DIR = "/etc/mtail";
export const MTAIL_PROGRAM_FILE = "gateway.mtail";

/** The Prometheus pods' labels: the only pods the gateway's metrics port admits. */
export const PROMETHEUS_SELECTOR: Readonly<Record<string, string>> = { [LABELS.app]: "prometheus", [LABELS.partOf]: PART_OF };

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const TOKEN = /^[A-Za-z0-9._+-]{1,64}$/;

export interface MtailProgramOptions {
    readonly colour: string;
    readonly release: string;
    /** The gateway's routes: a request is counted under the API whose prefix it matched. */
    readonly routes: readonly GatewayRoute[];
}

/**
 * The mtail program for one gateway. Colour and release are literals: the program is rendered per
 * colour and release, and a new release rolls the pods anyway. Requests outside the API routes
 * (health checks, 404s for unknown paths) are not counted: they are not users' traffic.
 */
export function renderMtailProgram(o: MtailProgramOptions): string {
    for (const [key, value] of [["colour", o.colour], ["release", o.release]] as const) {
        if (!TOKEN.test(value)) throw new Error(`mtail program: ${key} expected letters, digits or "._+-", got ${JSON.stringify(value)}`);
    }
    const apis = [...new Set(o.routes.map(r => r.api))];
    const L = SERIES_LABELS;
    const lines = [
        "# Rendered by components/gatewayMetrics.ts from the gateway's routes; edit those, not this file.",
        `counter ${GATEWAY_REQUESTS} by ${L.colour}, ${L.release}, ${L.api}, ${L.method}, ${L.statusClass}`,
        `histogram ${GATEWAY_DURATION} buckets ${DURATION_BUCKETS_SECONDS.join(", ")} by ${L.colour}, ${L.release}, ${L.api}`,
        "",
    ];
    for (const api of apis) {
        const prefixes = o.routes.filter(r => r.api === api).map(r => escapeRegex(r.prefix)).join("|");
        // The path is JSON-escaped by nginx: a quote inside it is `\"`, so the match skips escapes.
        const pattern = `^\\{"method":"(?P<method>[A-Z]{1,16})","path":"(?:${prefixes})(?:\\/(?:[^"\\\\]|\\\\.)*)?",` +
            `"status":(?P<class>[1-5])\\d\\d,"request_time":(?P<seconds>\\d+\\.\\d+)\\}$`;
        const key = `["${o.colour}"]["${o.release}"]["${api}"]`;
        lines.push(
            `/${pattern}/ {`,
            `  ${GATEWAY_REQUESTS}${key}[$method][$class + "xx"]++`,
            `  ${GATEWAY_DURATION}${key} = $seconds`,
            "}",
        );
    }
    return `${lines.join("\n")}\n`;
}

/** The metrics log is emptied when it passes this; the emptyDir's limit is twice it. */
export const METRICS_LOG_CAP_BYTES = 64 * 1024 * 1024;
const TRIM_EVERY_SECONDS = 30;

export interface MtailCommandOptions {
    readonly programDir: string;
    readonly logFile: string;
    readonly metricsPort: number;
    readonly address: string;
    /** @default METRICS_LOG_CAP_BYTES */
    readonly capBytes?: number;
    /** @default 30 */
    readonly trimEverySeconds?: number;
}

/**
 * The sidecar's command: a shell loop that empties the log past its cap, then mtail in the
 * foreground (exec, so it receives the pod's signals). The same command runs in the loopback tests.
 * Lines nginx writes between mtail's last read and a truncation are lost: at most one poll (250 ms)
 * of requests once per cap's worth of traffic.
 */
export function mtailCommand(o: MtailCommandOptions): string[] {
    for (const [key, path] of [["programDir", o.programDir], ["logFile", o.logFile]] as const) {
        if (!/^\/[A-Za-z0-9._\/-]*$/.test(path)) throw new Error(`mtail command: ${key} expected an absolute path, got ${JSON.stringify(path)}`);
    }
    const cap = o.capBytes ?? METRICS_LOG_CAP_BYTES;
    const trim = `while sleep ${o.trimEverySeconds ?? TRIM_EVERY_SECONDS}; do [ "$(stat -c %s ${o.logFile} 2>/dev/null || echo 0)" -gt ${cap} ] && : > ${o.logFile}; done &`;
    const mtail = [
        "exec mtail",
        `--progs ${o.programDir}`,
        `--logs ${o.logFile}`,
        `--address ${o.address}`,
        `--port ${o.metricsPort}`,
        // The program name is not a dimension anyone queries; without it the series match the module's names exactly.
        "--emit_prog_label=false",
        "--logtostderr",
    ].join(" ");
    return ["sh", "-c", `touch ${o.logFile} && ${trim} ${mtail}`];
}

/** The sidecar container; its program comes from the ConfigMap volume `metricsVolumes` names. */
export function metricsSidecar(image: string = MTAIL_IMAGE): Input.core.v1.Container {
    return {
        name: "metrics",
        image,
        command: mtailCommand({ programDir: PROGRAM_DIR, logFile: METRICS_LOG_FILE, metricsPort: METRICS_PORT, address: "0.0.0.0" }),
        ports: [{ name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: "TCP" }],
        resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
        securityContext: restrictedContainerSecurity(),
        readinessProbe: { httpGet: { path: "/", port: METRICS_PORT }, periodSeconds: 10, timeoutSeconds: 2 },
        livenessProbe: { httpGet: { path: "/", port: METRICS_PORT }, initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 6 },
        volumeMounts: [
            { name: "metrics-program", mountPath: PROGRAM_DIR, readOnly: true },
            { name: "metrics-log", mountPath: METRICS_LOG_DIR },
        ],
    };
}

/** nginx's mount of the metrics log volume. */
export const METRICS_LOG_MOUNT: Input.core.v1.VolumeMount = { name: "metrics-log", mountPath: METRICS_LOG_DIR };

export function metricsVolumes(configMapName: Input.core.v1.ConfigMapVolumeSource["name"]): Input.core.v1.Volume[] {
    return [
        { name: "metrics-program", configMap: { name: configMapName } },
        { name: "metrics-log", emptyDir: { sizeLimit: `${(2 * METRICS_LOG_CAP_BYTES) / (1024 * 1024)}Mi` } },
    ];
}

/**
 * The one ingress rule for the metrics port: from the Prometheus pods of the same namespace only.
 * The load balancer Service never lists this port, so the internet cannot reach it either way.
 */
export function metricsIngressRule(): Input.networking.v1.NetworkPolicyIngressRule {
    return {
        from: [{ podSelector: { matchLabels: { ...PROMETHEUS_SELECTOR } } }],
        // By name: the gateway-ingress-load-balancer-only policy admits pod selectors on this port only.
        ports: [{ protocol: "TCP", port: METRICS_PORT_NAME }],
    };
}

/** The headless Service Prometheus finds the gateway pods through (DNS, so it needs no Kubernetes API token). */
export function metricsServiceName(gatewayName: string): string {
    return `${gatewayName}-metrics`;
}

export interface GatewayMetricsArgs extends MtailProgramOptions {
    readonly namespace: pulumi.Input<string>;
    /** The gateway pods' selector labels. */
    readonly selector: Readonly<Record<string, string>>;
}

/** The mtail program's ConfigMap and the headless Service Prometheus discovers the gateway pods by. */
export function createGatewayMetrics(name: string, args: GatewayMetricsArgs, labels: Record<string, string>, opts: pulumi.CustomResourceOptions) {
    const configMap = new k8s.core.v1.ConfigMap(`${name}-metrics-program`, {
        metadata: { name: `${name}-metrics-program`, namespace: args.namespace, labels },
        data: { [MTAIL_PROGRAM_FILE]: renderMtailProgram(args) },
    }, opts);
    const service = new k8s.core.v1.Service(`${name}-metrics`, {
        metadata: { name: metricsServiceName(name), namespace: args.namespace, labels },
        spec: {
            // Headless: DNS answers with every pod's address, so Prometheus scrapes each pod, not a random one.
            clusterIP: "None",
            selector: { ...args.selector },
            ports: [{ name: METRICS_PORT_NAME, port: METRICS_PORT, targetPort: METRICS_PORT_NAME, protocol: "TCP" }],
        },
    }, opts);
    return { configMap, service };
}
