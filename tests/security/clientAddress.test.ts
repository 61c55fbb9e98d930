import { CLIENT_IP_HEADERS, URL_OVERRIDE_HEADERS } from "../../components/nginxClientAddress";
import { AttackedGateway, CLOUDFLARE_EDGE, CLOUDFLARE_EDGE_V6, securityHeaderProblems, startAttackedGateway } from "./support/gateway";
import { send } from "./support/rawHttp";

/**
 * Who may claim a client address, attacked on real nginx on loopback: 127.0.0.1 plays the load
 * balancer, 127.0.0.2 a pod inside the cluster, and a PROXY header claims whichever edge address a
 * test needs. The rate is one a minute with a burst of 2: exactly three requests per client pass.
 */

let gateway: AttackedGateway;
let next = 1;
const freshClient = () => `198.51.100.${next++}`;

beforeAll(async () => {
    gateway = await startAttackedGateway();
});
afterAll(() => gateway?.stop());

const lastSeenBy = (api: "ivor" | "events" | "newsroom") => gateway.apis[api].received[gateway.apis[api].received.length - 1];

describe("the client address the APIs receive", () => {
    it("is CF-Connecting-IP when the load balancer says a Cloudflare edge connected", async () => {
        const client = freshClient();
        expect((await gateway.viaEdge(client, { target: "/api/chat" })).status).toBe(200);
        expect(lastSeenBy("ivor").headers).toMatchObject({ "x-real-ip": client, "x-forwarded-for": client, "x-forwarded-proto": "https" });
    });

    it("is the edge address itself when a non-Cloudflare source claims CF-Connecting-IP through the load balancer", async () => {
        const response = await gateway.send({ proxySource: "203.0.113.9", target: "/api/chat", headers: { "CF-Connecting-IP": freshClient() } });
        expect(response.status).toBe(200);
        expect(lastSeenBy("ivor").headers["x-real-ip"]).toBe("203.0.113.9");
    });

    it("is the pod's own address when a pod sends its own PROXY header claiming Cloudflare", async () => {
        const response = await gateway.send({
            from: "127.0.0.2", proxySource: CLOUDFLARE_EDGE, target: "/api/chat", headers: { "CF-Connecting-IP": freshClient() },
        });
        expect(response.status).toBe(200);
        expect(lastSeenBy("ivor").headers["x-real-ip"]).toBe("127.0.0.2");
    });

    it("refuses a connection without a PROXY header: nothing reaches an API", async () => {
        const before = gateway.apis.ivor.received.length;
        await expect(send({ port: gateway.nginx.port, target: "/api/chat", headers: { "CF-Connecting-IP": freshClient() } }))
            .rejects.toThrow(/no HTTP response/);
        expect(gateway.apis.ivor.received.length).toBe(before);
    });

    it("is the edge address when CF-Connecting-IP is not one address (a list, a name)", async () => {
        for (const claim of ["198.51.100.200, 10.0.0.1", "localhost", "999.1.1.1"]) {
            await gateway.viaEdge(claim, { target: "/api/events" });
            expect([claim, lastSeenBy("events").headers["x-real-ip"]]).toEqual([claim, CLOUDFLARE_EDGE]);
        }
    });

    it("believes an IPv6 edge and an IPv6 client", async () => {
        const response = await gateway.send({
            proxySource: CLOUDFLARE_EDGE_V6, target: "/api/events", headers: { "CF-Connecting-IP": "2001:db8:77::1" },
        });
        expect(response.status).toBe(200);
        expect(lastSeenBy("events").headers["x-real-ip"]).toBe("2001:db8:77::1");
    });
});

describe("client-IP and URL-building headers", () => {
    const spoofed = Object.fromEntries([...CLIENT_IP_HEADERS, ...URL_OVERRIDE_HEADERS, "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto"]
        .filter(name => name !== "CF-Connecting-IP").map(name => [name, name === "Forwarded" ? "for=6.6.6.6;host=evil.example" : "6.6.6.6"]));

    it.each([
        ["a Cloudflare edge through the load balancer", { proxySource: CLOUDFLARE_EDGE }],
        ["a non-Cloudflare source through the load balancer", { proxySource: "203.0.113.10" }],
        ["a pod with its own PROXY header", { from: "127.0.0.2", proxySource: CLOUDFLARE_EDGE }],
    ])("never reach an API as the client sent them, from %s", async (_peer, peer) => {
        const client = freshClient();
        const response = await gateway.send({ ...peer, target: "/api/articles", headers: { ...spoofed, "CF-Connecting-IP": client } });
        expect(response.status).toBe(200);
        const seen = lastSeenBy("newsroom").headers;
        const leaked = Object.keys(spoofed).filter(name => String(seen[name.toLowerCase()] ?? "").includes("6.6.6.6")
            || String(seen[name.toLowerCase()] ?? "").includes("evil"));
        expect(leaked).toEqual([]);
        expect(seen["cf-connecting-ip"]).toBeUndefined();
        expect(seen["x-forwarded-host"]).toBeUndefined();
        expect(seen["x-http-method-override"]).toBeUndefined();
        expect(seen["x-forwarded-proto"]).toBe("https");
        expect(lastSeenBy("newsroom").method).toBe("GET");
    });
});

describe("the per-client rate limit", () => {
    async function statuses(clients: string[], target = "/api/events") {
        const result: number[] = [];
        for (const client of clients) result.push((await gateway.viaEdge(client, { target })).status);
        return result;
    }

    it("keys IPv6 clients on their /64: rotating addresses inside it does not reset the limit", async () => {
        const rotating = ["2001:db8:aa:1::1", "2001:db8:aa:1::2", "2001:db8:aa:1:ffff:ffff:ffff:ffff", "2001:db8:aa:1:8000::9", "2001:db8:aa:1::3"];
        expect(await statuses(rotating)).toEqual([200, 200, 200, 429, 429]);
        expect(await statuses(["2001:db8:aa:2::1"])).toEqual([200]);
    });

    it("reads one /64 however the address is written (zero runs, leading zeros)", async () => {
        const forms = ["2001:db8:0:0:1::5", "2001:db8::1:0:0:6", "2001:0db8:0000:0000:0:1:2:3", "2001:db8::7"];
        expect(await statuses(forms)).toEqual([200, 200, 200, 429]);
    });

    it("keys IPv4 on the address, an IPv4-mapped IPv6 address included", async () => {
        expect(await statuses(["192.0.2.50", "::ffff:192.0.2.50", "192.0.2.50", "192.0.2.50", "192.0.2.51"])).toEqual([200, 200, 200, 429, 200]);
    });

    it("answers 429 as JSON with Retry-After and every security header", async () => {
        const client = freshClient();
        await statuses([client, client, client]);
        const limited = await gateway.viaEdge(client, { target: "/api/events" });
        expect({ status: limited.status, body: limited.json() }).toEqual({ status: 429, body: { error: "rate_limited" } });
        expect(limited.headers["retry-after"]).toBe("60");
        expect(limited.headers["content-type"]).toBe("application/json");
        expect(securityHeaderProblems(limited)).toEqual([]);
    });

    it("gives health paths their own limit: a limited client's monitor still gets through", async () => {
        const client = freshClient();
        await statuses([client, client, client, client]);
        const health = await gateway.viaEdge(client, { target: "/health/events" });
        expect(health.status).toBe(200);
        expect((await gateway.viaEdge(client, { target: "/healthz" })).status).toBe(200);
    });
});
