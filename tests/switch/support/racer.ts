/**
 * One contender in the race tests, as its own process: reads "<op> <trial>" lines on stdin and
 * answers "<trial> <result>" on stdout. `lock`: take over the stale lock seeded for the trial
 * (answers ok or no); `append`: append ten entries to the trial's journal; `seed`: write the stale
 * lock. RACE_IMPL=old loads the switch modules from RACE_OLD_DIR (the code before this change),
 * to measure how often the old lock and journal lost the race.
 */
import { createInterface } from "node:readline";
import { join } from "node:path";

const [storeKind, base, id] = process.argv.slice(2);
const old = process.env.RACE_IMPL === "old";
const root = old ? join(process.env.RACE_OLD_DIR!, "switch") : join(__dirname, "..", "..", "..", "switch");
/* eslint-disable @typescript-eslint/no-require-imports */
const load = (name: string) => require(join(root, name));
const keys = { endpoint: base, bucket: "race", accessKeyId: "AKIDTEST", secretAccessKey: "test-secret/never-logged" };
const stale = { token: "stale", fence: 1, by: "crashed", host: "gone", pid: 1, purpose: "switch to green", expiresAt: 1 };

function lockFor(trial: string) {
    const { SwitchLock } = load("lock");
    if (old) {
        const { FileLockBackend, ObjectLockBackend } = load("lock");
        const backend = storeKind === "file" ? new FileLockBackend(join(base, `t${trial}`, "switch.lock")) : new ObjectLockBackend(new (load("objectStore").S3ObjectStore)(keys), `t${trial}/switch.lock`);
        return { lock: new SwitchLock(backend, { now: Date.now, host: `racer-${id}` }), backend };
    }
    const { FileLockBackend, ObjectLockBackend } = load("lockBackends");
    const backend = storeKind === "file" ? new FileLockBackend(join(base, `t${trial}`, "switch.lock")) : new ObjectLockBackend(new (load("objectStore").S3ObjectStore)(keys), `t${trial}/switch.lock`);
    return { lock: new SwitchLock(backend, { now: Date.now, host: `racer-${id}` }), backend };
}

async function run(op: string, trial: string): Promise<string> {
    if (op === "seed") {
        const { backend } = lockFor(trial);
        await (old ? backend.create(stale) : backend.create(stale));
        return "seeded";
    }
    if (op === "lock") {
        const { lock } = lockFor(trial);
        const result = await lock.acquire(lock.holderFor({ by: `racer-${id}`, purpose: "resume" }, 60_000));
        return result.ok ? "ok" : "no";
    }
    const at = new Date().toISOString();
    if (old) {
        const journal = new (load("journal").FileJournal)(join(base, `j${trial}`, "journal.jsonl"));
        for (let i = 0; i < 10; i++) await journal.append({ type: "halted", reason: `${id}-${i}`, switchId: "sw-race", at, by: id });
    } else {
        const { SequencedJournal } = load("journal");
        const store = storeKind === "file" ? new (load("fileStore").FileObjectStore)(join(base, `j${trial}`)) : new (load("objectStore").S3ObjectStore)(keys);
        const journal = new SequencedJournal(store, storeKind === "file" ? "" : `j${trial}/`);
        for (let i = 0; i < 10; i++) await journal.append("sw-000001-race", { type: "halted", reason: `${id}-${i}` }, { fence: 0, by: id, at });
    }
    return "appended";
}

createInterface({ input: process.stdin }).on("line", line => {
    const [op, trial] = line.split(" ");
    run(op, trial).then(result => process.stdout.write(`${trial} ${result}\n`), (err: Error) => process.stdout.write(`${trial} error ${err.message.split("\n")[0]}\n`));
});
process.stdout.write("ready\n");
