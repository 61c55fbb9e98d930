import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileObjectStore } from "../../switch/fileStore";
import { SequencedJournal } from "../../switch/journal";
import { S3ObjectStore } from "../../switch/objectStore";
import { S3_KEYS, startFakeS3 } from "./support/fakeS3";
import { Racers, startRacers } from "./support/race";

/**
 * Two and three switches at once, as separate processes, over both stores: each trial seeds a
 * stale lock that every contender tries to take over at the same moment, or has every contender
 * append ten entries to one switch's journal. Before this change one takeover in six let two runs
 * in, and concurrent appends to the file journal lost entries (figures in docs/switch-faults.md).
 */
const TRIALS = 40;
const APPEND_TRIALS = 15;
jest.setTimeout(180_000);

describe.each(["file", "s3"] as const)("contenders over the %s store", storeKind => {
    let dir: string;
    let s3: Awaited<ReturnType<typeof startFakeS3>>;
    let racers: Racers;
    beforeAll(async () => {
        dir = await mkdtemp(join(tmpdir(), "blkout-race-"));
        s3 = await startFakeS3("race");
        racers = await startRacers(3, storeKind, storeKind === "file" ? dir : s3.url);
    });
    afterAll(async () => {
        racers?.stop();
        await s3?.close();
        await rm(dir, { recursive: true, force: true });
    });

    const journalOf = (trial: number) => (storeKind === "file"
        ? new SequencedJournal(new FileObjectStore(join(dir, `j${trial}`)))
        : new SequencedJournal(new S3ObjectStore({ endpoint: s3.url, bucket: "race", ...S3_KEYS }), `j${trial}/`));

    it.each([2, 3])(`exactly one of %i runs takes over a stale lock, in each of ${TRIALS} trials`, async contenders => {
        const winners: number[] = [];
        for (let trial = 0; trial < TRIALS; trial++) {
            const id = contenders * 1000 + trial;
            await racers.seed(id);
            const answers = await racers.race("lock", id, contenders);
            expect(answers.every(a => a === "ok" || a === "no")).toBe(true);
            winners.push(answers.filter(a => a === "ok").length);
        }
        expect(winners.filter(w => w !== 1)).toEqual([]);
    });

    it.each([2, 3])(`loses no entry when %i runs append ten entries each to one journal at once, in each of ${APPEND_TRIALS} trials`, async contenders => {
        const lost: number[] = [];
        for (let trial = 0; trial < APPEND_TRIALS; trial++) {
            const id = 10_000 + contenders * 1000 + trial;
            expect(await racers.race("append", id, contenders)).toEqual(Array(contenders).fill("appended"));
            const read = await journalOf(id).read("sw-000001-race");
            expect(read.problems).toEqual([]);
            expect(read.entries.map(e => e.seq)).toEqual(read.entries.map((_, i) => i + 1));
            lost.push(contenders * 10 - read.entries.length);
        }
        expect(lost.filter(n => n !== 0)).toEqual([]);
    });
});
