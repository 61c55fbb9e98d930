import { Client } from "pg";
import { replicaLagSeconds } from "../../switch/replicaLag";
import { PostgresPair, startPair } from "./support/postgresPair";

let pair: PostgresPair;

beforeAll(async () => {
    pair = await startPair();
}, 60_000);

afterAll(async () => {
    await pair?.cleanup();
}, 30_000);

async function untilCaughtUp(url: string): Promise<number> {
    const deadline = Date.now() + 15_000;
    for (;;) {
        const lag = await replicaLagSeconds(url).catch(() => Number.POSITIVE_INFINITY);
        if (lag < 1 || Date.now() > deadline) return lag;
        await new Promise(r => setTimeout(r, 100));
    }
}

describe("replica lag from a real PostgreSQL 15 streaming replica", () => {
    test("a streaming replica that replayed everything is caught up, also after fresh writes", async () => {
        expect(await untilCaughtUp(pair.replica.url())).toBe(0);
        const primary = new Client({ connectionString: pair.primary.url() });
        await primary.connect();
        try {
            await primary.query("CREATE TABLE IF NOT EXISTS probe (n int); INSERT INTO probe SELECT generate_series(1, 1000)");
        } finally {
            await primary.end();
        }
        expect(await untilCaughtUp(pair.replica.url())).toBeLessThan(1);
    }, 30_000);

    test("the primary is never taken for a caught-up replica", async () => {
        await expect(replicaLagSeconds(pair.primary.url())).rejects.toThrow("the server is not a read replica");
    });

    test("an unreachable replica rejects with a reason instead of reading as caught up", async () => {
        await expect(replicaLagSeconds("postgresql://postgres@127.0.0.1:1/postgres", { timeoutMs: 2000 })).rejects.toThrow(/ECONNREFUSED|connect/);
    });

    test("a replica cut off from its primary (primary stopped) is not caught up, though it replayed all it received", async () => {
        await pair.primary.stop();
        await expect(replicaLagSeconds(pair.replica.url())).rejects.toThrow(/not streaming from its primary/);
    }, 30_000);
});
