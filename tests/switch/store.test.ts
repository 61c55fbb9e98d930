import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileObjectStore } from "../../switch/fileStore";
import { JournalEvent, SequencedJournal } from "../../switch/journal";
import { LockBackend, SwitchLock } from "../../switch/lock";
import { FileLockBackend, ObjectLockBackend } from "../../switch/lockBackends";
import { S3ObjectStore } from "../../switch/objectStore";
import { S3_KEYS, startFakeS3 } from "./support/fakeS3";

let dir: string;
let s3: Awaited<ReturnType<typeof startFakeS3>>;
beforeAll(async () => { s3 = await startFakeS3("blkout-switch", 2); });
afterAll(() => s3.close());
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), "blkout-store-")); s3.objects.clear(); s3.failWrites = undefined; });
afterEach(() => rm(dir, { recursive: true, force: true }));

const s3Store = () => new S3ObjectStore({ endpoint: s3.url, bucket: "blkout-switch", ...S3_KEYS });
const meta = (at: string, fence = 1) => ({ fence, by: "t@example.org", at });
const aborted: JournalEvent = { type: "aborted" };

describe("S3ObjectStore (AWS SDK v3) against an S3 fake on loopback", () => {
    it("creates only when absent, replaces only on the current ETag (412 otherwise), reads and lists across pages", async () => {
        const s = s3Store();
        expect(await s.create("a/1.json", "{\"n\":1}")).toBe(true);
        expect(await s.create("a/1.json", "{}")).toBe(false);
        const first = await s.get("a/1.json");
        expect(first).toEqual({ body: "{\"n\":1}", version: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
        expect(await s.replace("a/1.json", "{\"n\":2}", first!.version)).toBe(true);
        expect(await s.replace("a/1.json", "{\"n\":3}", first!.version)).toBe(false);
        expect((await s.get("a/1.json"))?.body).toBe("{\"n\":2}");
        await s.create("a/2.json", "2");
        await s.create("a/3 & more.json", "3");
        await s.create("b/1.json", "x");
        expect(await s.list("a/")).toEqual(["a/1.json", "a/2.json", "a/3 & more.json"]);
        expect(await s.get("a/none.json")).toBeUndefined();
        expect(s3.requests.some(r => r.headers["if-none-match"] === "*")).toBe(true);
        expect(s3.requests.some(r => r.headers["if-match"] === first!.version)).toBe(true);
    });

    it("fails with the store's error code and never echoes the secret", async () => {
        s3.failWrites = "SlowDown";
        const error = await s3Store().create("x", "1").catch((e: Error) => e);
        expect(String(error)).toMatch(/^Error: object store PUT x: HTTP 503 SlowDown$/);
        expect(String(error)).not.toContain(S3_KEYS.secretAccessKey);
    });
});

describe.each([
    ["a directory", () => new SequencedJournal(new FileObjectStore(dir))],
    ["an object store", () => new SequencedJournal(s3Store(), "prod/")],
])("the journal in %s", (_name, make) => {
    it("numbers entries per switch 1, 2, 3 and returns them by sequence, whatever their clocks said", async () => {
        const journal = make();
        const a = "sw-000001-20250601T100000Z-aaaaaa";
        const b = "sw-000002-20250601T090000Z-bbbbbb";
        await journal.append(a, { type: "abort-requested" }, meta("2025-06-01T10:10:00.000Z"));
        await journal.append(b, { type: "abort-requested" }, meta("2025-06-01T11:00:01.000Z"));
        // A second machine ten minutes behind writes the next entry of switch a.
        await make().append(a, aborted, meta("2025-06-01T10:00:00.000Z"));
        expect(await journal.switchIds()).toEqual([a, b]);
        const read = await journal.read(a);
        expect(read.entries.map(e => [e.seq, e.type])).toEqual([[1, "abort-requested"], [2, "aborted"]]);
        expect(read.problems).toEqual([]);
    });

    it("never loses an entry when writers race for the same sequence number", async () => {
        const writers = Array.from({ length: 5 }, make);
        await Promise.all(writers.flatMap((w, i) => Array.from({ length: 4 }, (_, j) => w.append("sw-000001-x", { type: "halted", reason: `${i}-${j}` }, meta("2025-06-01T10:00:00.000Z")))));
        const read = await make().read("sw-000001-x");
        expect(read.entries.map(e => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(new Set(read.entries.map(e => (e.type === "halted" ? e.reason : ""))).size).toBe(20);
    });
});

describe("FileObjectStore", () => {
    it("never lists a temp file a crashed writer left, and never half-writes an entry", async () => {
        const store = new FileObjectStore(dir);
        await store.create("journal/sw-1/00000001.json", "{}");
        await writeFile(join(dir, "journal", "sw-1", "00000002.json.123.abcd.tmp"), "{\"torn");
        expect(await store.list("journal/")).toEqual(["journal/sw-1/00000001.json"]);
        expect(await store.create("journal/sw-1/00000001.json", "other")).toBe(false);
        expect((await store.get("journal/sw-1/00000001.json"))?.body).toBe("{}");
    });
});

describe.each([
    ["a directory of generations", (): LockBackend => new FileLockBackend(join(dir, "switch.lock"))],
    ["an object with ETags", (): LockBackend => new ObjectLockBackend(s3Store(), "prod/switch.lock")],
])("the switch lock in %s", (_name, backend) => {
    let now = 1_000_000;
    const lock = (host = "runner-1", alive = (_pid: number) => true) => new SwitchLock(backend(), { now: () => now, host, alive });

    it("lets one holder in with fence 1, refuses a second, frees on release, and raises the fence for the next", async () => {
        const a = await lock().acquire(lock().holderFor({ by: "a", purpose: "switch to green", switchId: "sw-1" }, 60_000));
        expect(a).toMatchObject({ ok: true, holder: { fence: 1 } });
        const b = lock().holderFor({ by: "b", purpose: "switch to blue" }, 60_000);
        expect(await lock().acquire(b)).toEqual({ ok: false, holder: a.holder });
        await lock().release(b);
        expect(await lock().current()).toEqual(a.holder);
        await lock().release(a.holder);
        expect(await lock().current()).toBeUndefined();
        expect(await lock().acquire(b)).toMatchObject({ ok: true, holder: { fence: 2 } });
    });

    it("lapses when the lease is not renewed; the taker gets a higher fence and the lapsed holder is fenced off", async () => {
        const a = (await lock().acquire(lock().holderFor({ by: "a", purpose: "p" }, 60_000))).holder;
        now += 30_000;
        const renewed = await lock().renew(a, 60_000);
        expect(renewed).toMatchObject({ fence: 1, expiresAt: now + 60_000 });
        now += 61_000;
        const b = await lock("runner-2").acquire(lock("runner-2").holderFor({ by: "b", purpose: "resume" }, 60_000));
        expect(b).toMatchObject({ ok: true, holder: { fence: 2 } });
        expect(await lock().renew(renewed!, 60_000)).toBeUndefined();
        expect(await lock().owns(renewed!)).toBe(false);
        expect(await lock().owns(b.holder)).toBe(true);
    });

    it("takes a live lock only when forced, and then fences the holder off", async () => {
        const a = (await lock().acquire(lock().holderFor({ by: "a", purpose: "switch" }, 60_000))).holder;
        const rollback = await lock("laptop").acquire(lock("laptop").holderFor({ by: "ops", purpose: "roll back" }, 60_000), { force: true });
        expect(rollback).toMatchObject({ ok: true, holder: { fence: 2 } });
        expect(await lock().renew(a, 60_000)).toBeUndefined();
    });

    it("frees at once a lock whose holder died on this host, but not one held from another host", async () => {
        const dead = (await lock("runner-1").acquire(lock("runner-1").holderFor({ by: "a", purpose: "p" }, 60_000))).holder;
        expect(await lock("runner-1", () => false).current()).toBeUndefined();
        expect(await lock("runner-9", () => false).current()).toEqual(dead);
    });

    it("lets exactly one of many runs take over the same stale lock", async () => {
        await lock().acquire(lock().holderFor({ by: "crashed", purpose: "p" }, 1000));
        now += 5000;
        const results = await Promise.all(Array.from({ length: 6 }, (_, i) => lock(`host-${i}`).acquire(lock(`host-${i}`).holderFor({ by: `run-${i}`, purpose: "resume" }, 60_000))));
        expect(results.filter(r => r.ok)).toHaveLength(1);
    });
});

describe("FileLockBackend", () => {
    it("keeps generation 1 and the latest two, so creation cannot succeed twice", async () => {
        const lock = new SwitchLock(new FileLockBackend(join(dir, "switch.lock")), { now: () => 1, host: "h", alive: () => true });
        let holder = (await lock.acquire(lock.holderFor({ by: "a", purpose: "p" }, 10_000))).holder;
        for (let i = 0; i < 5; i++) holder = (await lock.renew(holder, 10_000))!;
        expect(await readdir(join(dir, "switch.lock"))).toEqual(["0000000001.json", "0000000005.json", "0000000006.json"]);
        expect(await new FileLockBackend(join(dir, "switch.lock")).create(holder)).toBe(false);
    });
});
