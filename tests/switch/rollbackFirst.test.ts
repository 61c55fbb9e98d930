import { Writable } from "node:stream";
import { runCli } from "../../switch/cli";
import { SwitchCommands } from "../../switch/commands";
import { EngineDeps, SwitchEngine } from "../../switch/engine";
import { allEntries, harness, Harness, SEED_SETTINGS } from "./support/fakes";
import { SmallDisk, smallDisk } from "./support/smallDisk";

/**
 * The rollback must need nothing but the traffic stack. Each test breaks the store under a switch
 * that is running or split, as a full disk or a read-only mount does, and checks traffic ends
 * wholly on blue and the failure is reported, not thrown.
 */
let h: Harness;
let disk: SmallDisk;
let deps: EngineDeps;
beforeEach(async () => {
    h = await harness();
    disk = await smallDisk();
    deps = { ...h.deps, ...disk.stores(() => h.clock.now()) };
});
afterEach(async () => {
    await disk.cleanup();
    await h.cleanup();
});

const request = { target: "green" as const, steps: [5, 20, 50, 100], windowMs: 60_000 };
const commands = () => new SwitchCommands(new SwitchEngine(deps, SEED_SETTINGS), { requestWaitMs: 1000, pollMs: 100 });

describe.each([
    ["full (ENOSPC)", () => disk.fill(), /ENOSPC/],
    ["read-only (EROFS)", () => disk.readOnly(), /EROFS/],
])("the store becomes %s while green is unhealthy at 20 %%", (_name, breakStore, code) => {
    it("the automatic rollback still puts all traffic on blue, and says the journal could not record it", async () => {
        let broke = false;
        h.health.script = async (colour, ms) => {
            if (ms >= 80_000 && !broke) {
                broke = true;
                await breakStore();
            }
            return { healthy: !(colour === "green" && ms >= 80_000) };
        };
        const outcome = await commands().switchTo(request);
        expect(outcome).toMatchObject({ kind: "rolled-back", journalErrors: expect.arrayContaining([expect.stringMatching(code)]) });
        expect(await h.traffic.getWeights()).toEqual({ blue: 100, green: 0 });
        expect(h.traffic.applied.map(w => w.green)).toEqual([5, 20, 0]);
    });

    it("a manual `rollback` of a split switch works and reports the journal failure after the update", async () => {
        // The switch stops at 20 % (halted by the live colour's breach), leaving traffic split.
        h.health.script = (colour, ms) => ({ healthy: !(colour === "blue" && ms >= 70_000) });
        expect((await commands().switchTo(request)).kind).toBe("halted");
        expect(await h.traffic.getWeights()).toEqual({ blue: 80, green: 20 });
        await breakStore();
        const outcome = await commands().rollback("store is broken");
        expect(outcome).toMatchObject({ kind: "rolled-back", reason: "store is broken", journalErrors: expect.arrayContaining([expect.stringMatching(code)]) });
        expect(await h.traffic.getWeights()).toEqual({ blue: 100, green: 0 });
    });
});

describe("a rollback when the load balancer's weights cannot be read", () => {
    it("still sends the update the journal directs", async () => {
        h.health.script = (colour, ms) => ({ healthy: !(colour === "blue" && ms >= 70_000) });
        expect((await commands().switchTo(request)).kind).toBe("halted");
        const readable = h.traffic.getWeights.bind(h.traffic);
        h.traffic.getWeights = async () => { throw new Error("cloudflare: 502 Bad Gateway"); };
        expect(await commands().rollback("reads failing")).toMatchObject({ kind: "rolled-back" });
        expect(await readable()).toEqual({ blue: 100, green: 0 });
    });
});

describe("a rollback with no journal to go by", () => {
    it("works from the live weights and the traffic stack's live colour when the journal is empty", async () => {
        await h.traffic.setWeights({ blue: 70, green: 30 }, "blue");
        const outcome = await commands().rollback("split with no record");
        expect(outcome).toMatchObject({ kind: "rolled-back", reason: expect.stringMatching(/^split with no record \(journal unusable: it holds no switch; from the live weights blue 70 \/ green 30\)$/) });
        expect(await h.traffic.getWeights()).toEqual({ blue: 100, green: 0 });
        // It opened its own record, so the rollback is on file.
        expect((await allEntries(deps.journal)).map(e => e.type)).toEqual(["start", "rollback-start", "rollback-done"]);
    });

    it("works when the journal cannot be read at all (the store answers errors)", async () => {
        await h.traffic.setWeights({ blue: 60, green: 40 }, "blue");
        const broken = { ...deps.journal, location: "s3://gone", switchIds: async () => { throw new Error("object store LIST journal/: HTTP 500 InternalError"); }, read: async () => { throw new Error("HTTP 500"); } };
        const outcome = await new SwitchCommands(new SwitchEngine({ ...deps, journal: broken }, SEED_SETTINGS), { requestWaitMs: 1000, pollMs: 100 }).rollback("store down");
        expect(outcome).toMatchObject({ kind: "rolled-back", reason: expect.stringMatching(/journal unusable: object store LIST journal\/: HTTP 500 InternalError/) });
        expect(await h.traffic.getWeights()).toEqual({ blue: 100, green: 0 });
    });

    it("refuses only when there is nothing to roll back", async () => {
        const outcome = await commands().rollback("nothing");
        expect(outcome).toEqual({ kind: "refused", reasons: ["traffic is wholly on blue (blue 100 / green 0) and the journal holds no switch: nothing to roll back"] });
    });
});

describe("an exit that leaves traffic split", () => {
    it("says so in one line, with the weights and the exact command to finish", async () => {
        h.health.script = (colour, ms) => ({ healthy: !(colour === "blue" && ms >= 70_000) });
        const chunks: string[] = [];
        const stderr = new Writable({ write(chunk, _e, done) { chunks.push(String(chunk)); done(); } });
        const io = { stdout: new Writable({ write(_c, _e, done) { done(); } }), stderr, env: { CI: "true" }, cwd: "/" };
        const code = await runCli(["to", "green", "--store", "/var/lib/blkout switch", "--traffic-stack", "staging", "--window", "60s"], io, async () => deps);
        expect(code).toBe(4);
        const lines = chunks.join("").trim().split("\n");
        expect(lines[lines.length - 1]).toBe('switch: traffic is split: blue 80 / green 20. To put it all back: npm run switch -- rollback --store "/var/lib/blkout switch" --traffic-stack staging');
    });
});

it("ran on a real tmpfs mount when root", () => {
    expect(disk.real).toBe(process.getuid?.() === 0);
});
