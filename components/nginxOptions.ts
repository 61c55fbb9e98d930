import { isCidrOrAddress } from "./cidr";
import { CLOUDFLARE_RANGES } from "./cloudflareRanges";
import { MonitorAuthOptions, monitorAuthProblems } from "./monitorAuth";

/** The gateway's render options: what each means, its default, and every way a value can be wrong. */

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
    /**
     * Requests per minute per client (IPv4 address, IPv6 /64) at this nginx: its share of the
     * per-client limit (see gatewayRateLimit.ts; the edge is the authority). @default 100
     */
    readonly rateLimitPerMinute?: number;
    /** Requests a client may make at once above the rate before it gets 429. @default 20 */
    readonly rateLimitBurst?: number;
    /** Health-path requests per minute per client: monitors and the switch probe often, from few addresses. @default 600 */
    readonly healthRateLimitPerMinute?: number;
    /** Largest request body accepted; larger gets 413. @default 1048576 (1 MiB) */
    readonly maxBodyBytes?: number;
    /** Upstream timeouts. @default { connectSeconds: 5, readSeconds: 30, sendSeconds: 30 } */
    readonly timeouts?: GatewayTimeouts;
    /** Addresses whose `CF-Connecting-IP` is believed: the PROXY header's source (or the peer without PROXY protocol). @default CLOUDFLARE_RANGES */
    readonly trustedProxyRanges?: readonly string[];
    /**
     * Connections start with a PROXY protocol header from the load balancer, so nginx sees the edge
     * address the load balancer saw. False only where the peer itself is the edge (loopback tests).
     * @default true
     */
    readonly proxyProtocol?: boolean;
    /** Peers whose PROXY header is believed: the load balancer's range (the VPC), never the pod range. @default [] */
    readonly loadBalancerRanges?: readonly string[];
    /** Host names served (the zone's and the colour's preview hostname); any other Host gets 421. @default none (required) */
    readonly allowedHosts?: readonly string[];
    /** Origins browsers may call the APIs from. @default `https://<host>` for each allowed host */
    readonly corsOrigins?: readonly string[];
    /** Plain-HTTP port for the kubelet's probes (no PROXY header), serving the gateway's health path only. @default none */
    readonly probePort?: number;
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
    /**
     * Where the client-trust and rate-limit lines live: a file of their own that nginx.conf
     * includes, so the policy pack reads them at preview (they depend on no other resource).
     * @default "" (inline)
     */
    readonly clientPolicyFile?: string;
    /** Cloudflare monitors' authenticated, Host-pinned health path (components/monitorAuth.ts). @default none */
    readonly monitorAuth?: MonitorAuthOptions;
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

export const MEBIBYTE = 1024 * 1024;
/** The largest request body the gateway accepts unless told otherwise (the colour config's default too). */
export const DEFAULT_MAX_BODY_BYTES = MEBIBYTE;

/** Options with every default filled in. */
export type ResolvedGatewayOptions = Required<Omit<GatewayRenderOptions, "timeouts" | "monitorAuth" | "metricsLogPath">>
    & Pick<GatewayRenderOptions, "monitorAuth" | "metricsLogPath"> & { readonly timeouts: Required<GatewayTimeouts> };

/** Where both ends of the gateway config name what may be said: hostnames and origins may not inject config. */
const ORIGIN = /^https:\/\/[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*(:\d{1,5})?$/;

export function resolveGatewayOptions(options: GatewayRenderOptions): ResolvedGatewayOptions {
    return {
        upstreams: options.upstreams,
        routes: options.routes ?? DEFAULT_GATEWAY_ROUTES,
        listenPort: options.listenPort ?? 8080,
        listenHost: options.listenHost ?? "",
        rateLimitPerMinute: options.rateLimitPerMinute ?? 100,
        rateLimitBurst: options.rateLimitBurst ?? 20,
        healthRateLimitPerMinute: options.healthRateLimitPerMinute ?? 600,
        maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        timeouts: {
            connectSeconds: options.timeouts?.connectSeconds ?? 5,
            readSeconds: options.timeouts?.readSeconds ?? 30,
            sendSeconds: options.timeouts?.sendSeconds ?? 30,
        },
        trustedProxyRanges: options.trustedProxyRanges ?? CLOUDFLARE_RANGES,
        proxyProtocol: options.proxyProtocol ?? true,
        loadBalancerRanges: options.loadBalancerRanges ?? [],
        allowedHosts: options.allowedHosts ?? [],
        corsOrigins: options.corsOrigins ?? (options.allowedHosts ?? []).map(host => `https://${host}`),
        probePort: options.probePort ?? 0,
        colour: options.colour ?? "unknown",
        release: options.release ?? "unknown",
        contentSecurityPolicy: options.contentSecurityPolicy ?? DEFAULT_CSP,
        runtimeDir: options.runtimeDir ?? "/tmp",
        accessLogPath: options.accessLogPath ?? "/dev/stdout",
        errorLogPath: options.errorLogPath ?? "/dev/stderr",
        workerProcesses: options.workerProcesses ?? 2,
        clientPolicyFile: options.clientPolicyFile ?? "",
        ...(options.monitorAuth ? { monitorAuth: options.monitorAuth } : {}),
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
    check(integerIn(o.healthRateLimitPerMinute, 1, 1_000_000), `healthRateLimitPerMinute: expected an integer > 0, got ${JSON.stringify(o.healthRateLimitPerMinute)}`);
    check(o.allowedHosts.length > 0, "allowedHosts: expected the zone's hostnames and the colour's preview hostname, got none");
    o.allowedHosts.forEach((host, i) => check(HOST.test(host) && host === host.toLowerCase(),
        `allowedHosts[${i}]: expected a lower-case host name, got ${JSON.stringify(host)}`));
    o.corsOrigins.forEach((origin, i) => check(ORIGIN.test(origin), `corsOrigins[${i}]: expected an https origin like "https://blkoutuk.com", got ${JSON.stringify(origin)}`));
    check(!o.proxyProtocol || o.loadBalancerRanges.length > 0, "loadBalancerRanges: expected the load balancer's range when proxyProtocol is on, got none");
    o.loadBalancerRanges.forEach((range, i) =>
        check(isCidrOrAddress(range), `loadBalancerRanges[${i}]: expected an IP address or CIDR range, got ${JSON.stringify(range)}`));
    check(o.probePort === 0 || integerIn(o.probePort, 1024, 65535) && o.probePort !== o.listenPort,
        `probePort: expected an unprivileged port other than listenPort, got ${JSON.stringify(o.probePort)}`);
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
    for (const key of ["runtimeDir", "accessLogPath", "errorLogPath", "clientPolicyFile"] as const) {
        check((key === "clientPolicyFile" && o[key] === "") || FILE_PATH.test(o[key]) && !CONFIG_UNSAFE.test(o[key]),
            `${key}: expected an absolute path, got ${JSON.stringify(o[key])}`);
    }
    check(integerIn(o.workerProcesses, 1, 64), `workerProcesses: expected an integer 1-64, got ${JSON.stringify(o.workerProcesses)}`);
    check(o.metricsLogPath === undefined || FILE_PATH.test(o.metricsLogPath) && !CONFIG_UNSAFE.test(o.metricsLogPath),
        `metricsLogPath: expected an absolute path, got ${JSON.stringify(o.metricsLogPath)}`);
    return o.monitorAuth ? [...problems, ...monitorAuthProblems(o.monitorAuth)] : problems;
}
