import { Writable } from "node:stream";
import { runCli } from "../../../switch/cli";
import { assembleDeps } from "../../../switch/wiring";
import { allEntries, Harness } from "./fakes";

/**
 * The real CLI (flags, wiring, outcome lines, exit code) over a harness's doubles: virtual time,
 * scripted health and metrics, the recording traffic stack, the harness's journal and lock. What
 * the options wire besides (a Pushgateway reporter, say) is the real thing.
 */
export interface CliOnDoubles {
    readonly code: number;
    /** stderr's lines, switch ids' random suffixes replaced by `*` so runs compare. */
    readonly stderr: string[];
    /** Green's share in every update the switch asked for. */
    readonly greenShares: number[];
    /** The journal's entry types, in order. */
    readonly journal: string[];
}

function sink(): { stream: Writable; text: () => string } {
    const chunks: string[] = [];
    const stream = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
    return { stream, text: () => chunks.join("") };
}

export async function runCliOnDoubles(h: Harness, argv: readonly string[]): Promise<CliOnDoubles> {
    const err = sink();
    const io = { stdout: sink().stream, stderr: err.stream, env: { CI: "true", BLKOUT_SWITCH_ACTOR: "doubles-test" }, cwd: h.dir };
    const code = await runCli([...argv, "--store", h.dir], io, async (options, cliIo, reporter) => ({
        ...assembleDeps(options, cliIo, reporter, h.traffic),
        health: h.health, metrics: h.metrics, clock: h.clock, journal: h.deps.journal, lock: h.deps.lock,
    }));
    const stderr = err.text().split("\n").filter(line => line !== "").map(line => line.replace(/(sw-\d+-\w+)-[0-9a-f]+/g, "$1-*"));
    return { code, stderr, greenShares: h.traffic.calls.map(c => c.weights.green), journal: (await allEntries(h.deps.journal)).map(e => e.type) };
}
