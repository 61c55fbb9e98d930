import { freePort } from "../support/nginx";
import { AttackedGateway, PREVIEW_HOST, securityHeaderProblems, startAttackedGateway, ZONE_HOST } from "./support/gateway";
import { RawRequest, RawResponse, send } from "./support/rawHttp";

/**
 * Request hygiene attacked on real nginx: Host and absolute-URI requests, dot segments compared
 * with what the API receives, methods and bodies on health paths, every error nginx answers itself
 * as JSON with the security headers, and what comes back from the APIs. The rate limit is out of
 * the way here (clientAddress.test.ts attacks it).
 */

let gateway: AttackedGateway;
let deadPort: number;
let next = 1;
const edge = (request: Omit<RawRequest, "port">) => gateway.viaEdge(`198.51.100.${next++}`, request);

beforeAll(async () => {
    deadPort = await freePort();
    gateway = await startAttackedGateway({ rateLimitPerMinute: 100_000, rateLimitBurst: 10_000, probePort: await freePort(), corsOrigins: [`https://${ZONE_HOST}`] });
});
afterAll(() => gateway?.stop());

const lastSeenBy = (api: "ivor" | "events" | "newsroom") => gateway.apis[api].received[gateway.apis[api].received.length - 1];

function expectJsonError(response: RawResponse, status: number, error: string): void {
    expect({ status: response.status, type: response.headers["content-type"], body: response.json() })
        .toEqual({ status, type: "application/json", body: { error } });
    expect(securityHeaderProblems(response)).toEqual([]);
}

describe("Host allow-list", () => {
    it("serves the zone's hostname and the colour's preview hostname", async () => {
        for (const host of [ZONE_HOST, PREVIEW_HOST, "BLKOUTUK.COM", `${ZONE_HOST}:443`]) {
            const response = await edge({ target: "/api/chat", headers: { Host: host } });
            expect([host, response.status]).toEqual([host, 200]);
        }
        expect(lastSeenBy("ivor").headers.host).toBe(ZONE_HOST);
    });

    it("answers 421 JSON to any other Host and forwards nothing", async () => {
        const before = gateway.apis.ivor.received.length;
        for (const host of ["evil.example", "green.blkoutuk.com", "blkoutuk.com.evil.example", "10.20.0.5", ""]) {
            expectJsonError(await edge({ target: "/api/chat", headers: { Host: host } }), host === "" ? 400 : 421, host === "" ? "bad_request" : "misdirected_request");
        }
        expect(gateway.apis.ivor.received.length).toBe(before);
    });

    it("judges an absolute-URI request by the host in its request line, not the Host header", async () => {
        expectJsonError(await edge({ target: "http://evil.example/api/chat", headers: { Host: ZONE_HOST } }), 421, "misdirected_request");
        const ours = await edge({ target: `https://${ZONE_HOST}/api/chat`, headers: { Host: "evil.example" } });
        expect(ours.status).toBe(200);
        expect(lastSeenBy("ivor")).toMatchObject({ target: "/api/chat", headers: { host: ZONE_HOST } });
    });
});

describe("paths are forwarded exactly as routed", () => {
    it.each([
        ["/api/events/../chat", "ivor", "/api/chat"],
        ["/api/events/%2e%2e/chat/7", "ivor", "/api/chat/7"],
        ["/api/events/./x", "events", "/api/events/x"],
        ["//api//articles///1", "newsroom", "/api/articles/1"],
        ["/api/chat/a%20b?q=1%202", "ivor", "/api/chat/a%20b?q=1%202"],
    ])("%s is routed to %s, which receives %s", async (target, api, received) => {
        const response = await edge({ target });
        expect(response.status).toBe(200);
        expect(lastSeenBy(api as "ivor").target).toBe(received);
    });

    it("does not let dot segments climb out of /api to the APIs' own health or anywhere else", async () => {
        expectJsonError(await edge({ target: "/api/chat/../../health" }), 404, "not_found");
        expectJsonError(await edge({ target: "/api/../../etc/passwd" }), 400, "bad_request");
    });
});

describe("methods", () => {
    it.each(["TRACE", "PROPFIND", "CONNECT", "FOO"])("answers %s with 405 JSON naming the methods served", async method => {
        const response = await edge({ method, target: "/api/events" });
        if (method === "CONNECT") {
            expect(response.status).toBe(405);
            return;
        }
        expectJsonError(response, 405, "method_not_allowed");
        expect(response.headers.allow).toBe("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    });

    it("answers a CORS preflight from the site's origin itself, and grants nothing to another origin", async () => {
        const preflight = (origin: string) => edge({
            method: "OPTIONS", target: "/api/events", headers: { Origin: origin, "Access-Control-Request-Method": "POST" },
        });
        const ours = await preflight(`https://${ZONE_HOST}`);
        expect(ours.status).toBe(204);
        expect(ours.headers).toMatchObject({
            "access-control-allow-origin": `https://${ZONE_HOST}`, "access-control-allow-credentials": "true",
            "access-control-allow-methods": expect.stringContaining("POST"), vary: expect.stringContaining("Origin"),
        });
        const theirs = await preflight("https://evil.example");
        expect(theirs.status).toBe(204);
        expect(Object.keys(theirs.headers).filter(name => name.startsWith("access-control-"))).toEqual([]);
    });

    it("replaces an API's own CORS headers with the gateway's policy", async () => {
        gateway.apis.events.script({ headers: { "Access-Control-Allow-Origin": "*" } });
        try {
            const response = await edge({ target: "/api/events", headers: { Origin: "https://evil.example" } });
            expect(response.headers["access-control-allow-origin"]).toBeUndefined();
            const ours = await edge({ target: "/api/events", headers: { Origin: `https://${ZONE_HOST}` } });
            expect(ours.headers["access-control-allow-origin"]).toBe(`https://${ZONE_HOST}`);
        } finally {
            gateway.apis.events.script(undefined);
        }
    });
});

describe("health paths", () => {
    it.each(["POST", "PUT", "DELETE", "OPTIONS"])("refuse %s with 405 JSON allowing GET and HEAD only", async method => {
        const before = gateway.apis.ivor.received.length;
        const response = await edge({ method, target: "/health/ivor" });
        expectJsonError(response, 405, "method_not_allowed");
        expect(response.headers.allow).toBe("GET, HEAD");
        expect(gateway.apis.ivor.received.length).toBe(before);
    });

    it("refuse a body, on the gateway's own health path too", async () => {
        expectJsonError(await edge({ target: "/health/ivor", body: "x".repeat(10) }), 413, "payload_too_large");
        expectJsonError(await edge({ target: "/healthz", body: "x" }), 413, "payload_too_large");
        const chunked = await edge({ raw: `GET /health/ivor HTTP/1.1\r\nHost: ${ZONE_HOST}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\nx\r\n0\r\n\r\n` });
        expect(chunked.status).toBe(413);
    });

    it("answer GET and HEAD, forwarding no body to the API", async () => {
        expect((await edge({ target: "/health/ivor" })).json()).toMatchObject({ api: "ivor", target: "/health", bodyBytes: 0 });
        expect((await edge({ method: "HEAD", target: "/healthz" })).status).toBe(200);
    });

    it("answer the kubelet's plain-HTTP probe on the probe port, and nothing else there", async () => {
        const probePort = Number(/listen 127\.0\.0\.1:(\d+);/.exec(await readConfig())![1]);
        const probe = await send({ port: probePort, target: "/healthz", headers: { Host: "10.244.1.7:8081" } });
        expect({ status: probe.status, body: probe.json() }).toEqual({ status: 200, body: { status: "ok" } });
        expect((await send({ port: probePort, target: "/api/chat" })).status).toBe(404);
    });
});

async function readConfig(): Promise<string> {
    const { readFile } = await import("fs/promises");
    return readFile(`${gateway.nginx.runtime.runtimeDir}/nginx.conf`, "utf8");
}

describe("every error the gateway answers is JSON with the security headers", () => {
    it.each([
        ["no Host on HTTP/1.1", `GET /api/chat HTTP/1.1\r\nConnection: close\r\n\r\n`, 400, "bad_request"],
        ["a broken request line", `GET /api/chat HTTP/1.1 extra\r\nHost: ${ZONE_HOST}\r\n\r\n`, 400, "bad_request"],
        ["a URI over the buffers", `GET /api/chat/${"a".repeat(9000)} HTTP/1.1\r\nHost: ${ZONE_HOST}\r\nConnection: close\r\n\r\n`, 414, "uri_too_long"],
        ["a header over the buffers", `GET /api/chat HTTP/1.1\r\nHost: ${ZONE_HOST}\r\nX-Big: ${"a".repeat(9000)}\r\nConnection: close\r\n\r\n`, 400, "request_header_too_large"],
        ["an unknown transfer coding", `POST /api/chat HTTP/1.1\r\nHost: ${ZONE_HOST}\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n`, 501, "not_implemented"],
        ["a path nothing serves", `GET /nowhere HTTP/1.1\r\nHost: ${ZONE_HOST}\r\nConnection: close\r\n\r\n`, 404, "not_found"],
        ["a body over the limit", `POST /api/chat HTTP/1.1\r\nHost: ${ZONE_HOST}\r\nContent-Length: 4096\r\nConnection: close\r\n\r\n${"x".repeat(4096)}`, 413, "payload_too_large"],
    ])("%s", async (_what, raw, status, error) => {
        expectJsonError(await edge({ raw }), status, error);
    });

    it.each([
        [500, "internal_error"], [502, "bad_gateway"], [503, "unavailable"], [504, "upstream_timeout"],
    ])("an API's %i is answered with the gateway's JSON, never the API's body", async (status, error) => {
        gateway.apis.events.script({ status, body: "Error: boom\n    at handler (/app/src/events.js:42:7)" });
        try {
            const response = await edge({ target: "/api/events/1" });
            expectJsonError(response, status, error);
            expect(response.body).not.toContain("/app/src");
        } finally {
            gateway.apis.events.script(undefined);
        }
    });

    it("502 when an API does not answer at all", async () => {
        const dead = await startAttackedGateway({ upstreams: { ivor: { host: "127.0.0.1", port: deadPort } }, routes: [{ prefix: "/api/chat", api: "ivor" }] });
        try {
            expectJsonError(await dead.viaEdge("198.51.100.250", { target: "/api/chat" }), 502, "bad_gateway");
        } finally {
            await dead.stop();
        }
    });
});

describe("responses carry nothing internal", () => {
    it("hides X-Powered-By and keeps one copy of each security header on API answers", async () => {
        gateway.apis.newsroom.script({ headers: { "X-Powered-By": "Express", "X-Frame-Options": "ALLOWALL", "X-AspNet-Version": "4.0" } });
        try {
            const response = await edge({ target: "/api/articles" });
            expect(response.status).toBe(200);
            expect(securityHeaderProblems(response)).toEqual([]);
            expect(response.headers["x-aspnet-version"]).toBeUndefined();
        } finally {
            gateway.apis.newsroom.script(undefined);
        }
    });

    it.each([
        ["http://newsroom.blkout-blue.svc.cluster.local:3000/api/articles/9", "/api/articles/9"],
        ["http://127.0.0.1:8080/api/articles", "/api/articles"],
        [`https://${ZONE_HOST}/api/articles?page=2`, "/api/articles?page=2"],
        ["http://10.244.3.4:3000", "/"],
        ["/api/articles/3", "/api/articles/3"],
    ])("rewrites an API redirect to %s as the relative %s", async (location, relative) => {
        gateway.apis.newsroom.script({ status: 302, headers: { Location: location }, body: "" });
        try {
            const response = await edge({ target: "/api/articles/old" });
            expect([response.status, response.headers.location]).toEqual([302, relative]);
        } finally {
            gateway.apis.newsroom.script(undefined);
        }
    });
});
