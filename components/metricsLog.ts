/**
 * The gateway's metrics log, kept apart from the gateway metrics sidecar so nginx's config renderer
 * stays free of Kubernetes types. See `gatewayMetrics.ts` for why syslog over the pod's loopback.
 */

/** Where nginx sends its metrics log lines inside the pod (the containers share one network namespace). */
export const METRICS_SYSLOG_PORT = 5140;

/**
 * The nginx directives of the metrics log: a format with only what the metrics need (fields in a
 * fixed order the mtail program matches) ending in a newline, because mtail splits datagrams on
 * newlines and nginx's syslog messages carry none.
 */
export function metricsLogDirectives(syslogPort: number): string[] {
    const format = '{"method":"$request_method","path":"$uri","status":$status,"request_time":$request_time}\\n';
    return [
        `log_format blkout_metrics escape=json '${format}';`,
        `access_log syslog:server=127.0.0.1:${syslogPort},nohostname,tag=gateway blkout_metrics;`,
    ];
}
