import { backstopBound, backstopShare, PerClientLimit } from "../../components/gatewayRateLimit";
import { AttackedGateway, startAttackedGateway } from "./support/gateway";

/**
 * One client against several gateway replicas on loopback, its requests spread over them the way
 * the load balancer spreads connections. The per-client limit here is 6 a minute with a burst of 5,
 * so within the test's seconds a client may pass exactly 6 requests however many pods serve it.
 */

const LIMIT: PerClientLimit = { perMinute: 6, burst: 5 };
const REPLICAS = 3;

const shared: AttackedGateway[] = [];
const unshared: AttackedGateway[] = [];
let single: AttackedGateway;

beforeAll(async () => {
    const share = backstopShare(LIMIT, REPLICAS);
    const start = (perMinute: number, burst: number) => startAttackedGateway({ rateLimitPerMinute: perMinute, rateLimitBurst: burst });
    // One at a time: seven nginx at once is a burst this shared machine does not need.
    for (let i = 0; i < REPLICAS; i++) shared.push(await start(share.perMinute, share.burst));
    for (let i = 0; i < REPLICAS; i++) unshared.push(await start(LIMIT.perMinute, LIMIT.burst));
    single = await start(LIMIT.perMinute, LIMIT.burst);
});
afterAll(async () => {
    await Promise.all([...shared, ...unshared, single].filter(Boolean).map(gateway => gateway.stop()));
});

/** Sends `count` requests from one client, round-robin over the pods; returns how many passed. */
async function passed(pods: AttackedGateway[], client: string, count: number): Promise<number> {
    let ok = 0;
    for (let i = 0; i < count; i++) {
        const status = (await pods[i % pods.length].viaEdge(client, { target: "/api/events" })).status;
        if (status === 200) ok++;
        else expect(status).toBe(429);
    }
    return ok;
}

describe("the gateway's per-client backstop across replicas", () => {
    it("sizes each pod's share from the limit and the replica count", () => {
        expect(backstopShare({ perMinute: 100, burst: 20 }, 2)).toEqual({ perMinute: 50, burst: 10 });
        expect(backstopShare({ perMinute: 100, burst: 20 }, 1)).toEqual({ perMinute: 100, burst: 20 });
        expect(backstopShare(LIMIT, REPLICAS)).toEqual({ perMinute: 2, burst: 1 });
        expect(backstopBound(backstopShare(LIMIT, REPLICAS), REPLICAS)).toEqual(LIMIT);
        expect(() => backstopShare(LIMIT, 0)).toThrow(/replicas: expected an integer >= 1, got 0/);
    });

    it("passes one client the same number of requests through three pods as through one", async () => {
        const throughOne = await passed([single], "198.51.100.10", 12);
        const throughThree = await passed(shared, "198.51.100.10", 12);
        expect({ throughOne, throughThree }).toEqual({ throughOne: 6, throughThree: 6 });
    });

    it("keeps the bound when an IPv6 client rotates inside its /64 across pods", async () => {
        let ok = 0;
        for (let i = 0; i < 12; i++) {
            const status = (await shared[i % REPLICAS].viaEdge(`2001:db8:5:6::${(i + 1).toString(16)}`, { target: "/api/chat" })).status;
            if (status === 200) ok++;
        }
        expect(ok).toBe(6);
    });

    it("would pass three times the limit if each pod held the whole limit (the bug the share fixes)", async () => {
        expect(await passed(unshared, "198.51.100.11", 24)).toBe(18);
    });
});
