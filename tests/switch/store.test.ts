import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileJournal, JournalEntry, ObjectStoreJournal } from "../../switch/journal";
import { FileLockBackend, LockBackend, ObjectLockBackend, SwitchLock } from "../../switch/lock";
import { S3ObjectStore, signV4 } from "../../switch/objectStore";
import { S3_KEYS, startFakeS3 } from "./support/fakeS3";

let dir: string;
let s3: Awaited<ReturnType<typeof startFakeS3>>;
beforeAll(async () => { s3 = await startFakeS3("blkout-switch", 2); });
afterAll(() => s3.close());
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), "blkout-store-")); s3.objects.clear(); });
afterEach(() => rm(dir, { recursive: true, force: true }));

const store = () => new S3ObjectStore({ endpoint: s3.url, bucket: "blkout-switch", ...S3_KEYS });
const entry = (switchId: string, type: "aborted" | "abort-requested", at: string): JournalEntry => ({ type, switchId, at, by: "t@example.org" });

describe("signV4", () => {
    it("matches AWS's published example (GET Object with a Range header)", () => {
        const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        const authorization = signV4({
            method: "GET", url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
            headers: { Host: "examplebucket.s3.amazonaws.com", Range: "bytes=0-9", "x-amz-content-sha256": empty, "x-amz-date": "20130524T000000Z" },
            payloadHash: empty, accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: "us-east-1", service: "s3", amzDate: "20130524T000000Z",
        });
        expect(authorization).toBe("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    });
});

describe("S3ObjectStore against a signing S3 on loopback", () => {
    it("puts, gets, refuses to overwrite with ifAbsent, lists across pages and deletes", async () => {
        const s = store();
        expect(await s.put("a/1.json", "{\"n\":1}")).toBe(true);
        expect(await s.put("a/1.json", "{}", { ifAbsent: true })).toBe(false);
        expect(await s.get("a/1.json")).toBe("{\"n\":1}");
        await s.put("a/2.json", "2");
        await s.put("a/3 & more.json", "3");
        await s.put("b/1.json", "x");
        expect(await s.list("a/")).toEqual(["a/1.json", "a/2.json", "a/3 & more.json"]);
        await s.delete("a/1.json");
        expect(await s.get("a/1.json")).toBeUndefined();
    });

    it("fails with the store's error code and never echoes the secret", async () => {
        const wrong = new S3ObjectStore({ endpoint: s3.url, bucket: "blkout-switch", accessKeyId: S3_KEYS.accessKeyId, secretAccessKey: "wrong-secret" });
        const error = await wrong.get("x").catch((e: Error) => e);
        expect(String(error)).toBe("Error: object store GET x: HTTP 403 SignatureDoesNotMatch");
        expect(String(error)).not.toContain("wrong-secret");
    });
});

describe.each([
    ["a file", () => new FileJournal(join(dir, "journal.jsonl"))],
    ["an object store", () => new ObjectStoreJournal(store(), "prod/")],
])("the journal in %s", (_name, make) => {
    it("returns entries per switch in the order written, and the switch ids oldest first", async () => {
        const journal = make();
        await journal.append(entry("sw-20250601T100000Z-aaaaaa", "abort-requested", "2025-06-01T10:00:01.000Z"));
        await journal.append(entry("sw-20250601T110000Z-bbbbbb", "abort-requested", "2025-06-01T11:00:01.000Z"));
        await journal.append(entry("sw-20250601T100000Z-aaaaaa", "aborted", "2025-06-01T10:00:01.000Z"));
        expect(await journal.switchIds()).toEqual(["sw-20250601T100000Z-aaaaaa", "sw-20250601T110000Z-bbbbbb"]);
        expect((await journal.read("sw-20250601T100000Z-aaaaaa")).map(e => e.type)).toEqual(["abort-requested", "aborted"]);
        expect(await journal.read()).toHaveLength(3);
    });
});

describe("ObjectStoreJournal", () => {
    it("fetches each entry once, since entries never change, and still sees new ones", async () => {
        const journal = new ObjectStoreJournal(store(), "prod/");
        await journal.append(entry("sw-1", "abort-requested", "2025-06-01T10:00:01.000Z"));
        await journal.read("sw-1");
        const gets = () => s3.requests.filter(r => r.method === "GET" && !r.url.searchParams.has("list-type")).length;
        const before = gets();
        await journal.append(entry("sw-1", "aborted", "2025-06-01T10:00:02.000Z"));
        expect((await journal.read("sw-1")).map(e => e.type)).toEqual(["abort-requested", "aborted"]);
        expect(gets() - before).toBe(1);
    });
});

describe("FileJournal", () => {
    it("ignores a last line torn by a crash, and cuts it before the next entry", async () => {
        const journal = new FileJournal(join(dir, "journal.jsonl"));
        await journal.append(entry("sw-1", "abort-requested", "2025-06-01T10:00:00.000Z"));
        await appendFile(join(dir, "journal.jsonl"), "{\"type\":\"abo");
        expect((await journal.read()).map(e => e.type)).toEqual(["abort-requested"]);
        await journal.append(entry("sw-1", "aborted", "2025-06-01T10:00:02.000Z"));
        expect((await journal.read()).map(e => e.type)).toEqual(["abort-requested", "aborted"]);
    });

    it("rejects a line that is not JSON anywhere but at the end", async () => {
        await appendFile(join(dir, "journal.jsonl"), "not json\n");
        const journal = new FileJournal(join(dir, "journal.jsonl"));
        await journal.append(entry("sw-1", "aborted", "2025-06-01T10:00:02.000Z"));
        await expect(journal.read()).rejects.toThrow(/line 1 is not JSON/);
    });
});

describe.each([
    ["a file", (): LockBackend => new FileLockBackend(join(dir, "switch.lock"))],
    ["an object store", (): LockBackend => new ObjectLockBackend(store(), "prod/switch.lock")],
])("the switch lock in %s", (_name, backend) => {
    let now = 1_000_000;
    const lock = (host = "runner-1", alive = (_pid: number) => true) => new SwitchLock(backend(), { now: () => now, host, alive });

    it("lets one holder in, refuses a second, and frees on release", async () => {
        const a = lock().holderFor({ by: "a", purpose: "switch to green", switchId: "sw-1" }, 60_000);
        const b = lock().holderFor({ by: "b", purpose: "switch to blue" }, 60_000);
        expect((await lock().acquire(a)).ok).toBe(true);
        expect(await lock().acquire(b)).toEqual({ ok: false, holder: a });
        await lock().release(b);
        expect(await lock().current()).toEqual(a);
        await lock().release(a);
        expect((await lock().acquire(b)).ok).toBe(true);
    });

    it("lapses when the lease is not renewed, and the lapsed holder learns it lost the lock", async () => {
        const a = lock().holderFor({ by: "a", purpose: "p" }, 60_000);
        await lock().acquire(a);
        now += 30_000;
        const renewed = await lock().renew(a, 60_000);
        expect(renewed?.expiresAt).toBe(now + 60_000);
        now += 61_000;
        const b = lock("runner-2").holderFor({ by: "b", purpose: "resume" }, 60_000);
        expect((await lock("runner-2").acquire(b)).ok).toBe(true);
        expect(await lock().renew(renewed!, 60_000)).toBeUndefined();
    });

    it("frees at once a lock whose holder died on this host, but not one held from another host", async () => {
        const dead = lock("runner-1").holderFor({ by: "a", purpose: "p" }, 60_000);
        await lock("runner-1").acquire(dead);
        const sameHost = lock("runner-1", () => false);
        expect(await sameHost.current()).toBeUndefined();
        const otherHost = lock("runner-9", () => false);
        expect(await otherHost.current()).toEqual(dead);
    });
});
