/**
 * The gateway's metrics log, kept apart from the metrics sidecar so nginx's config renderer stays
 * free of Kubernetes types. See `gatewayMetrics.ts` for why a file on a shared emptyDir.
 */

/** The shared emptyDir both containers mount, and the file nginx appends one line per request to. */
export const METRICS_LOG_DIR = "/var/log/gateway";
export const METRICS_LOG_FILE = `${METRICS_LOG_DIR}/metrics.log`;

/** The metrics log: only what the metrics need, fields in the fixed order the mtail program matches. */
export function metricsLogDirectives(path: string): string[] {
    const format = '{"method":"$request_method","path":"$uri","status":$status,"request_time":$request_time}';
    return [`log_format blkout_metrics escape=json '${format}';`, `access_log ${path} blkout_metrics;`];
}
