import { CLOUDFLARE_RANGES, isCidrOrAddress } from "./cloudflareRanges";
import { metricsLogDirectives } from "./metricsLog";
import { API_HEALTH_PATH, assertNoProblems, COLOUR_HEADER, GATEWAY_HEALTH_PATH, RELEASE_HEADER } from "./platformNames";

/** A path prefix the gateway sends to one API (`/api/chat` matches `/api/chat` and `/api/chat/...`). */
export interface GatewayRoute {
    readonly prefix: string;
    readonly api: string;
}

/** Where one API listens: the Service DNS name in Kubernetes, 127.0.0.1 in tests. */
export interface UpstreamAddress {
    readonly host: string;
    readonly port: number;
}

export interface GatewayTimeouts {
    /** @default 5 */
    readonly connectSeconds?: number;
    /** @default 30 */
    readonly readSeconds?: number;
    /** @default 30 */
    readonly sendSeconds?: number;
}

export interface GatewayRenderOptions {
    /** Upstream per API name; every API listed gets a `/health/<api>` route. */
    readonly upstreams: Readonly<Record<string, UpstreamAddress>>;
    /** @default DEFAULT_GATEWAY_ROUTES */
    readonly routes?: readonly GatewayRoute[];
    /** Unprivileged, so the container never needs root. @default 8080 */
    readonly listenPort?: number;
    /** Address to bind; tests bind loopback only. @default "" (every address) */
    readonly listenHost?: string;
    /** Requests per minute per client IP (seed: 100 req/min per IP). @default 100 */
    readonly rateLimitPerMinute?: number;
    /** Requests a client may make at once above the rate before it gets 429. @default 20 */
    readonly rateLimitBurst?: number;
    /** Largest request body accepted; larger gets 413. @default 1048576 (1 MiB) */
    readonly maxBodyBytes?: number;
    /** Upstream timeouts. @default { connectSeconds: 5, readSeconds: 30, sendSeconds: 30 } */
    readonly timeouts?: GatewayTimeouts;
    /** Peers whose `CF-Connecting-IP` is believed (tests add 127.0.0.1). @default CLOUDFLARE_RANGES */
    readonly trustedProxyRanges?: readonly string[];
    /** Sent as `X-Blkout-Colour` on every response. @default "unknown" */
    readonly colour?: string;
    /** Sent as `X-Blkout-Release` on every response. @default "unknown" */
    readonly release?: string;
    /** API responses never embed pages, so the default policy allows nothing. @default DEFAULT_CSP */
    readonly contentSecurityPolicy?: string;
    /** Directory for the pid file and temp paths (an emptyDir in the pod). @default "/tmp" */
    readonly runtimeDir?: string;
    /** @default "/dev/stdout" */
    readonly accessLogPath?: string;
    /** @default "/dev/stderr" */
    readonly errorLogPath?: string;
    /** @default 2 */
    readonly workerProcesses?: number;
    /** File the metrics sidecar tails (`metricsLog.ts`); no metrics log when unset. @default none */
    readonly metricsLogPath?: string;
}

export const DEFAULT_GATEWAY_ROUTES: readonly GatewayRoute[] = Object.freeze([
    { prefix: "/api/chat", api: "ivor" },
    { prefix: "/api/resources", api: "ivor" },
    { prefix: "/api/events", api: "events" },
    { prefix: "/api/calendar", api: "events" },
    { prefix: "/api/articles", api: "newsroom" },
    { prefix: "/api/categories", api: "newsroom" },
]);

export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/** Options with every default filled in. */
export type ResolvedGatewayOptions = Required<Omit<GatewayRenderOptions, "timeouts" | "metricsLogPath">> & Pick<GatewayRenderOptions, "metricsLogPath"> & { readonly timeouts: Required<GatewayTimeouts> };

export function resolveGatewayOptions(options: GatewayRenderOptions): ResolvedGatewayOptions {
    return {
        upstreams: options.upstreams,
        routes: options.routes ?? DEFAULT_GATEWAY_ROUTES,
        listenPort: options.listenPort ?? 8080,
        listenHost: options.listenHost ?? "",
        rateLimitPerMinute: options.rateLimitPerMinute ?? 100,
        rateLimitBurst: options.rateLimitBurst ?? 20,
        maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
        timeouts: {
            connectSeconds: options.timeouts?.connectSeconds ?? 5,
            readSeconds: options.timeouts?.readSeconds ?? 30,
            sendSeconds: options.timeouts?.sendSeconds ?? 30,
        },
        trustedProxyRanges: options.trustedProxyRanges ?? CLOUDFLARE_RANGES,
        colour: options.colour ?? "unknown",
        release: options.release ?? "unknown",
        contentSecurityPolicy: options.contentSecurityPolicy ?? DEFAULT_CSP,
        runtimeDir: options.runtimeDir ?? "/tmp",
        accessLogPath: options.accessLogPath ?? "/dev/stdout",
        errorLogPath: options.errorLogPath ?? "/dev/stderr",
        workerProcesses: options.workerProcesses ?? 2,
        metricsLogPath: options.metricsLogPath,
    };
}

const API_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const PREFIX = /^\/[A-Za-z0-9._~\/-]*[A-Za-z0-9._~-]$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;
const TOKEN = /^[A-Za-z0-9._+-]{1,64}$/;
/** Anything that could end a quoted nginx string or start a variable would let a value inject config. */
const CONFIG_UNSAFE = /["\\$\n\r{};]/;
const FILE_PATH = /^\/[A-Za-z0-9._\/-]*$/;

function integerIn(value: unknown, min: number, max: number): boolean {
    return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** Every problem with the options, each naming its key; empty when they render a valid config. */
export function validateGatewayOptions(options: GatewayRenderOptions): string[] {
    const o = resolveGatewayOptions(options);
    const problems: string[] = [];
    const check = (ok: boolean, message: string) => { if (!ok) problems.push(message); };
    const apis = Object.keys(o.upstreams ?? {});
    check(apis.length > 0, "upstreams: expected at least one API, got none");
    for (const api of apis) {
        const upstream = o.upstreams[api];
        check(API_NAME.test(api), `upstreams.${api}: expected a lower-case API name like "ivor"`);
        check(typeof upstream?.host === "string" && HOST.test(upstream.host), `upstreams.${api}.host: expected a host name or IPv4 address, got ${JSON.stringify(upstream?.host)}`);
        check(integerIn(upstream?.port, 1, 65535), `upstreams.${api}.port: expected an integer 1-65535, got ${JSON.stringify(upstream?.port)}`);
    }
    check(o.routes.length > 0, "routes: expected at least one route, got none");
    const seen = new Set<string>();
    o.routes.forEach((route, i) => {
        check(typeof route.prefix === "string" && PREFIX.test(route.prefix) && !route.prefix.startsWith("/health"),
            `routes[${i}].prefix: expected a path like "/api/chat" (no trailing slash, not under /health), got ${JSON.stringify(route.prefix)}`);
        check(!seen.has(route.prefix), `routes[${i}].prefix: duplicate prefix ${JSON.stringify(route.prefix)}`);
        seen.add(route.prefix);
        check(apis.includes(route.api), `routes[${i}].api: unknown API ${JSON.stringify(route.api)} (upstreams has ${apis.join(", ") || "none"})`);
    });
    check(integerIn(o.listenPort, 1024, 65535), `listenPort: expected an unprivileged port 1024-65535, got ${JSON.stringify(o.listenPort)}`);
    check(o.listenHost === "" || isCidrOrAddress(o.listenHost) && !o.listenHost.includes("/") && !o.listenHost.includes(":"),
        `listenHost: expected "" or an IPv4 address, got ${JSON.stringify(o.listenHost)}`);
    check(integerIn(o.rateLimitPerMinute, 1, 1_000_000), `rateLimitPerMinute: expected an integer > 0, got ${JSON.stringify(o.rateLimitPerMinute)}`);
    check(integerIn(o.rateLimitBurst, 0, 100_000), `rateLimitBurst: expected an integer >= 0, got ${JSON.stringify(o.rateLimitBurst)}`);
    check(integerIn(o.maxBodyBytes, 1, 1024 ** 3), `maxBodyBytes: expected an integer 1 to 1073741824, got ${JSON.stringify(o.maxBodyBytes)}`);
    for (const [key, value] of Object.entries(o.timeouts)) {
        check(integerIn(value, 1, 3600), `timeouts.${key}: expected an integer 1-3600, got ${JSON.stringify(value)}`);
    }
    check(o.trustedProxyRanges.length > 0, "trustedProxyRanges: expected at least one range");
    o.trustedProxyRanges.forEach((range, i) =>
        check(isCidrOrAddress(range), `trustedProxyRanges[${i}]: expected an IP address or CIDR range, got ${JSON.stringify(range)}`));
    check(TOKEN.test(o.colour), `colour: expected letters, digits, "._+-" (1-64), got ${JSON.stringify(o.colour)}`);
    check(TOKEN.test(o.release), `release: expected letters, digits, "._+-" (1-64), got ${JSON.stringify(o.release)}`);
    check(o.contentSecurityPolicy.length > 0 && !/["\\$\n\r{}]/.test(o.contentSecurityPolicy),
        "contentSecurityPolicy: expected a non-empty policy without quotes, backslashes, braces or \"$\"");
    for (const key of ["runtimeDir", "accessLogPath", "errorLogPath"] as const) {
        check(FILE_PATH.test(o[key]) && !CONFIG_UNSAFE.test(o[key]), `${key}: expected an absolute path, got ${JSON.stringify(o[key])}`);
    }
    check(integerIn(o.workerProcesses, 1, 64), `workerProcesses: expected an integer 1-64, got ${JSON.stringify(o.workerProcesses)}`);
    check(o.metricsLogPath === undefined || FILE_PATH.test(o.metricsLogPath) && !CONFIG_UNSAFE.test(o.metricsLogPath),
        `metricsLogPath: expected an absolute path, got ${JSON.stringify(o.metricsLogPath)}`);
    return problems;
}

/** JSON bodies for errors nginx answers itself, so clients always get JSON. */
const GATEWAY_ERRORS: readonly [status: number, code: string][] = [
    [404, "not_found"], [413, "payload_too_large"], [429, "rate_limited"],
    [502, "bad_gateway"], [503, "unavailable"], [504, "upstream_timeout"],
];

const ACCESS_LOG_FIELDS: readonly [string, string][] = [
    ["time", "$time_iso8601"], ["request_id", "$request_id"], ["client_ip", "$remote_addr"],
    ["peer_ip", "$realip_remote_addr"], ["method", "$request_method"], ["path", "$uri"],
    ["status", "$status"], ["bytes_sent", "$body_bytes_sent"], ["request_time", "$request_time"],
    ["upstream_addr", "$upstream_addr"], ["upstream_status", "$upstream_status"],
    ["upstream_response_time", "$upstream_response_time"], ["user_agent", "$http_user_agent"],
];

/** Always a number; upstream times are not (empty, or a list when nginx retried). */
const NUMERIC_LOG_FIELDS = new Set(["status", "bytes_sent", "request_time"]);

function securityHeaders(o: ResolvedGatewayOptions): string[] {
    const headers: [string, string][] = [
        ["Strict-Transport-Security", "max-age=31536000; includeSubDomains"],
        ["Content-Security-Policy", o.contentSecurityPolicy],
        ["X-Content-Type-Options", "nosniff"],
        ["X-Frame-Options", "DENY"],
        ["Referrer-Policy", "no-referrer"],
        [COLOUR_HEADER, o.colour],
        [RELEASE_HEADER, o.release],
    ];
    // The gateway is the one place these are set: hide the upstream's copies so none is sent twice.
    return headers.flatMap(([name, value]) => [`proxy_hide_header ${name};`, `add_header ${name} "${value}" always;`]);
}

function proxyLocation(match: string, upstream: string, limit: string, uri = ""): string[] {
    return [`location ${match} {`, ...(limit ? [`    ${limit}`] : []), `    proxy_pass http://${upstream}${uri};`, "}"];
}

/** Renders a complete nginx.conf (main context included) for the gateway; throws on bad options. */
export function renderNginxConfig(options: GatewayRenderOptions): string {
    assertNoProblems("gateway options", validateGatewayOptions(options));
    const o = resolveGatewayOptions(options);
    const upstreamName = (api: string) => `api_${api.replace(/-/g, "_")}`;
    const logFormat = ACCESS_LOG_FIELDS.map(([key, variable]) =>
        NUMERIC_LOG_FIELDS.has(key) ? `"${key}":${variable}` : `"${key}":"${variable}"`).join(",");
    const health = JSON.stringify({ status: "ok", colour: o.colour, release: o.release });
    const limit = `limit_req zone=per_client burst=${o.rateLimitBurst} nodelay;`;
    const http = [
        "default_type application/json;",
        "server_tokens off;",
        `log_format json escape=json '{${logFormat}}';`,
        `access_log ${o.accessLogPath} json;`,
        ...(o.metricsLogPath === undefined ? [] : metricsLogDirectives(o.metricsLogPath)),
        ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(kind => `${kind}_temp_path ${o.runtimeDir}/${kind}_temp;`),
        ...o.trustedProxyRanges.map(range => `set_real_ip_from ${range};`),
        "real_ip_header CF-Connecting-IP;",
        `limit_req_zone $binary_remote_addr zone=per_client:10m rate=${o.rateLimitPerMinute}r/m;`,
        "limit_req_status 429;",
        `client_max_body_size ${o.maxBodyBytes};`,
        `proxy_connect_timeout ${o.timeouts.connectSeconds}s;`,
        `proxy_read_timeout ${o.timeouts.readSeconds}s;`,
        `proxy_send_timeout ${o.timeouts.sendSeconds}s;`,
        "proxy_http_version 1.1;",
        'proxy_set_header Connection "";',
        "proxy_set_header Host $host;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Request-Id $request_id;",
        "proxy_hide_header X-Powered-By;",
        ...Object.entries(o.upstreams).flatMap(([api, { host, port }]) =>
            [`upstream ${upstreamName(api)} {`, `    server ${host}:${port};`, "    keepalive 16;", "}"]),
    ];
    const server = [
        `listen ${o.listenHost ? `${o.listenHost}:` : ""}${o.listenPort};`,
        ...securityHeaders(o),
        ...GATEWAY_ERRORS.flatMap(([status, code]) => [
            `error_page ${status} @error_${status};`,
            `location @error_${status} { return ${status} '${JSON.stringify({ error: code })}'; }`,
        ]),
        // Load balancers and monitors probe from a few shared addresses: health is never rate limited.
        `location = ${GATEWAY_HEALTH_PATH} { access_log off; return 200 '${health}'; }`,
        ...Object.keys(o.upstreams).flatMap(api => proxyLocation(`= /health/${api}`, upstreamName(api), "", API_HEALTH_PATH)),
        ...o.routes.flatMap(route => [
            ...proxyLocation(`= ${route.prefix}`, upstreamName(route.api), limit),
            ...proxyLocation(`^~ ${route.prefix}/`, upstreamName(route.api), limit),
        ]),
        `location / { return 404 '${JSON.stringify({ error: "not_found" })}'; }`,
    ];
    const indent = (lines: string[], depth: number) => lines.map(line => `${"    ".repeat(depth)}${line}`);
    return [
        "# Rendered by components/nginxConfig.ts; edit the options, not this file.",
        `worker_processes ${o.workerProcesses};`,
        `pid ${o.runtimeDir}/nginx.pid;`,
        `error_log ${o.errorLogPath} warn;`,
        "events { worker_connections 1024; }",
        "http {",
        ...indent(http, 1),
        "    server {",
        ...indent(server, 2),
        "    }",
        "}",
        "",
    ].join("\n");
}
