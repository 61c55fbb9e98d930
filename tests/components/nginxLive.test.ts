import { writeFileSync } from "fs";
import { join } from "path";
import { DEFAULT_GATEWAY_ROUTES, GatewayRenderOptions, renderClientPolicy, renderNginxConfig } from "../../components/nginxConfig";
import { checkConfigText, freePort, loopbackOverrides, NginxInstance, startNginx, startStubApi, StubApi } from "../support/nginx";
import { SECURITY_HEADERS } from "../security/support/gateway";

/**
 * The rendered gateway config run by real nginx on loopback against three stub APIs. The rate is one
 * request a minute with a burst of 2, so exactly three requests per client pass within the test's
 * few seconds whatever the machine's speed.
 */

let stubs: Record<"ivor" | "events" | "newsroom", StubApi>;
let gateway: NginxInstance;
let nextClient = 1;

/** A client address nobody else in this file uses, so one test's requests never spend another's rate. */
const freshClient = () => `198.51.100.${nextClient++}`;

function options(extra: Partial<GatewayRenderOptions> = {}): GatewayRenderOptions {
    return {
        upstreams: Object.fromEntries(Object.entries(stubs).map(([api, stub]) => [api, { host: stub.host, port: stub.port }])),
        // The peer is the edge here (no PROXY protocol); tests/security/ attack the production shape.
        proxyProtocol: false,
        allowedHosts: ["127.0.0.1"],
        trustedProxyRanges: ["127.0.0.1"],
        rateLimitPerMinute: 1,
        rateLimitBurst: 2,
        maxBodyBytes: 1024,
        colour: "blue",
        release: "v1.2.3",
        ...extra,
    };
}

async function get(base: string, path: string, client?: string, init: RequestInit = {}) {
    const headers = client ? { "CF-Connecting-IP": client } : undefined;
    const response = await fetch(`${base}${path}`, { headers, ...init });
    return { status: response.status, headers: response.headers, body: await response.json() as Record<string, unknown> };
}

function expectSecurityHeaders(headers: Headers): void {
    for (const [name, pattern] of Object.entries(SECURITY_HEADERS)) {
        expect([name, headers.get(name)]).toEqual([name, expect.stringMatching(pattern)]);
    }
}

beforeAll(async () => {
    const [ivor, events, newsroom] = await Promise.all(["ivor", "events", "newsroom"].map(name => startStubApi(name)));
    stubs = { ivor, events, newsroom };
    gateway = await startNginx(options());
});

afterAll(async () => {
    await gateway?.stop();
    await Promise.all(Object.values(stubs ?? {}).map(stub => stub.stop()));
});

describe("nginx -t", () => {
    it("accepts the rendered config with every default but the loopback runtime", async () => {
        const output = await checkConfigText(runtime => renderNginxConfig({ ...options({}), ...loopbackOverrides(runtime),
            trustedProxyRanges: undefined, rateLimitPerMinute: undefined, rateLimitBurst: undefined, maxBodyBytes: undefined,
            proxyProtocol: undefined, loadBalancerRanges: ["10.20.0.0/16"], allowedHosts: ["blkoutuk.com", "blue.blkoutuk.com"], probePort: runtime.port + 1 }));
        expect(output).toMatch(/test is successful/);
    });

    it("accepts the gateway's split config: nginx.conf including the client-policy file", async () => {
        const output = await checkConfigText(runtime => {
            const production = {
                ...options({}), ...loopbackOverrides(runtime), proxyProtocol: true, loadBalancerRanges: ["10.20.0.0/16"],
                allowedHosts: ["blkoutuk.com"], trustedProxyRanges: undefined, clientPolicyFile: join(runtime.runtimeDir, "client-policy.conf"),
            };
            writeFileSync(production.clientPolicyFile, renderClientPolicy(production));
            const config = renderNginxConfig(production);
            expect(config).toContain(`include ${production.clientPolicyFile};`);
            return config;
        });
        expect(output).toMatch(/test is successful/);
    });

    it("rejects a config nginx cannot load, so the check above can fail", async () => {
        await expect(checkConfigText(runtime => renderNginxConfig({ ...options(), ...loopbackOverrides(runtime) })
            .replace("limit_req_status 429;", "limit_req_status 429 extra;"))).rejects.toThrow(/nginx -t failed/);
    });
});

describe("the gateway on loopback", () => {
    it.each(DEFAULT_GATEWAY_ROUTES.map(route => [route.prefix, route.api]))("routes %s and its sub-paths to %s", async (prefix, api) => {
        for (const path of [prefix, `${prefix}/42`]) {
            const client = freshClient();
            const { status, body } = await get(gateway.baseUrl, `${path}?page=2`, client);
            expect({ status, body }).toEqual({ status: 200, body: { api, path, method: "GET", clientIp: client } });
        }
    });

    it("does not route a path that only starts with a prefix's letters", async () => {
        const { status, body } = await get(gateway.baseUrl, "/api/chatty", freshClient());
        expect({ status, body }).toEqual({ status: 404, body: { error: "not_found" } });
    });

    it("answers 429 with headers past the limit for one client while another client still passes", async () => {
        const client = freshClient();
        const statuses: number[] = [];
        let limited: Awaited<ReturnType<typeof get>> | undefined;
        for (let i = 0; i < 5; i++) {
            const answer = await get(gateway.baseUrl, "/api/events", client);
            statuses.push(answer.status);
            if (answer.status === 429) limited = answer;
        }
        expect(statuses).toEqual([200, 200, 200, 429, 429]);
        expect(limited!.body).toEqual({ error: "rate_limited" });
        expectSecurityHeaders(limited!.headers);
        expect((await get(gateway.baseUrl, "/api/events", freshClient())).status).toBe(200);
    });

    it("sets the security and colour headers on answers from the APIs and on its own errors", async () => {
        const ok = await get(gateway.baseUrl, "/api/articles", freshClient());
        const missing = await get(gateway.baseUrl, "/nowhere", freshClient());
        expect([ok.status, missing.status]).toEqual([200, 404]);
        expect(missing.body).toEqual({ error: "not_found" });
        expectSecurityHeaders(ok.headers);
        expectSecurityHeaders(missing.headers);
    });

    it("refuses a body over the limit with 413 and passes one under it", async () => {
        const post = (bytes: number) => get(gateway.baseUrl, "/api/articles", undefined,
            { method: "POST", body: "x".repeat(bytes), headers: { "CF-Connecting-IP": freshClient(), "content-type": "text/plain" } });
        const tooBig = await post(2048);
        expect({ status: tooBig.status, body: tooBig.body }).toEqual({ status: 413, body: { error: "payload_too_large" } });
        expectSecurityHeaders(tooBig.headers);
        expect((await post(512)).status).toBe(200);
        expect(stubs.newsroom.requests.filter(r => r.method === "POST").map(r => r.bodyBytes)).toEqual([512]);
    });

    it("answers /healthz itself and proxies each API's health, unhealthy included", async () => {
        const own = await get(gateway.baseUrl, "/healthz");
        expect({ status: own.status, body: own.body }).toEqual({ status: 200, body: { status: "ok", colour: "blue", release: "v1.2.3" } });
        expectSecurityHeaders(own.headers);
        for (const api of ["ivor", "events", "newsroom"]) {
            const { status, body } = await get(gateway.baseUrl, `/health/${api}`);
            expect({ status, body }).toEqual({ status: 200, body: { api, status: "ok" } });
        }
        stubs.events.set({ healthy: false });
        try {
            expect((await get(gateway.baseUrl, "/health/events")).status).toBe(503);
        } finally {
            stubs.events.set({ healthy: true });
        }
    });

    it("logs JSON lines naming the client, the upstream and its timing", async () => {
        const client = freshClient();
        await get(gateway.baseUrl, "/api/calendar", client);
        const line = (await gateway.accessLog()).find(entry => entry.client_ip === client);
        expect(line).toMatchObject({
            peer_ip: "127.0.0.1", method: "GET", path: "/api/calendar", status: 200,
            upstream_addr: `127.0.0.1:${stubs.events.port}`, upstream_status: "200",
            upstream_response_time: expect.stringMatching(/^\d+\.\d{3}$/), request_time: expect.any(Number),
        });
    });
});

describe("a gateway that does not trust its peer", () => {
    let untrusting: NginxInstance;
    let deadPort: number;

    beforeAll(async () => {
        deadPort = await freePort();
        untrusting = await startNginx(options({
            trustedProxyRanges: ["192.0.2.10"],
            upstreams: { ivor: { host: "127.0.0.1", port: stubs.ivor.port }, newsroom: { host: "127.0.0.1", port: deadPort } },
            routes: [{ prefix: "/api/chat", api: "ivor" }],
        }));
    });
    afterAll(() => untrusting?.stop());

    it("ignores CF-Connecting-IP and rate limits on the connecting address", async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) {
            statuses.push((await get(untrusting.baseUrl, "/api/chat", freshClient())).status);
        }
        expect(statuses).toEqual([200, 200, 200, 429]);
        const seen = stubs.ivor.requests.slice(-3).map(r => r.headers["x-real-ip"]);
        expect(seen).toEqual(["127.0.0.1", "127.0.0.1", "127.0.0.1"]);
    });

    it("answers 502 as JSON when an API does not answer", async () => {
        const { status, body, headers } = await get(untrusting.baseUrl, "/health/newsroom");
        expect({ status, body }).toEqual({ status: 502, body: { error: "bad_gateway" } });
        expect(headers.get("x-blkout-colour")).toBe("blue");
    });

    it("reloads a new config in place and keeps the old one when the new one is bad", async () => {
        const base = { ...options(), upstreams: { ivor: { host: "127.0.0.1", port: stubs.ivor.port } }, routes: [{ prefix: "/api/chat", api: "ivor" }] };
        await untrusting.reload({ ...base, colour: "green" });
        expect((await get(untrusting.baseUrl, "/healthz")).body).toMatchObject({ colour: "green" });
        await expect(untrusting.reload({ config: "events {}\nhttp { bogus_directive on; }\n" })).rejects.toThrow(/nginx -t failed/);
        expect((await get(untrusting.baseUrl, "/healthz")).headers.get("x-blkout-colour")).toBe("green");
    });
});
