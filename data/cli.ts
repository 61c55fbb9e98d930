import { resolve } from "node:path";
import { actorFrom } from "../switch/actor";
import { DataDeps, DataOutcome, EXIT_CODES, openDataStore } from "./context";
import { plan, status, sync, verify } from "./commands";
import { cutover } from "./cutover";
import { scrub } from "./pg";
import { DataOptions, dataUsage, endpointsFrom, parseDataArgs } from "./settings";
import { DataStacks, FileDataStacks } from "./stacks";

export interface DataIo {
    readonly stdout: NodeJS.WritableStream;
    readonly stderr: NodeJS.WritableStream;
    readonly env: NodeJS.ProcessEnv;
    readonly cwd: string;
}

export type StacksFactory = (options: DataOptions, io: DataIo) => Promise<DataStacks>;

const defaultStacks: StacksFactory = async (options, io) => options.stacksFile
    ? new FileDataStacks(resolve(io.cwd, options.stacksFile))
    : new (await import("./pulumiStacks")).PulumiDataStacks({ colourDir: io.cwd });

/** Runs one command; resolves with the exit code. Bad input is one error listing every problem; secrets never printed. */
export async function runDataCli(argv: readonly string[], io: DataIo, makeStacks: StacksFactory = defaultStacks): Promise<number> {
    const out = (line: string) => io.stdout.write(`${line}\n`);
    const err = (line: string) => io.stderr.write(`data: ${line}\n`);
    const parsed = parseDataArgs(argv, io.env);
    const credentials = parsed.options?.command === "help" ? { problems: [] } : endpointsFrom(io.env);
    const problems = [...parsed.problems, ...credentials.problems];
    if (problems.length > 0 || !parsed.options) {
        err(`invalid arguments:\n${problems.map(p => `  - ${p}`).join("\n")}`);
        return EXIT_CODES.error;
    }
    const options = parsed.options;
    if (options.command === "help") {
        out(dataUsage());
        return EXIT_CODES.done;
    }
    const endpoints = "endpoints" in credentials ? credentials.endpoints! : undefined;
    const secrets = endpoints ? Object.values(endpoints).flatMap(e => [e.postgresUrl, e.redisUrl]) : [];
    const deps: DataDeps = {
        endpoints: endpoints!,
        stacks: await makeStacks(options, io),
        ...openDataStore(resolve(io.cwd, options.store)),
        actor: actorFrom(io.env),
        report: line => out(scrub(line, ...secrets)),
    };
    const { command, to } = options;
    let outcome: DataOutcome;
    try {
        outcome = command === "status" ? await status(deps, options)
            : command === "plan" ? await plan(deps, options, to!)
                : command === "sync" ? await sync(deps, options, to!)
                    : command === "verify" ? await verify(deps, options, to!)
                        : await cutover(deps, options, to!, command === "rollback" ? "rollback" : "cutover");
    } catch (error) {
        outcome = { kind: "error", message: (error as Error).message };
    }
    (outcome.kind === "done" ? out : err)(scrub(outcome.message, ...secrets));
    return EXIT_CODES[outcome.kind];
}

if (require.main === module) {
    runDataCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() })
        .then(code => { process.exitCode = code; });
}
