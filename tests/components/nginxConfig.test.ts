import { CLOUDFLARE_IPV4_RANGES, CLOUDFLARE_IPV6_RANGES, CLOUDFLARE_RANGES, isCidrOrAddress } from "../../components/cloudflareRanges";
import {
    DEFAULT_GATEWAY_ROUTES, GatewayRenderOptions, renderNginxConfig, resolveGatewayOptions, validateGatewayOptions,
} from "../../components/nginxConfig";
import { InvalidArgsError } from "../../components/platformNames";

const UPSTREAMS = {
    ivor: { host: "ivor.blkout-blue.svc.cluster.local", port: 3000 },
    events: { host: "events.blkout-blue.svc.cluster.local", port: 3000 },
    newsroom: { host: "newsroom.blkout-blue.svc.cluster.local", port: 3000 },
};

const REQUIRED = { allowedHosts: ["blkoutuk.com", "blue.blkoutuk.com"], loadBalancerRanges: ["10.20.0.0/16"] };
const render = (extra: Partial<GatewayRenderOptions> = {}) => renderNginxConfig({ upstreams: UPSTREAMS, ...REQUIRED, ...extra });

function renderError(options: GatewayRenderOptions): InvalidArgsError {
    try {
        renderNginxConfig(options);
    } catch (error) {
        if (error instanceof InvalidArgsError) return error;
        throw error;
    }
    throw new Error("expected renderNginxConfig to throw");
}

describe("renderNginxConfig defaults", () => {
    const config = render();

    it("is a complete config: main context, events and http", () => {
        expect(config).toMatch(/^worker_processes 2;$/m);
        expect(config).toMatch(/^pid \/tmp\/nginx\.pid;$/m);
        expect(config).toMatch(/^events \{/m);
        expect(config).toMatch(/^http \{/m);
        expect(config).toMatch(/^\s+listen 8080 proxy_protocol;$/m);
    });

    it("routes the six default prefixes to their APIs' Service names", () => {
        expect(DEFAULT_GATEWAY_ROUTES.map(r => `${r.prefix}->${r.api}`)).toEqual([
            "/api/chat->ivor", "/api/resources->ivor", "/api/events->events",
            "/api/calendar->events", "/api/articles->newsroom", "/api/categories->newsroom",
        ]);
        for (const { prefix, api } of DEFAULT_GATEWAY_ROUTES) {
            expect(config).toContain(`location = ${prefix} {\n            limit_req zone=per_client burst=20 nodelay;`);
            // The URI part makes nginx forward the normalised path it routed on, not the raw one.
            expect(config).toContain(`proxy_pass http://api_${api}${prefix};`);
            expect(config).toContain(`location ^~ ${prefix}/ {`);
            expect(config).toContain(`proxy_pass http://api_${api}${prefix}/;`);
        }
        expect(config).toContain("server ivor.blkout-blue.svc.cluster.local:3000;");
        for (const api of Object.keys(UPSTREAMS)) {
            expect(config).toContain(`location = /health/${api} {`);
            expect(config).toContain(`proxy_pass http://api_${api}/health;`);
        }
    });

    it("limits each client (address or IPv6 /64) to 100 requests a minute and answers 429", () => {
        expect(config).toContain("limit_req_zone $client_key zone=per_client:10m rate=100r/m;");
        expect(config).toContain("limit_req_status 429;");
    });

    it("believes a PROXY header only from the load balancer and CF-Connecting-IP only from Cloudflare's ranges", () => {
        const trusted = [...config.matchAll(/set_real_ip_from (\S+);/g)].map(m => m[1]);
        expect(trusted).toEqual(["10.20.0.0/16"]);
        expect(config).toContain("real_ip_header proxy_protocol;");
        const geo = /geo \$remote_addr \$peer_is_cloudflare \{\n((?:.*\n)*?)\s*\}/.exec(config)![1];
        expect([...geo.matchAll(/^\s+(\S+) 1;$/gm)].map(m => m[1])).toEqual([...CLOUDFLARE_RANGES]);
    });

    it("sends every security header on every answer, errors included, with one copy only", () => {
        for (const header of ["Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options",
            "X-Frame-Options", "Referrer-Policy", "X-Blkout-Colour", "X-Blkout-Release"]) {
            expect(config).toMatch(new RegExp(`add_header ${header} "[^"]+" always;`));
            expect(config).toContain(`proxy_hide_header ${header};`);
        }
        // add_header in a location would silently drop the server's headers there: all sit in the server block.
        const server = config.slice(config.indexOf("    server {"), config.indexOf("\n        location"));
        expect(config.match(/add_header/g)!.length).toBe(server.match(/add_header/g)!.length);
        expect(config.match(/proxy_hide_header X-Powered-By;/g)).toHaveLength(1);
    });

    it("limits bodies to 1 MiB, sets upstream timeouts and logs JSON", () => {
        expect(config).toContain("client_max_body_size 1048576;");
        expect(config).toContain("proxy_connect_timeout 5s;");
        expect(config).toContain("proxy_read_timeout 30s;");
        expect(config).toMatch(/log_format json escape=json '\{.*"upstream_response_time":"\$upstream_response_time".*\}';/);
        expect(config).toContain("access_log /dev/stdout json;");
    });
});

describe("renderNginxConfig options", () => {
    it("renders the colour, release, limits and runtime paths it is given", () => {
        const config = render({
            colour: "green", release: "2026.11.3", rateLimitPerMinute: 30, rateLimitBurst: 5, maxBodyBytes: 4096,
            runtimeDir: "/run/gw", listenHost: "127.0.0.1", listenPort: 9090, loadBalancerRanges: ["127.0.0.1"],
            timeouts: { readSeconds: 12 },
        });
        expect(config).toContain('add_header X-Blkout-Colour "green" always;');
        expect(config).toContain('add_header X-Blkout-Release "2026.11.3" always;');
        expect(config).toContain("rate=30r/m;");
        expect(config).toContain("burst=5 nodelay;");
        expect(config).toContain("client_max_body_size 4096;");
        expect(config).toContain("pid /run/gw/nginx.pid;");
        expect(config).toContain("proxy_temp_path /run/gw/proxy_temp;");
        expect(config).toContain("listen 127.0.0.1:9090 proxy_protocol;");
        expect(config).toContain("proxy_read_timeout 12s;");
        expect(config).toContain("proxy_connect_timeout 5s;");
        expect([...config.matchAll(/set_real_ip_from (\S+);/g)].map(m => m[1])).toEqual(["127.0.0.1"]);
        expect(config).toContain(`return 200 '{"status":"ok","colour":"green","release":"2026.11.3"}'`);
    });

    it("fills documented defaults", () => {
        expect(resolveGatewayOptions({ upstreams: UPSTREAMS })).toMatchObject({
            listenPort: 8080, rateLimitPerMinute: 100, rateLimitBurst: 20, maxBodyBytes: 1048576,
            timeouts: { connectSeconds: 5, readSeconds: 30, sendSeconds: 30 }, runtimeDir: "/tmp",
        });
    });
});

describe("validateGatewayOptions", () => {
    it("accepts the defaults", () => {
        expect(validateGatewayOptions({ upstreams: UPSTREAMS, ...REQUIRED })).toEqual([]);
    });

    it("lists every problem at once, each naming its key", () => {
        const error = renderError({
            upstreams: { ivor: { host: "ivor", port: 70000 } },
            routes: [
                { prefix: "/api/chat", api: "ivor" },
                { prefix: "/api/chat", api: "ivor" },
                { prefix: "/api/events", api: "events" },
                { prefix: "api/no-slash/", api: "ivor" },
            ],
            listenPort: 80,
            rateLimitPerMinute: 0,
            colour: 'blue"; evil',
            trustedProxyRanges: ["not-an-ip"],
            ...REQUIRED,
        });
        expect(error.problems).toEqual([
            "upstreams.ivor.port: expected an integer 1-65535, got 70000",
            'routes[1].prefix: duplicate prefix "/api/chat"',
            'routes[2].api: unknown API "events" (upstreams has ivor)',
            'routes[3].prefix: expected a path like "/api/chat" (no trailing slash, not under /health), got "api/no-slash/"',
            "listenPort: expected an unprivileged port 1024-65535, got 80",
            "rateLimitPerMinute: expected an integer > 0, got 0",
            'trustedProxyRanges[0]: expected an IP address or CIDR range, got "not-an-ip"',
            'colour: expected letters, digits, "._+-" (1-64), got "blue\\"; evil"',
        ]);
        expect(error.message).toMatch(/^invalid gateway options:\n {2}- upstreams\.ivor\.port/);
        expect(error.stack).not.toMatch(/\n\s+at /);
    });

    it("refuses empty routes and no upstreams", () => {
        expect(validateGatewayOptions({ upstreams: {}, routes: [], ...REQUIRED })).toEqual([
            "upstreams: expected at least one API, got none",
            "routes: expected at least one route, got none",
        ]);
    });

    it("refuses a CSP or path that could inject nginx config", () => {
        expect(validateGatewayOptions({ upstreams: UPSTREAMS, ...REQUIRED, contentSecurityPolicy: "default-src $host", runtimeDir: "/tmp; user root" }))
            .toEqual([
                'contentSecurityPolicy: expected a non-empty policy without quotes, backslashes, braces or "$"',
                'runtimeDir: expected an absolute path, got "/tmp; user root"',
            ]);
    });
});

describe("Cloudflare ranges", () => {
    it("are all valid ranges of the right family", () => {
        expect(CLOUDFLARE_IPV4_RANGES.every(r => isCidrOrAddress(r) && !r.includes(":"))).toBe(true);
        expect(CLOUDFLARE_IPV6_RANGES.every(r => isCidrOrAddress(r) && r.includes(":"))).toBe(true);
        expect(CLOUDFLARE_RANGES).toHaveLength(CLOUDFLARE_IPV4_RANGES.length + CLOUDFLARE_IPV6_RANGES.length);
        expect(["300.1.1.1/8", "10.0.0.0/33", "cloudflare", "2400:cb00::/129"].filter(isCidrOrAddress)).toEqual([]);
    });
});

describe("the options that decide who is trusted and what is served", () => {
    it("name every bad host, origin, range and port", () => {
        expect(validateGatewayOptions({
            upstreams: UPSTREAMS, allowedHosts: ["Blkoutuk.com", "evil host"], corsOrigins: ["http://blkoutuk.com", "https://ok.example"],
            loadBalancerRanges: ["10.20.0.0/99"], probePort: 8080,
        })).toEqual([
            'allowedHosts[0]: expected a lower-case host name, got "Blkoutuk.com"',
            'allowedHosts[1]: expected a lower-case host name, got "evil host"',
            'corsOrigins[0]: expected an https origin like "https://blkoutuk.com", got "http://blkoutuk.com"',
            'loadBalancerRanges[0]: expected an IP address or CIDR range, got "10.20.0.0/99"',
            "probePort: expected an unprivileged port other than listenPort, got 8080",
        ]);
    });

    it("require hosts, and a load balancer range whenever PROXY protocol is on", () => {
        expect(validateGatewayOptions({ upstreams: UPSTREAMS })).toEqual([
            "allowedHosts: expected the zone's hostnames and the colour's preview hostname, got none",
            "loadBalancerRanges: expected the load balancer's range when proxyProtocol is on, got none",
        ]);
        expect(validateGatewayOptions({ upstreams: UPSTREAMS, allowedHosts: ["blkoutuk.com"], proxyProtocol: false })).toEqual([]);
    });

    it("derive CORS origins from the hosts unless given", () => {
        expect(resolveGatewayOptions({ upstreams: UPSTREAMS, ...REQUIRED }).corsOrigins).toEqual(["https://blkoutuk.com", "https://blue.blkoutuk.com"]);
        expect(render()).toContain('"https://blue.blkoutuk.com" $http_origin;');
    });
});
