import { ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sync } from "../../data/commands";
import { DataJournal } from "../../data/journal";
import { Colour } from "../../components/platformNames";
import { waitFor } from "./support/servers";
import { Platform, resetPlatform, SETTINGS, startPlatform } from "./support/platform";
import { Writer } from "./support/writer";

/**
 * The tool as its own process, SIGSTOPped and then SIGKILLed while it holds the write freeze: the
 * server lifts the freeze by itself at the bound, and a rerun finishes the cutover with nothing lost.
 */

const ROOT = resolve(__dirname, "../..");
let platform: Platform;

beforeAll(async () => {
    platform = await startPlatform();
}, 120_000);

afterAll(async () => {
    await platform?.stop();
});

function runTool(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
    // One process (no tsx wrapper in between), so the signals reach the tool itself.
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "data/cli.ts"), ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", chunk => { out += chunk; });
    child.stderr!.on("data", chunk => { out += chunk; });
    return { child, done: new Promise(resolve => child.on("exit", code => resolve({ code, out }))) };
}

/** Table locks the tool's sessions hold on blue: the freeze. */
async function freezeLocks(): Promise<number> {
    const rows = await platform.pg.blue.query<{ n: number }>("postgres", `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE a.application_name = 'blkout-data' AND l.locktype = 'relation' AND l.mode = 'ExclusiveLock'`);
    return rows[0].n;
}

it("a SIGKILL during the freeze: the bound lifts it by itself, and a rerun undoes the partial steps and completes", async () => {
    await resetPlatform(platform);
    const rolesFile = join(platform.store, "roles.json");
    writeFileSync(rolesFile, JSON.stringify({ blue: "owner", green: "candidate" }));
    // The applications follow whatever the roles file says, as they would follow the stacks' outputs.
    const owner = (): Colour => (JSON.parse(readFileSync(rolesFile, "utf8")).blue === "owner" ? "blue" : "green");
    const writer = new Writer(platform, owner);
    writer.start();
    let first: ReturnType<typeof runTool> | undefined;
    try {
        expect(await sync(platform.deps(), SETTINGS, "green")).toMatchObject({ kind: "done" });
        const args = ["cutover", "--to", "green", "--stacks-file", rolesFile, "--store", platform.store, "--freeze-bound", "4s"];
        // The flip (a `pulumi up` in production) takes far longer than the bound here.
        first = runTool(args, { ...platform.env(), BLKOUT_DATA_FLIP_DELAY_MS: "600000" });
        const journal = new DataJournal(join(platform.store, "journal.jsonl"));
        await waitFor(async () => (await journal.read()).some(e => e.type === "phase" && e.phase === "candidate-unfenced"), 60_000, "the cutover to reach the flip");

        // Frozen: the writer makes no progress while the tool holds the lock.
        await expect(writer.progress(1, 1000)).rejects.toThrow(/fewer than 1 writes/);
        expect(await freezeLocks()).toBe(3);
        first.child.kill("SIGSTOP");
        const stoppedAt = Date.now();
        // The tool is hung, its connections open: the server ends the freeze at the bound.
        await waitFor(async () => (await freezeLocks()) === 0, 15_000, "the freeze to lift");
        expect(Date.now() - stoppedAt).toBeLessThan(4000 + 3000);
        await writer.progress(20, 5000);
        first.child.kill("SIGKILL");
        await first.done;
        expect(owner()).toBe("blue");

        const rerun = await runTool(args, platform.env()).done;
        expect(rerun.out).toMatch(/the interrupted cutover dc-\S+ held the write freeze; it lifted itself when that run died or hung, within its bound of 4 s/);
        expect(rerun.out).toMatch(/undone \(rerun after an interrupted cutover \(last step candidate-unfenced\)\)/);
        expect(rerun.out).toMatch(/cutover dc-\S+ completed: green owns the data; writes were frozen for/);
        expect(rerun.code).toBe(0);
        expect(owner()).toBe("green");
        expect(rerun.out).not.toContain("s3cret");
        await writer.progress(50);
        await writer.stop();
        // Writes acknowledged by blue after the freeze lifted itself reached green too.
        expect(await writer.missingOn(platform, "green")).toEqual([]);
        expect(writer.errors.filter(e => e.code === "23505")).toEqual([]);
    } finally {
        first?.child.kill("SIGKILL");
        await writer.stop();
    }
}, 180_000);
