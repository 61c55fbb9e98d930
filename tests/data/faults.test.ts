import { Client } from "pg";
import { cutover } from "../../data/cutover";
import { sync, verify } from "../../data/commands";
import { DataSettings } from "../../data/context";
import { latestCutover } from "../../data/journal";
import { APP_DATABASES, waitFor } from "./support/servers";
import { Platform, resetPlatform, SETTINGS, startPlatform } from "./support/platform";
import { Writer } from "./support/writer";

/** What goes wrong on the way, on real servers: each fault ends with the owner serving and nothing lost. */

let platform: Platform;
let writer: Writer | undefined;

beforeAll(async () => {
    platform = await startPlatform();
}, 120_000);

afterEach(async () => {
    await writer?.stop();
    writer = undefined;
});

afterAll(async () => {
    await platform?.stop();
});

async function syncedWithWriter(seedRows = 200): Promise<{ lines: string[] }> {
    await resetPlatform(platform, seedRows);
    writer = new Writer(platform, () => platform.stacks.owner());
    writer.start();
    const lines: string[] = [];
    expect(await sync(platform.deps(line => lines.push(line)), SETTINGS, "green")).toMatchObject({ kind: "done" });
    return { lines };
}

/** The apply worker on green waits behind this transaction's lock: replication stalls, as with a stuck or slow candidate. */
async function stallApply(db: string): Promise<Client> {
    const client = new Client({ connectionString: platform.pg.green.url.replace(/\/postgres$/, `/${db}`) });
    client.on("error", () => undefined);
    await client.connect();
    await client.query("BEGIN");
    await client.query("LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE");
    return client;
}

async function ownerUntouched(): Promise<void> {
    const journal = await platform.deps().journal.read();
    expect(journal.some(e => e.type === "phase" && e.phase === "frozen")).toBe(false);
    expect(latestCutover(journal)).toMatchObject({ state: "aborted" });
    expect(platform.stacks.flips).toEqual([]);
    expect(await platform.pg.blue.query("ivor", "SELECT has_database_privilege('ivor', 'ivor', 'CONNECT') AS ok")).toEqual([{ ok: true }]);
    // No freeze: the applications keep writing to blue.
    await writer!.progress(30, 5000);
}

describe("data cutover faults on real servers", () => {
    it("refuses a table without a primary key up front and changes nothing", async () => {
        await resetPlatform(platform);
        await platform.pg.blue.query("events", "SET ROLE events; CREATE TABLE audit_log (at timestamptz, line text)");
        const outcome = await sync(platform.deps(), SETTINGS, "green");
        expect(outcome.kind).toBe("refused");
        expect(outcome.message).toContain("blue/events: table public.audit_log has no primary key or replica identity");
        expect(await platform.pg.blue.query("events", "SELECT pubname FROM pg_publication")).toEqual([]);
        expect(await platform.pg.green.query("events", "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'audit_log'")).toEqual([{ n: 0 }]);
        expect(await platform.deps().journal.read()).toEqual([]);
    }, 60_000);

    it("refuses a candidate that holds unrelated data, and a cutover to the colour that already owns", async () => {
        await resetPlatform(platform);
        await platform.pg.green.query("newsroom", "SET ROLE newsroom; CREATE TABLE drafts (id int PRIMARY KEY)");
        const unrelated = await sync(platform.deps(), SETTINGS, "green");
        expect(unrelated.message).toContain("green/newsroom: holds 1 tables (public.drafts) but is not subscribed to blue: refusing to overwrite unrelated data");
        const same = await cutover(platform.deps(), SETTINGS, "blue", "cutover");
        expect(same).toMatchObject({ kind: "refused" });
        expect(same.message).toContain("blue already owns the data");
        expect(await platform.pg.green.query("ivor", "SELECT count(*)::int AS n FROM pg_subscription")).toEqual([{ n: 0 }]);
    }, 60_000);

    it("aborts before any freeze when catch-up never converges within the timeout", async () => {
        await syncedWithWriter();
        const stall = await stallApply("ivor");
        try {
            await writer!.progress(200);
            const settings: DataSettings = { ...SETTINGS, catchUpTimeoutMs: 2000, maxLagBytes: 1024 };
            const outcome = await cutover(platform.deps(), settings, "green", "cutover");
            expect(outcome.kind).toBe("aborted");
            expect(outcome.message).toMatch(/aborted before any freeze: green did not catch up within 2 s \(lag ivor \d+ B/);
            await ownerUntouched();
        } finally {
            await stall.end();
        }
    }, 90_000);

    it("aborts when the candidate dies during catch-up: owner untouched, no freeze", async () => {
        await syncedWithWriter();
        const stall = await stallApply("ivor");
        const lines: string[] = [];
        try {
            await writer!.progress(200);
            const running = cutover(platform.deps(line => lines.push(line)), { ...SETTINGS, maxLagBytes: 1024 }, "green", "cutover");
            await waitFor(async () => lines.some(line => line.startsWith("catching up")), 20_000, "the catch-up wait");
            await platform.pg.green.stop("immediate");
            const outcome = await running;
            expect(outcome.kind).toBe("aborted");
            expect(outcome.message).toContain("green became unreachable while catching up");
            await ownerUntouched();
        } finally {
            await stall.end().catch(() => undefined);
            await platform.pg.green.startProcess();
        }
    }, 90_000);

    it("survives an owner restart mid-sync: sync completes and the copies verify", async () => {
        await resetPlatform(platform, 20_000);
        writer = new Writer(platform, () => platform.stacks.owner());
        writer.start();
        const lines: string[] = [];
        const deps = platform.deps(line => lines.push(line));
        const running = sync(deps, SETTINGS, "green");
        await waitFor(async () => lines.some(line => line.startsWith("[")), 30_000, "the first progress line");
        await platform.pg.blue.restart();
        expect(await running).toMatchObject({ kind: "done" });
        await writer.progress(50);
        expect(await verify(deps, SETTINGS, "green")).toMatchObject({ kind: "done" });
        await writer.stop();
        expect(await writer.missingOn(platform, "blue")).toEqual([]);
        for (const db of APP_DATABASES) {
            expect((await platform.pg.blue.query(db, "SELECT count(*)::int AS n FROM pg_replication_slots WHERE active")).length).toBe(1);
        }
    }, 120_000);
});
