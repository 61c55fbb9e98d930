import { createServer as createHttpServer } from "node:http";
import { AddressInfo, createServer, Server, Socket } from "node:net";
import { PUSH_TIMEOUT_MS } from "../../switch/stepReport";
import { freePort } from "../support/nginx";
import { CliOnDoubles, runCliOnDoubles } from "./support/cliOnDoubles";
import { harness } from "./support/fakes";

/**
 * A Pushgateway that is down, hangs, fails or speaks garbage changes nothing the switch does: the
 * real CLI runs the same switch (virtual time, doubles for traffic, health and metrics) with and
 * without `--pushgateway-url` against real sockets, and must make the same updates, journal the
 * same entries and exit with the same code, printing one warning line more.
 */

/** Blue to green in four steps; with `breach`, green's health fails at 20 % and the switch rolls back. */
async function switchWith(pushgateway: string | undefined, breach: boolean): Promise<CliOnDoubles> {
    const h = await harness();
    try {
        if (breach) h.health.script = (colour, ms) => ({ healthy: !(colour === "green" && ms >= 80_000) });
        return await runCliOnDoubles(h, ["to", "green", "--window", "60s", ...(pushgateway ? ["--pushgateway-url", pushgateway] : [])]);
    } finally {
        await h.cleanup();
    }
}

const servers: Server[] = [];
const sockets: Socket[] = [];
async function listen(server: Server): Promise<string> {
    servers.push(server);
    server.on("connection", socket => sockets.push(socket));
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterAll(async () => {
    sockets.forEach(s => s.destroy());
    await Promise.all(servers.map(s => new Promise(resolve => s.close(resolve))));
});

const FAULTS: Record<string, { url: () => Promise<string>; reason: RegExp }> = {
    "not running": { url: async () => `http://127.0.0.1:${await freePort()}`, reason: /^ECONNREFUSED$/ },
    "accepting and never answering": { url: () => listen(createServer(() => undefined)), reason: new RegExp(`^no answer within ${PUSH_TIMEOUT_MS} ms$`) },
    "answering 500": { url: () => listen(createHttpServer((_req, res) => { res.writeHead(500); res.end("boom\n"); })), reason: /^HTTP 500: boom$/ },
    "answering garbage": { url: () => listen(createServer(socket => socket.end("this is not HTTP\r\n\r\n"))), reason: /^HPE_[A-Z_]+$/ },
};

const WARNING = /^switch: warning: step report to blue and green's Pushgateway at (http:\/\/127\.0\.0\.1:\d+) failed \((.+)\); the switch goes on without it, the dashboard's step may be stale$/;

jest.setTimeout(60_000);

describe.each([["completes", false], ["rolls back", true]] as const)("a switch that %s", (_outcome, breach) => {
    let baseline: CliOnDoubles;
    beforeAll(async () => { baseline = await switchWith(undefined, breach); });

    it("is the scenario it claims to be", () => {
        expect(baseline.code).toBe(breach ? 3 : 0);
        expect(baseline.greenShares).toEqual(breach ? [5, 20, 0] : [5, 20, 50, 100]);
    });

    it.each(Object.keys(FAULTS))("does exactly the same with a Pushgateway %s, and says so in one line", async fault => {
        const url = await FAULTS[fault].url();
        const run = await switchWith(url, breach);
        expect({ code: run.code, greenShares: run.greenShares, journal: run.journal }).toEqual({ code: baseline.code, greenShares: baseline.greenShares, journal: baseline.journal });
        const warnings = run.stderr.filter(line => line.includes("warning"));
        expect(warnings).toHaveLength(1);
        const [, origin, reason] = WARNING.exec(warnings[0]) ?? [];
        expect(origin).toBe(url);
        expect(reason).toMatch(FAULTS[fault].reason);
        expect(run.stderr.filter(line => !line.includes("warning"))).toEqual(baseline.stderr);
        expect(run.stderr.join("\n")).not.toMatch(/\n\s+at /);
    });
});
