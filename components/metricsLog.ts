/**
 * The gateway's metrics log, kept apart from the metrics sidecar so nginx's config renderer stays
 * free of Kubernetes types. See `gatewayMetrics.ts` for why a file on a shared emptyDir.
 */

/** The shared emptyDir both containers mount, and the file nginx appends one line per request to. */
export const METRICS_LOG_DIR = "/var/log/gateway";
export const METRICS_LOG_FILE = `${METRICS_LOG_DIR}/metrics.log`;

/** The metrics log: only what the metrics need, fields in the fixed order the mtail program matches. */
export function metricsLogDirectives(path: string): string[] {
    // The path as requested, without its query: an API's 5xx is answered by the gateway's internal
    // error location (nginxHygiene.ts), and after that redirect `$uri` names the error page, not the API.
    const requestPath = ['map $request_uri $blkout_metrics_path {', '    "~^(?<blkout_path>[^?]*)" $blkout_path;', "}"];
    const format = '{"method":"$request_method","path":"$blkout_metrics_path","status":$status,"request_time":$request_time}';
    return [...requestPath, `log_format blkout_metrics escape=json '${format}';`, `access_log ${path} blkout_metrics;`];
}
