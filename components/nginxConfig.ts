import { clientAddressLines, forwardedHeaderLines } from "./nginxClientAddress";
import {
    errorLocations, errorPageLines, healthLocation, hiddenHeaderLines, HygieneOptions, hygieneMaps, proxyLocation, redirectLines,
    requestChecks, responseHeaderLines,
} from "./nginxHygiene";
import { metricsLogDirectives } from "./metricsLog";
import { monitorAuthHttpLines, monitorAuthServerLines } from "./monitorAuth";
import { GatewayRenderOptions, resolveGatewayOptions, ResolvedGatewayOptions, validateGatewayOptions } from "./nginxOptions";
import { API_HEALTH_PATH, assertNoProblems, COLOUR_HEADER, GATEWAY_HEALTH_PATH, RELEASE_HEADER } from "./platformNames";

export * from "./nginxOptions";

const ACCESS_LOG_FIELDS: readonly [string, string][] = [
    ["time", "$time_iso8601"], ["request_id", "$request_id"], ["client_ip", "$client_addr"],
    ["peer_ip", "$realip_remote_addr"], ["method", "$request_method"], ["path", "$uri"],
    ["status", "$status"], ["bytes_sent", "$body_bytes_sent"], ["request_time", "$request_time"],
    ["upstream_addr", "$upstream_addr"], ["upstream_status", "$upstream_status"],
    ["upstream_response_time", "$upstream_response_time"], ["user_agent", "$http_user_agent"],
];

/** Always a number; upstream times are not (empty, or a list when nginx retried). */
const NUMERIC_LOG_FIELDS = new Set(["status", "bytes_sent", "request_time"]);

function hygieneOf(o: ResolvedGatewayOptions): HygieneOptions {
    return {
        allowedHosts: o.allowedHosts,
        corsOrigins: o.corsOrigins,
        // Seconds until the per-client bucket has room for one more request.
        retryAfterSeconds: Math.max(1, Math.ceil(60 / o.rateLimitPerMinute)),
        securityHeaders: [
            ["Strict-Transport-Security", "max-age=31536000; includeSubDomains"],
            ["Content-Security-Policy", o.contentSecurityPolicy],
            ["X-Content-Type-Options", "nosniff"],
            ["X-Frame-Options", "DENY"],
            ["Referrer-Policy", "no-referrer"],
            [COLOUR_HEADER, o.colour],
            [RELEASE_HEADER, o.release],
        ],
    };
}

const upstreamName = (api: string) => `api_${api.replace(/-/g, "_")}`;

function httpLines(o: ResolvedGatewayOptions, hygiene: HygieneOptions): string[] {
    const logFormat = ACCESS_LOG_FIELDS.map(([key, variable]) =>
        NUMERIC_LOG_FIELDS.has(key) ? `"${key}":${variable}` : `"${key}":"${variable}"`).join(",");
    return [
        // First: its map_hash_bucket_size must precede every map (nginx fixes the size at the first one).
        ...(o.monitorAuth ? monitorAuthHttpLines(o.monitorAuth) : []),
        "default_type application/json;",
        "server_tokens off;",
        `log_format json escape=json '{${logFormat}}';`,
        `access_log ${o.accessLogPath} json;`,
        ...(o.metricsLogPath === undefined ? [] : metricsLogDirectives(o.metricsLogPath)),
        ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(kind => `${kind}_temp_path ${o.runtimeDir}/${kind}_temp;`),
        ...(o.clientPolicyFile ? [`include ${o.clientPolicyFile};`] : clientPolicyLines(o)),
        ...hygieneMaps(hygiene),
        "limit_req_status 429;",
        `client_max_body_size ${o.maxBodyBytes};`,
        `proxy_connect_timeout ${o.timeouts.connectSeconds}s;`,
        `proxy_read_timeout ${o.timeouts.readSeconds}s;`,
        `proxy_send_timeout ${o.timeouts.sendSeconds}s;`,
        "proxy_http_version 1.1;",
        'proxy_set_header Connection "";',
        "proxy_set_header Host $host;",
        "proxy_set_header X-Request-Id $request_id;",
        ...forwardedHeaderLines(),
        ...hiddenHeaderLines(hygiene),
        ...redirectLines(),
        ...Object.entries(o.upstreams).flatMap(([api, { host, port }]) =>
            [`upstream ${upstreamName(api)} {`, `    server ${host}:${port};`, "    keepalive 16;", "}"]),
    ];
}

/** Who is believed about the client's address, and how much each client may send. */
function clientPolicyLines(o: ResolvedGatewayOptions): string[] {
    return [
        ...clientAddressLines({ loadBalancerRanges: o.loadBalancerRanges, cloudflareRanges: o.trustedProxyRanges, proxyProtocol: o.proxyProtocol }),
        `limit_req_zone $client_key zone=per_client:10m rate=${o.rateLimitPerMinute}r/m;`,
        `limit_req_zone $client_key zone=health:1m rate=${o.healthRateLimitPerMinute}r/m;`,
    ];
}

/** The file `clientPolicyFile` names: the http-level lines nginx.conf includes from it. */
export function renderClientPolicy(options: GatewayRenderOptions): string {
    assertNoProblems("gateway options", validateGatewayOptions(options));
    return ["# Rendered by components/nginxConfig.ts: who may claim a client address, and the per-client limits.",
        ...clientPolicyLines(resolveGatewayOptions(options)), ""].join("\n");
}

function serverLines(o: ResolvedGatewayOptions, hygiene: HygieneOptions): string[] {
    const health = JSON.stringify({ status: "ok", colour: o.colour, release: o.release });
    const limit = `limit_req zone=per_client burst=${o.rateLimitBurst} nodelay;`;
    const host = o.listenHost ? `${o.listenHost}:` : "";
    return [
        `listen ${host}${o.listenPort}${o.proxyProtocol ? " proxy_protocol" : ""};`,
        ...responseHeaderLines(hygiene),
        ...errorPageLines(),
        ...errorLocations(),
        ...requestChecks(),
        ...healthLocation(GATEWAY_HEALTH_PATH, [`return 200 '${health}';`]),
        ...(o.monitorAuth ? monitorAuthServerLines(o.monitorAuth, health) : []),
        ...Object.keys(o.upstreams).flatMap(api =>
            healthLocation(`/health/${api}`, [`proxy_pass http://${upstreamName(api)}${API_HEALTH_PATH};`], ["proxy_pass_request_body off;"])),
        ...o.routes.flatMap(route => [
            ...proxyLocation(`= ${route.prefix}`, upstreamName(route.api), route.prefix, limit),
            ...proxyLocation(`^~ ${route.prefix}/`, upstreamName(route.api), `${route.prefix}/`, limit),
        ]),
        "location / { return 404; }",
    ];
}

/** The kubelet's probes speak plain HTTP to the pod: a second listener that answers the gateway's health path only. */
function probeServerLines(o: ResolvedGatewayOptions): string[] {
    const host = o.listenHost ? `${o.listenHost}:` : "";
    return [
        `listen ${host}${o.probePort};`,
        "access_log off;",
        `location = ${GATEWAY_HEALTH_PATH} { return 200 '${JSON.stringify({ status: "ok" })}'; }`,
        `location / { return 404 '${JSON.stringify({ error: "not_found" })}'; }`,
    ];
}

/** Renders a complete nginx.conf (main context included) for the gateway; throws on bad options. */
export function renderNginxConfig(options: GatewayRenderOptions): string {
    assertNoProblems("gateway options", validateGatewayOptions(options));
    const o = resolveGatewayOptions(options);
    const hygiene = hygieneOf(o);
    const indent = (lines: string[], depth: number) => lines.map(line => `${"    ".repeat(depth)}${line}`);
    const block = (lines: string[]) => ["    server {", ...indent(lines, 2), "    }"];
    return [
        "# Rendered by components/nginxConfig.ts; edit the options, not this file.",
        `worker_processes ${o.workerProcesses};`,
        `pid ${o.runtimeDir}/nginx.pid;`,
        `error_log ${o.errorLogPath} warn;`,
        "events { worker_connections 1024; }",
        "http {",
        ...indent(httpLines(o, hygiene), 1),
        ...block(serverLines(o, hygiene)),
        ...(o.probePort ? block(probeServerLines(o)) : []),
        "}",
        "",
    ].join("\n");
}
