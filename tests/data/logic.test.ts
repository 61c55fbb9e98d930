import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OutputMap, UpOptions, UpResult } from "@pulumi/pulumi/automation";
import { subscriptionProblems } from "../../data/checks";
import { runDataCli } from "../../data/cli";
import { freezeExpired, lockWaitMs } from "../../data/freeze";
import { parseMigrateArgs } from "../../data/migrate";
import { expandProblems, loadMigrations, pendingMigrations } from "../../data/migrations";
import { DataJournal, latestCutover, parseJournal, recoveryFor } from "../../data/journal";
import { describeUrl, lsnBytes, scrub } from "../../data/pg";
import { DatabaseFacts, preflightProblems, ServerFacts } from "../../data/preflight";
import { PulumiDataStacks, StackHandle } from "../../data/pulumiStacks";
import { redisVersionProblem, restoreTtl } from "../../data/redis";
import { withoutMetaCommands } from "../../data/replication";
import { endpointsFrom, parseDataArgs } from "../../data/settings";
import { ownerStackName, roleConfig } from "../../data/stacks";
import { digestDifferences } from "../../data/verify";

const db = (over: Partial<DatabaseFacts> = {}): DatabaseFacts => ({
    tables: ["public.events"], keyless: [], extensions: [], availableExtensions: ["pgcrypto", "citext"], subscriptions: [], ...over,
});
const server = (over: Partial<ServerFacts> = {}, dbs: Record<string, DatabaseFacts | undefined> = { events: db() }): ServerFacts => ({
    versionNum: 150004, walLevel: "logical", freeSlots: 10, freeWalSenders: 10, roles: ["events"], databases: dbs, ...over,
});
const input = (owner: ServerFacts | Error, candidate: ServerFacts | Error) => ({
    owner: "blue" as const, candidate: "green" as const, databases: ["events"], appRoles: ["events"], facts: { blue: owner, green: candidate },
});

describe("preflightProblems", () => {
    it("passes an empty candidate of the same or a newer major", () => {
        expect(preflightProblems(input(server(), server({ versionNum: 160002 }, { events: db({ tables: [] }) })))).toEqual([]);
    });

    it("names every problem at once: downgrade, wal_level, slots, keyless table, missing extension, role, unrelated data", () => {
        const owner = server({ versionNum: 160001, freeSlots: 0 }, { events: db({ keyless: ["public.audit_log"], extensions: ["postgis"] }) });
        const candidate = server({ versionNum: 150010, walLevel: "replica", roles: [] }, { events: db({ tables: ["public.drafts"] }) });
        expect(preflightProblems(input(owner, candidate))).toEqual([
            "version downgrade: candidate green runs PostgreSQL 15, older than owner blue's 16",
            "green: wal_level is replica; logical replication (both directions) needs wal_level = logical",
            "blue: 0 free replication slots, 1 needed (max_replication_slots)",
            "green: application role events does not exist (the schema's grants name it)",
            "blue/events: table public.audit_log has no primary key or replica identity; logical replication cannot carry its updates and deletes",
            "green/events: extensions postgis are installed on blue but not available here",
            "green/events: holds 1 tables (public.drafts) but is not subscribed to blue: refusing to overwrite unrelated data",
        ]);
    });

    it("accepts a candidate already subscribed to the owner, and reports unreachable servers and missing databases", () => {
        expect(preflightProblems(input(server(), server({}, { events: db({ subscriptions: ["blkout_from_blue"] }) })))).toEqual([]);
        expect(preflightProblems(input(new Error("connect ECONNREFUSED"), server()))).toEqual(["blue (owner) PostgreSQL unreachable: connect ECONNREFUSED"]);
        expect(preflightProblems(input(server(), server({}, { events: undefined })))).toEqual(["green: database events does not exist (the candidate's stack creates it)"]);
    });
});

describe("subscriptionProblems", () => {
    const ready = { exists: true, enabled: true, tableStates: { r: 2 } };
    it("wants every table copied and the subscription streaming before a cutover, and reverse replication before a rollback", () => {
        expect(subscriptionProblems("cutover", "green", "blue", { ivor: ready })).toEqual([]);
        expect(subscriptionProblems("cutover", "green", "blue", { ivor: { ...ready, tableStates: { r: 1, d: 1 } } })).toEqual(["green/ivor: 1 tables still in their initial copy"]);
        expect(subscriptionProblems("cutover", "green", "blue", { ivor: { exists: false, enabled: false, tableStates: {} } })[0]).toContain("run `sync --to green` first");
        expect(subscriptionProblems("rollback", "blue", "green", { ivor: { exists: false, enabled: false, tableStates: {} } })[0]).toContain("reverse replication is gone");
        expect(subscriptionProblems("sync", "green", "blue", { ivor: { exists: false, enabled: false, tableStates: {} } })).toEqual([]);
    });
});

describe("digestDifferences", () => {
    it("names a missing table, a row count and a checksum difference", () => {
        const owner = { "public.a": { rows: 3, checksum: "10" }, "public.b": { rows: 2, checksum: "5" }, "public.c": { rows: 1, checksum: "1" } };
        const candidate = { "public.a": { rows: 3, checksum: "10" }, "public.b": { rows: 2, checksum: "6" }, "public.c": { rows: 0, checksum: "0" } };
        expect(digestDifferences("ivor", owner, candidate)).toEqual([
            "ivor.public.b: 2 rows on both but checksums differ",
            "ivor.public.c: 1 rows on the owner, 0 on the candidate",
        ]);
        expect(digestDifferences("ivor", { "public.a": owner["public.a"] }, {})).toEqual(["ivor.public.a: missing on the candidate"]);
    });
});

describe("journal", () => {
    const entry = (seq: number, extra: object) => JSON.stringify({ v: 1, seq, cutoverId: "dc-1", at: "t", by: "me", fence: "f", ...extra });
    const start = entry(1, { type: "start", from: "blue", to: "green", kind: "cutover", freezeBoundMs: 30000 });

    it("drops a torn last line, refuses another format version or a gap in the sequence", () => {
        expect(parseJournal(`${start}\n{"v":1,"se`, "j")).toHaveLength(1);
        expect(() => parseJournal(`${start.replace('"v":1', '"v":2')}\n`, "j")).toThrow("format version 2, this tool reads 1");
        expect(() => parseJournal(`${start}\n${entry(3, { type: "phase", phase: "frozen" })}\n`, "j")).toThrow("sequence number 3");
    });

    it("undoes a cutover interrupted before the flip and finishes one interrupted after it", () => {
        const before = parseJournal(`${start}\n${entry(2, { type: "phase", phase: "reversed" })}\n`, "j");
        expect(recoveryFor(latestCutover(before)!)).toBe("undo");
        const after = parseJournal(`${start}\n${entry(2, { type: "phase", phase: "flipped" })}\n`, "j");
        expect(recoveryFor(latestCutover(after)!)).toBe("finish");
        const done = parseJournal(`${start}\n${entry(2, { type: "completed", freezeMs: 900 })}\n`, "j");
        expect(latestCutover(done)).toMatchObject({ state: "completed", freezeMs: 900 });
        expect(recoveryFor(latestCutover(done)!)).toBe("none");
    });

    it("numbers appended entries and cuts a torn line a crash left", async () => {
        const dir = mkdtempSync(join(tmpdir(), "blkout-journal-"));
        try {
            const journal = new DataJournal(join(dir, "journal.jsonl"));
            await journal.append({ type: "phase", phase: "frozen" }, { cutoverId: "dc-1", by: "me", fence: "tok" });
            writeFileSync(join(dir, "journal.jsonl"), `${readFileSync(join(dir, "journal.jsonl"), "utf8")}{"torn`);
            await journal.append({ type: "phase", phase: "caught-up" }, { cutoverId: "dc-1", by: "me", fence: "tok" });
            expect((await journal.read()).map(e => [e.seq, e.type === "phase" && e.phase, e.fence])).toEqual([[1, "frozen", "tok"], [2, "caught-up", "tok"]]);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("arguments and credentials", () => {
    const env = {
        BLKOUT_DATA_BLUE_POSTGRES_URL: "postgresql://doadmin:pw-blue@10.0.0.1:25060/defaultdb", BLKOUT_DATA_GREEN_POSTGRES_URL: "postgresql://doadmin:pw-green@10.0.0.2:25060/defaultdb",
        BLKOUT_DATA_BLUE_REDIS_URL: "rediss://default:rpw@10.0.0.3:25061", BLKOUT_DATA_GREEN_REDIS_URL: "rediss://default:rpw2@10.0.0.4:25061",
    };

    it("reports every bad flag at once", () => {
        expect(parseDataArgs(["cutover", "--to", "purple", "--freeze-bound", "soon", "--databases", "Bad-Name"], {}).problems).toEqual([
            "--to: expected blue or green, got \"purple\"",
            "--databases: expected a comma-separated list of names, got \"Bad-Name\"",
            "--freeze-bound: expected a duration like 60s, 2m or 1500ms, got \"soon\"",
        ]);
        expect(parseDataArgs(["sync"], {}).problems).toEqual(["--to: expected a colour (blue or green), got nothing"]);
        expect(parseDataArgs(["status"], {}).options).toMatchObject({ command: "status", freezeBoundMs: 30_000, databases: ["ivor", "events", "newsroom"] });
    });

    it("names missing or malformed credentials without echoing them", () => {
        const { problems } = endpointsFrom({ ...env, BLKOUT_DATA_GREEN_POSTGRES_URL: undefined, BLKOUT_DATA_BLUE_REDIS_URL: "http://x:secretvalue@h" });
        expect([...problems].sort()).toEqual([
            "BLKOUT_DATA_BLUE_REDIS_URL: expected a redis/rediss:// URL, got a http:// URL",
            "BLKOUT_DATA_GREEN_POSTGRES_URL: not set (expected a postgresql:// URL with credentials)",
        ]);
        expect(problems.join("\n")).not.toContain("secretvalue");
    });

    it("exits 1 on bad input before touching anything, and never prints a password", async () => {
        let out = "";
        const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) }, env: { BLKOUT_DATA_BLUE_POSTGRES_URL: env.BLKOUT_DATA_BLUE_POSTGRES_URL }, cwd: "/nonexistent" } as never;
        const stacks = jest.fn();
        expect(await runDataCli(["cutover", "--to", "green"], io, stacks)).toBe(1);
        expect(stacks).not.toHaveBeenCalled();
        expect(out).toContain("BLKOUT_DATA_GREEN_POSTGRES_URL: not set");
        expect(out).not.toContain("pw-blue");
    });

    it("cuts passwords out of messages and URLs", () => {
        expect(scrub("password authentication failed for postgresql://doadmin:pw-blue@h/db (pw-blue)", env.BLKOUT_DATA_BLUE_POSTGRES_URL))
            .toBe("password authentication failed for postgresql://doadmin:***@h/db (***)");
        expect(describeUrl(env.BLKOUT_DATA_BLUE_POSTGRES_URL)).toBe("doadmin@10.0.0.1:25060/defaultdb");
    });
});

describe("small decisions", () => {
    it("LSNs, freeze bounds, TTLs, Redis versions, pg_dump meta-commands", () => {
        expect(lsnBytes("1/0")).toBe(2 ** 32);
        expect(lsnBytes("0/16B3748")).toBe(0x16b3748);
        expect(lsnBytes(null)).toBeUndefined();
        expect(freezeExpired(1000, 5000, 5999)).toBe(false);
        expect(freezeExpired(1000, 5000, 6000)).toBe(true);
        expect(lockWaitMs(30_000)).toBe(2000);
        expect(lockWaitMs(500)).toBe(200);
        expect(restoreTtl(-1)).toBe(0);
        expect(restoreTtl(-2)).toBeUndefined();
        expect(restoreTtl(1234)).toBe(1234);
        expect(redisVersionProblem("redis_version:7.2.4\n", "redis_version:6.2.1\n")).toBe("Redis downgrade: the candidate runs 6, older than the owner's 7");
        expect(redisVersionProblem("redis_version:7.0.15\n", "redis_version:7.2.4\nvalkey_version:8.0.1\n")).toBeUndefined();
        expect(withoutMetaCommands("\\restrict abc\nCREATE TABLE t ();\n\\unrestrict abc\n")).toBe("CREATE TABLE t ();\n");
    });
});

describe("role flip through the Automation API", () => {
    class FakeStack implements StackHandle {
        readonly calls: unknown[][] = [];
        constructor(private readonly colour: string, private role: string, private readonly ownerStack?: string) {}
        async setAllConfig(config: Record<string, { value: string }>, path?: boolean) {
            this.calls.push(["setAllConfig", config, path]);
            this.role = config["blkout-platform:data.role"].value;
        }
        async removeConfig(key: string, path?: boolean) { this.calls.push(["removeConfig", key, path]); }
        async getConfig(key: string) {
            if (key === "blkout-platform:data.ownerStack" && this.ownerStack) return { value: this.ownerStack };
            throw new Error("not set");
        }
        async up(options?: UpOptions): Promise<UpResult> {
            this.calls.push(["up", options?.message]);
            return { stdout: "", stderr: "", outputs: {}, summary: {} as UpResult["summary"] };
        }
        async outputs(): Promise<OutputMap> { return { colour: { value: this.colour, secret: false }, dataRole: { value: this.role, secret: false } }; }
    }

    it("updates the new owner first, then makes the old owner its candidate, and reads the roles back", async () => {
        const blue = new FakeStack("blue", "owner");
        const green = new FakeStack("green", "candidate", "organization/blkout-platform/blue");
        const order: string[] = [];
        const stacks = new PulumiDataStacks({ colourDir: "/repo", selectStack: async args => { order.push(args.stackName); return args.stackName === "blue" ? blue : green; } });
        expect(await stacks.setOwner("green")).toEqual({ blue: "candidate", green: "owner" });
        expect(green.calls).toEqual([
            ["setAllConfig", { "blkout-platform:data.role": { value: "owner" } }, true],
            ["removeConfig", "blkout-platform:data.ownerStack", true],
            ["up", "blkout data: green owns the data"],
        ]);
        expect(blue.calls).toEqual([
            ["setAllConfig", { "blkout-platform:data.role": { value: "candidate" }, "blkout-platform:data.ownerStack": { value: "organization/blkout-platform/green" } }, true],
            ["up", "blkout data: green owns the data"],
        ]);
        expect(order.indexOf("green")).toBeLessThan(order.lastIndexOf("blue"));
        expect(ownerStackName("org/proj/blue", "green")).toBe("org/proj/green");
        expect(roleConfig("blue", "blue", "x").set).toEqual({ "blkout-platform:data.role": { value: "owner" } });
    });
});

describe("expand/contract migrations", () => {
    const m = (id: string, phase: "expand" | "contract", checksum = id) => ({ database: "events", id, phase, sql: "", checksum });

    it("lets an expand migration only add", () => {
        expect(expandProblems("CREATE TABLE rsvps (id bigserial PRIMARY KEY);\nALTER TABLE events ADD COLUMN capacity int NOT NULL DEFAULT 100;\n-- later: DROP COLUMN body")).toEqual([]);
        expect(expandProblems("ALTER TABLE events ADD COLUMN venue text;")).toEqual([]);
        expect(expandProblems("ALTER TABLE events DROP COLUMN body;")).toEqual(["drops something a serving release may read", "drops a column or constraint from a table"]);
        expect(expandProblems("ALTER TABLE events RENAME COLUMN body TO text;")).toEqual(["renames (the serving release still uses the old name)"]);
        expect(expandProblems("ALTER TABLE events ADD COLUMN venue text NOT NULL;")).toEqual(["adds a NOT NULL column without a DEFAULT (the serving release's inserts would fail)"]);
        expect(expandProblems("ALTER TABLE events ALTER COLUMN venue SET NOT NULL;")).toEqual(["makes a column NOT NULL (the serving release may still write nulls)"]);
        expect(expandProblems("ALTER TABLE events ALTER COLUMN capacity TYPE bigint;")).toEqual(["changes a column's type"]);
    });

    it("reads the committed fixtures, refusing a contracting expand by name", () => {
        const { migrations, problems } = loadMigrations(join(__dirname, "fixtures/migrations"), ["ivor", "events"]);
        expect(problems).toEqual([]);
        expect(migrations.map(x => `${x.database}/${x.id} ${x.phase}`)).toEqual(["events/001_rsvps expand", "events/002_drop_body contract"]);
        const dir = mkdtempSync(join(tmpdir(), "blkout-migrations-"));
        try {
            mkdirSync(join(dir, "ivor"));
            writeFileSync(join(dir, "ivor", "001_tidy.expand.sql"), "DROP TABLE legacy;");
            writeFileSync(join(dir, "ivor", "two.sql"), "SELECT 1;");
            expect(loadMigrations(dir, ["ivor"]).problems).toEqual([
                "ivor/001_tidy.expand.sql: an expand migration drops something a serving release may read; make it a .contract.sql to run once no serving release needs the old schema",
                "ivor/two.sql: expected a name like 001_add_rsvps.expand.sql or 002_drop_legacy.contract.sql",
            ]);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("runs pending migrations in order, holds everything from the first contract one unless asked, and refuses an edited one", () => {
        const all = [m("001_a", "expand"), m("002_b", "contract"), m("003_c", "expand")];
        expect(pendingMigrations(all, [{ id: "001_a", checksum: "001_a" }], false)).toMatchObject({ run: [], held: [{ id: "002_b" }, { id: "003_c" }], problems: [] });
        expect(pendingMigrations(all, [], true).run.map(x => x.id)).toEqual(["001_a", "002_b", "003_c"]);
        expect(pendingMigrations(all, [{ id: "001_a", checksum: "other" }], true).problems).toEqual(["events/001_a: changed after it was applied (checksum differs); add a new migration instead"]);
        expect(parseMigrateArgs(["--colour", "red"]).problems).toEqual(["--colour: expected blue or green, got \"red\""]);
        expect(parseMigrateArgs(["--colour", "green", "--contract"]).options).toMatchObject({ colour: "green", contract: true, dir: "migrations" });
    });
});
