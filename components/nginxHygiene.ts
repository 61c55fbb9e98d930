/**
 * What the gateway accepts and what it answers, as nginx config: the Host allow-list, the methods
 * the APIs serve, health paths that carry no body, JSON errors for everything nginx answers itself,
 * one set of security headers, an explicit CORS policy and no internal detail in responses.
 */

/** Methods the APIs serve; anything else is a 405 at the gateway. */
export const API_METHODS: readonly string[] = Object.freeze(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
export const HEALTH_METHODS: readonly string[] = Object.freeze(["GET", "HEAD"]);

/** Where error pages live: internal locations no request can reach from outside. */
const ERROR_URI = "/__gateway_error/";

/** Every status nginx may answer itself, with the JSON error code it answers with. 494 is nginx's "header too large" (sent as 400). */
export const GATEWAY_ERRORS: readonly (readonly [status: number, code: string, sent?: number])[] = Object.freeze([
    [400, "bad_request"], [403, "forbidden"], [404, "not_found"], [405, "method_not_allowed"], [408, "request_timeout"],
    [411, "length_required"], [413, "payload_too_large"], [414, "uri_too_long"], [421, "misdirected_request"],
    [429, "rate_limited"], [494, "request_header_too_large", 400], [500, "internal_error"], [501, "not_implemented"],
    [502, "bad_gateway"], [503, "unavailable"], [504, "upstream_timeout"],
] as const);

/** Errors an API location may produce or intercept: its own limits, and every 5xx (stack traces stay inside). */
const PROXY_ERROR_STATUSES = [405, 413, 429, 500, 501, 502, 503, 504];

/** Headers upstreams must not decide or leak: the gateway's own, framework banners and CORS (the gateway owns the policy). */
export const HIDDEN_UPSTREAM_HEADERS: readonly string[] = Object.freeze([
    "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Runtime", "X-Debug-Token", "X-Debug-Token-Link",
    "X-Backend-Server", "X-Upstream", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
]);

export interface HygieneOptions {
    readonly allowedHosts: readonly string[];
    readonly corsOrigins: readonly string[];
    readonly securityHeaders: readonly (readonly [string, string])[];
    readonly retryAfterSeconds: number;
}

/** http-level maps: is the Host ours, is the method served, CORS answers, and headers that depend on the status. */
export function hygieneMaps(o: HygieneOptions): string[] {
    const apiMethods = API_METHODS.join(", ");
    return [
        "map $host $host_allowed {",
        "    default 0;",
        ...o.allowedHosts.map(host => `    ${host} 1;`),
        "}",
        // An error page's own internal redirect is answered whatever the Host or method was; volatile,
        // or the verdict cached before the redirect would refuse the error page itself.
        `map $uri $is_error_page { volatile; default 0; "~^${ERROR_URI}" 1; }`,
        'map "$is_error_page$host_allowed" $host_refused { volatile; default 0; "00" 1; }',
        'map "$is_error_page$method_served" $method_refused { volatile; default 0; "00" 1; }',
        "map $request_method $method_served {",
        "    default 0;",
        ...API_METHODS.map(method => `    ${method} 1;`),
        "}",
        "map $http_origin $cors_origin {",
        '    default "";',
        ...o.corsOrigins.map(origin => `    "${origin}" $http_origin;`),
        "}",
        'map $cors_origin $cors_credentials { "" ""; default "true"; }',
        'map "$request_method:$http_access_control_request_method" $cors_preflight { default 0; "~^OPTIONS:." 1; }',
        `map "$cors_preflight:$cors_origin" $cors_methods { default ""; "~^1:." "${apiMethods}"; }`,
        'map "$cors_preflight:$cors_origin" $cors_headers { default ""; "~^1:." "Content-Type, Authorization, X-Request-Id"; }',
        'map "$cors_preflight:$cors_origin" $cors_max_age { default ""; "~^1:." "600"; }',
        `map $status $retry_after { default ""; 429 "${o.retryAfterSeconds}"; }`,
        `map "$status:$request_uri" $allow_methods { default ""; "~^405:/health" "${HEALTH_METHODS.join(", ")}"; "~^405:" "${apiMethods}"; }`,
        // A body on a health path is refused, not forwarded into every API.
        'map "$content_length:$http_transfer_encoding" $has_body { default 1; ":" 0; "0:" 0; }',
    ];
}

/** Server-level headers: one copy of each, sent on every answer (errors included) and never shadowed below. */
export function responseHeaderLines(o: HygieneOptions): string[] {
    return [
        ...o.securityHeaders.map(([name, value]) => `add_header ${name} "${value}" always;`),
        "add_header Retry-After $retry_after always;",
        "add_header Allow $allow_methods always;",
        "add_header Access-Control-Allow-Origin $cors_origin always;",
        "add_header Access-Control-Allow-Credentials $cors_credentials always;",
        "add_header Access-Control-Allow-Methods $cors_methods always;",
        "add_header Access-Control-Allow-Headers $cors_headers always;",
        "add_header Access-Control-Max-Age $cors_max_age always;",
        "add_header Vary Origin always;",
    ];
}

/** Upstream headers hidden, all at one level, so no lower level shadows part of the list. */
export function hiddenHeaderLines(o: HygieneOptions): string[] {
    return [...o.securityHeaders.map(([name]) => name), ...HIDDEN_UPSTREAM_HEADERS].map(name => `proxy_hide_header ${name};`);
}

const errorBody = (code: string) => JSON.stringify({ error: code });

/** `error_page` lines for the given statuses (all of them by default). */
export function errorPageLines(statuses: readonly number[] = GATEWAY_ERRORS.map(([status]) => status)): string[] {
    return statuses.map(status => `error_page ${status} ${ERROR_URI}${status};`);
}

/**
 * One internal location per error, answering JSON. Internal URIs rather than named locations: for
 * errors in the request line itself (400, 414) nginx has no URI yet and a named location fails.
 */
export function errorLocations(): string[] {
    return GATEWAY_ERRORS.map(([status, code, sent]) => `location = ${ERROR_URI}${status} { internal; return ${sent ?? status} '${errorBody(code)}'; }`);
}

/** Server-level checks, in order: a Host that is not ours, a method no API serves, then the CORS preflight answered here. */
export function requestChecks(): string[] {
    return [
        "if ($host_refused) { return 421; }",
        "if ($method_refused) { return 405; }",
        "if ($cors_preflight) { return 204; }",
    ];
}

/** A health location: GET/HEAD only, no body, its own generous limit, never intercepted so the API's status passes. */
export function healthLocation(path: string, body: string[], extra: readonly string[] = []): string[] {
    return [
        `location = ${path} {`,
        "    access_log off;",
        "    limit_req zone=health burst=60 nodelay;",
        `    if ($request_method !~ ^(${HEALTH_METHODS.join("|")})$) { return 405; }`,
        "    if ($has_body) { return 413; }",
        ...extra.map(line => `    ${line}`),
        ...body.map(line => `    ${line}`),
        "}",
    ];
}

/**
 * A proxied location. With a URI part in `proxy_pass`, nginx forwards the normalised path it routed
 * on (re-escaped), not the raw request line: `/api/events/../chat` reaches IVOR as `/api/chat`.
 * 5xx bodies are replaced with the gateway's JSON so stack traces stay inside.
 */
export function proxyLocation(match: string, upstream: string, uri: string, limit: string): string[] {
    return [
        `location ${match} {`,
        `    ${limit}`,
        "    proxy_intercept_errors on;",
        ...errorPageLines(PROXY_ERROR_STATUSES).map(line => `    ${line}`),
        `    proxy_pass http://${upstream}${uri};`,
        "}",
    ];
}

/** Redirects stay on the host the client asked for: absolute upstream Locations become relative, nginx's own are relative. */
export function redirectLines(): string[] {
    return [
        "absolute_redirect off;",
        "port_in_redirect off;",
        "proxy_redirect ~^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*(/.*)$ $1;",
        "proxy_redirect ~^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*$ /;",
    ];
}
