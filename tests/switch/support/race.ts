import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** Contender processes started once and driven trial by trial, so each race costs milliseconds, not a process start. */
export interface Racers {
    /** Sends `op trial` to the first `count` racers at once; their answers in racer order. */
    race(op: "lock" | "append", trial: number, count: number): Promise<string[]>;
    seed(trial: number): Promise<void>;
    stop(): void;
}

export async function startRacers(count: number, storeKind: "file" | "s3", base: string, env: NodeJS.ProcessEnv = {}): Promise<Racers> {
    const children: ChildProcess[] = [];
    const waiting = new Map<string, (answer: string) => void>();
    await Promise.all(Array.from({ length: count }, (_, id) => new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), join(__dirname, "racer.ts"), storeKind, base, String(id)], {
            env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"],
        });
        children.push(child);
        child.once("error", reject);
        createInterface({ input: child.stdout! }).on("line", line => {
            if (line === "ready") return resolve();
            const [trial, ...answer] = line.split(" ");
            waiting.get(`${id}:${trial}`)?.(answer.join(" "));
        });
    })));
    const ask = (id: number, op: string, trial: number) => new Promise<string>(resolve => {
        waiting.set(`${id}:${trial}`, resolve);
        children[id].stdin!.write(`${op} ${trial}\n`);
    });
    return {
        race: (op, trial, n) => Promise.all(children.slice(0, n).map((_, id) => ask(id, op, trial))),
        seed: async trial => { await ask(0, "seed", trial); },
        stop: () => children.forEach(child => child.kill("SIGKILL")),
    };
}
