import { ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatWeights, liveColourOf } from "../../switch/plan";
import { replay } from "../../switch/record";
import { openStore } from "../../switch/wiring";
import { allEntries, colourOutputs } from "./support/fakes";
import { S3_KEYS, startFakeS3 } from "./support/fakeS3";
import { FileWeights } from "./support/fileWeights";

/**
 * Two and three whole `to green` processes started together over one store: exactly one walks the
 * steps, the others are refused, traffic ends wholly on green and the journal holds one switch.
 */
const TRIALS = 2;
jest.setTimeout(240_000);
const outputs = { blue: colourOutputs("blue", "1.0.0"), green: colourOutputs("green", "1.1.0") };
const FLAGS = ["--window", "300ms", "--interval", "100ms", "--metrics-grace", "1s", "--lock-ttl", "10s"];
let dir: string;
let s3: Awaited<ReturnType<typeof startFakeS3>>;
const children: ChildProcess[] = [];
beforeAll(async () => { s3 = await startFakeS3("switch"); });
afterAll(async () => {
    children.forEach(child => child.kill("SIGKILL"));
    await s3.close();
});
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), "blkout-concurrent-")); s3.objects.clear(); });
afterEach(() => rm(dir, { recursive: true, force: true }));

function switchProcess(store: string): Promise<number | null> {
    const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), join(__dirname, "support", "crashProcess.ts"), "to", "green", "--store", store, ...FLAGS], {
        env: {
            ...process.env, CI: "true", BLKOUT_SWITCH_ACTOR: "racer", CRASH_WEIGHTS: join(dir, "weights.json"), CRASH_OUTPUTS: JSON.stringify(outputs),
            BLKOUT_SWITCH_STORE_ENDPOINT: s3.url, AWS_ACCESS_KEY_ID: S3_KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_KEYS.secretAccessKey,
        },
        stdio: "ignore",
    });
    children.push(child);
    return new Promise(resolve => child.once("exit", code => resolve(code)));
}

describe.each(["file", "s3"] as const)("concurrent switches over the %s store", storeKind => {
    it.each([2, 3])(`exactly one of %i runs switches, in each of ${TRIALS} trials`, async contenders => {
        for (let trial = 0; trial < TRIALS; trial++) {
            const weights = await FileWeights.create(join(dir, "weights.json"), { blue: 100, green: 0 });
            const store = storeKind === "file" ? join(dir, `store-${contenders}-${trial}`) : `s3://switch/t-${contenders}-${trial}`;
            const codes = await Promise.all(Array.from({ length: contenders }, () => switchProcess(store)));
            expect([...codes].sort()).toEqual([0, ...Array(contenders - 1).fill(2)]);
            expect(await weights.get()).toEqual({ blue: 0, green: 100 });
            const { journal } = openStore(store, { BLKOUT_SWITCH_STORE_ENDPOINT: s3.url, AWS_ACCESS_KEY_ID: S3_KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_KEYS.secretAccessKey }, "/", Date.now);
            expect(await journal.switchIds()).toHaveLength(1);
            const entries = await allEntries(journal);
            expect(replay(entries)?.state).toBe("completed");
            const meant = new Set(entries.flatMap(e => ("weights" in e && e.weights ? [formatWeights(e.weights)] : [])));
            weights.history().filter(w => liveColourOf(w) === undefined).forEach(w => expect(meant).toContain(formatWeights(w)));
        }
    });
});
