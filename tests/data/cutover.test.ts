import Redis from "ioredis";
import { join } from "node:path";
import { cutover } from "../../data/cutover";
import { migrate } from "../../data/migrate";
import { status, sync, verify } from "../../data/commands";
import { latestCutover } from "../../data/journal";
import { digestDatabase } from "../../data/verify";
import { connect } from "../../data/pg";
import { APP_DATABASES, waitFor } from "./support/servers";
import { Platform, resetPlatform, SETTINGS, startPlatform } from "./support/platform";
import { Writer } from "./support/writer";

/** The whole walk on real PostgreSQL 15 and Redis 7 servers, with a writer running throughout. */

let platform: Platform;

beforeAll(async () => {
    platform = await startPlatform();
}, 120_000);

afterAll(async () => {
    await platform?.stop();
});

async function digestsMatch(db: string): Promise<boolean> {
    const [a, b] = await Promise.all(["blue", "green"].map(async colour => {
        const client = await connect(platform.pg[colour as "blue"].url, db);
        try {
            return JSON.stringify(await digestDatabase(client));
        } finally {
            await client.end();
        }
    }));
    return a === b;
}

describe("data cutover on real servers", () => {
    it("moves ownership under continuous writes with nothing lost, sequences moved on, reverse replication, and rolls back losing nothing", async () => {
        await resetPlatform(platform);
        const lines: string[] = [];
        const deps = platform.deps(line => lines.push(line));
        const writer = new Writer(platform, () => platform.stacks.owner());
        const blueRedis = new Redis(platform.redis.blue.url);
        const greenRedis = new Redis(platform.redis.green.url);
        try {
            await blueRedis.set("sess:alice", "alice-session", "PX", 600_000);
            await blueRedis.set("sess:bob", "bob-session");
            await blueRedis.rpush("bull:mail:wait", "job-1", "job-2", "job-3");
            await blueRedis.set("cache:front-page", "rendered", "EX", 60);
            writer.start();
            await writer.progress(50);

            const synced = await sync(deps, SETTINGS, "green");
            expect(synced).toEqual(expect.objectContaining({ kind: "done" }));
            expect(lines.some(line => /^\[[#.]{20}\] ivor \d\/2 tables/.test(line))).toBe(true);

            const verified = await verify(deps, SETTINGS, "green");
            expect(verified).toMatchObject({ kind: "done" });
            expect(verified.message).toMatch(/row counts and checksums match: ivor 1 tables, \d+ rows/);

            await writer.progress(50);
            const maxBlueId = Math.max(...writer.idsBy.blue);
            const result = await cutover(deps, SETTINGS, "green", "cutover");
            expect(result).toMatchObject({ kind: "done" });
            expect(platform.stacks.flips).toEqual(["green"]);
            expect(result.freezeMs).toBeLessThan(SETTINGS.freezeBoundMs);

            await writer.progress(100);
            // Sequences continued past the old owner's values: no key was handed out twice.
            expect(Math.min(...writer.idsBy.green)).toBeGreaterThan(maxBlueId);
            expect(writer.errors.filter(e => e.code === "23505")).toEqual([]);

            // The old owner is fenced: the applications' role cannot connect to it.
            await expect(platform.pg.blue.query("ivor", "SELECT has_database_privilege('ivor', 'ivor', 'CONNECT') AS ok")).resolves.toEqual([{ ok: false }]);
            // Reverse replication: everything written on green after the cutover reaches blue.
            for (const db of APP_DATABASES) await waitFor(async () => (await platform.pg.green.query(db, "SELECT 1 FROM pg_stat_replication")).length > 0, 10_000);

            // Redis: sessions and jobs survived with their TTLs, the cache did not travel.
            const ttl = await greenRedis.pttl("sess:alice");
            expect(ttl).toBeGreaterThan(500_000);
            expect(ttl).toBeLessThanOrEqual(600_000);
            expect(await greenRedis.get("sess:alice")).toBe("alice-session");
            expect(await greenRedis.pttl("sess:bob")).toBe(-1);
            expect(await greenRedis.lrange("bull:mail:wait", 0, -1)).toEqual(["job-1", "job-2", "job-3"]);
            expect(await greenRedis.exists("cache:front-page")).toBe(0);

            const rolledBack = await cutover(deps, SETTINGS, "blue", "rollback");
            expect(rolledBack).toMatchObject({ kind: "done" });
            expect(platform.stacks.flips).toEqual(["green", "blue"]);
            await writer.progress(100);
            await writer.stop();

            expect(await writer.missingOn(platform, "blue")).toEqual([]);
            expect(writer.errors.filter(e => e.code === "23505")).toEqual([]);
            // After the rollback green follows blue again, and the two agree row for row.
            for (const db of APP_DATABASES) await waitFor(() => digestsMatch(db), 20_000, `${db} digests to match`);
            const journal = await deps.journal.read();
            expect(latestCutover(journal)).toMatchObject({ kind: "rollback", state: "completed", from: "green", to: "blue" });
            expect(journal.map(e => e.seq)).toEqual(journal.map((_, i) => i + 1));

            const reported: string[] = [];
            await status({ ...deps, report: line => reported.push(line) }, SETTINGS);
            expect(reported).toContain("roles: blue owner, green candidate");
            expect(reported.some(line => /^ivor: blue -> green streaming/.test(line))).toBe(true);
            expect(reported.join("\n")).not.toContain("s3cret");
        } finally {
            await writer.stop();
            blueRedis.disconnect();
            greenRedis.disconnect();
        }
    }, 180_000);

    it("migrates expand-only on the candidate first, then the owner, while replication keeps running; holds a contract migration", async () => {
        await resetPlatform(platform);
        const deps = platform.deps();
        expect(await sync(deps, SETTINGS, "green")).toMatchObject({ kind: "done" });
        const dir = join(__dirname, "fixtures/migrations");
        const lines = await migrate({ colour: "green", contract: false, dir }, platform.stacks, platform.env());
        expect(lines).toEqual([
            "events: applied 001_rsvps (expand) on blue after green",
            "events: held 002_drop_body (contract): run with --contract once no serving release reads the old schema",
            "migrate for green: 1 applied, schema owned by blue",
        ]);
        // Rows written after the migration, in the new table and the new column, replicate.
        await platform.pg.blue.query("events", "SET ROLE events; INSERT INTO rsvps (event_id, name) VALUES (1, 'ada'); INSERT INTO events (body, capacity) VALUES ('gig', 40)");
        await waitFor(async () => (await platform.pg.green.query("events", "SELECT count(*)::int AS n FROM rsvps")).at(0)?.n === 1, 20_000, "rsvps to replicate");
        await waitFor(async () => (await platform.pg.green.query("events", "SELECT count(*)::int AS n FROM events WHERE capacity = 40")).at(0)?.n === 1, 20_000, "the new column to replicate");
        // A rerun applies nothing twice.
        expect(await migrate({ colour: "green", contract: false, dir }, platform.stacks, platform.env())).toContain("migrate for green: 0 applied, schema owned by blue");
        expect(await verify(deps, SETTINGS, "green")).toMatchObject({ kind: "done" });
    }, 120_000);
});
