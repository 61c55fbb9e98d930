/**
 * Not a test: measures the race tests' failure counts for the code before this change (switch/ at
 * commit 65cdb3b, the last one before it, or RACE_BEFORE_REF, extracted with `git archive`) and
 * after it, with the same contender processes.
 * Run: npx tsx tests/switch/support/raceBefore.ts [trials]. Prints one line per case.
 */
import { execSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileObjectStore } from "../../../switch/fileStore";
import { SequencedJournal } from "../../../switch/journal";
import { startFakeS3 } from "./fakeS3";
import { startRacers } from "./race";

async function measure(impl: "old" | "new", storeKind: "file" | "s3", oldDir: string, trials: number): Promise<string[]> {
    const dir = await mkdtemp(join(tmpdir(), "blkout-race-before-"));
    const s3 = await startFakeS3("race");
    const racers = await startRacers(3, storeKind, storeKind === "file" ? dir : s3.url, { RACE_IMPL: impl, RACE_OLD_DIR: oldDir });
    const lines: string[] = [];
    try {
        for (const contenders of [2, 3]) {
            let doubled = 0;
            for (let trial = 0; trial < trials; trial++) {
                const id = contenders * 1000 + trial;
                await racers.seed(id);
                if ((await racers.race("lock", id, contenders)).filter(a => a === "ok").length > 1) doubled++;
            }
            lines.push(`${impl} ${storeKind} lock takeover, ${contenders} contenders: ${doubled} of ${trials} trials let more than one in`);
            if (storeKind !== "file") continue;
            let lossy = 0;
            for (let trial = 0; trial < trials; trial++) {
                const id = 10_000 + contenders * 1000 + trial;
                await racers.race("append", id, contenders);
                const count = impl === "old"
                    ? (await readFile(join(dir, `j${id}`, "journal.jsonl"), "utf8")).split("\n").filter(l => { try { JSON.parse(l); return true; } catch { return false; } }).length
                    : (await new SequencedJournal(new FileObjectStore(join(dir, `j${id}`))).read("sw-000001-race")).entries.length;
                if (count !== contenders * 10) lossy++;
            }
            lines.push(`${impl} ${storeKind} journal appends, ${contenders} writers x 10: ${lossy} of ${trials} trials lost entries`);
        }
    } finally {
        racers.stop();
        await s3.close();
        await rm(dir, { recursive: true, force: true });
    }
    return lines;
}

async function main(): Promise<void> {
    const trials = Number(process.argv[2] ?? 40);
    const oldDir = await mkdtemp(join(tmpdir(), "blkout-switch-main-"));
    execSync(`git archive ${process.env.RACE_BEFORE_REF ?? "65cdb3b"} switch components/platformNames.ts | tar -x -C ${oldDir}`, { cwd: join(__dirname, "..", "..", "..") });
    try {
        for (const impl of ["old", "new"] as const) {
            for (const storeKind of ["file", "s3"] as const) {
                (await measure(impl, storeKind, oldDir, trials)).forEach(line => process.stdout.write(`${line}\n`));
            }
        }
    } finally {
        await rm(oldDir, { recursive: true, force: true });
    }
}

void main();
