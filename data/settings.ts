import { API_NAMES, COLOURS, Colour } from "../components/platformNames";
import { colourProblems, parseDuration } from "../switch/plan";

export const DATA_COMMANDS = ["plan", "sync", "verify", "cutover", "rollback", "status", "help"] as const;
export type DataCommand = (typeof DATA_COMMANDS)[number];

/** One colour's data servers: admin URLs, secret, from the environment only. */
export interface Endpoints {
    readonly postgresUrl: string;
    readonly redisUrl: string;
}

export interface DataOptions {
    readonly command: DataCommand;
    /** The colour that should own the data afterwards (cutover, rollback) or be synced (sync, plan, verify). */
    readonly to?: Colour;
    /** The application databases moved, one publication and one subscription each. */
    readonly databases: readonly string[];
    /** The applications' roles: fenced off the colour that does not own the data. */
    readonly appRoles: readonly string[];
    /** Redis key patterns that must survive (sessions, queued jobs); everything else is cache. */
    readonly redisKeep: readonly string[];
    readonly catchUpTimeoutMs: number;
    /** The freeze lifts itself after this, whatever happens to the tool. */
    readonly freezeBoundMs: number;
    /** Lag (bytes of WAL) under which a cutover may freeze writes. */
    readonly maxLagBytes: number;
    readonly sequenceGap: number;
    /** Directory of the journal and lock. */
    readonly store: string;
    /** A JSON file standing in for the colour stacks (rehearsals, tests); the Automation API otherwise. */
    readonly stacksFile?: string;
    readonly lockTtlMs: number;
}

const FLAGS: Record<string, { help: string; default: string }> = {
    "--to": { help: "blue | green: the colour that owns the data afterwards", default: "(required except status)" },
    "--databases": { help: "application databases", default: API_NAMES.join(",") },
    "--app-roles": { help: "the applications' database roles", default: API_NAMES.join(",") },
    "--redis-keep": { help: "Redis key patterns copied at cutover (sessions, queued jobs)", default: "sess:*,bull:*" },
    "--catch-up-timeout": { help: "give up (before any freeze) if the candidate has not caught up", default: "10m" },
    "--freeze-bound": { help: "the freeze lifts itself after this, even if the tool dies or hangs", default: "30s" },
    "--max-lag": { help: "WAL bytes of lag under which the freeze may start", default: "1048576" },
    "--sequence-gap": { help: "sequences move this far past the old owner's values", default: "1000" },
    "--store": { help: "journal and lock directory", default: "$BLKOUT_DATA_STORE or .data-cutover" },
    "--stacks-file": { help: "JSON file of data roles instead of the Pulumi stacks (rehearsal)", default: "the colour stacks via the Automation API" },
    "--lock-ttl": { help: "lease of the cutover lock", default: "2m" },
};

export function dataUsage(): string {
    return [
        "usage: npm run data -- <plan|sync|verify|cutover|rollback|status> --to <blue|green> [flags]",
        "  plan      preconditions and the steps, touches nothing",
        "  sync      schema, publications and subscriptions; waits with a progress display until caught up",
        "  verify    per-table row counts and checksums, owner against candidate, at one LSN",
        "  cutover   freeze writes, catch up, verify, move sequences, reverse replication, flip roles, thaw",
        "  rollback  the same back to the previous owner, while reverse replication is intact",
        "  status    roles, replication state and lag, the latest cutover",
        ...Object.entries(FLAGS).map(([flag, { help, default: d }]) => `  ${flag.padEnd(20)} ${help} (default ${d})`),
        "credentials (environment only, never logged): BLKOUT_DATA_<BLUE|GREEN>_POSTGRES_URL (an admin user), BLKOUT_DATA_<BLUE|GREEN>_REDIS_URL",
        "exit codes: 0 done, 1 bad input or error, 2 refused (nothing changed), 3 aborted (before any freeze, or undone during it), 4 an interrupted cutover undone by rollback",
    ].join("\n");
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

function list(value: string, flag: string, problems: string[], check: RegExp = IDENT): string[] {
    const items = value.split(",").map(item => item.trim()).filter(Boolean);
    const bad = items.filter(item => !check.test(item));
    if (items.length === 0 || bad.length > 0) {
        problems.push(`${flag}: expected a comma-separated list of names, got ${JSON.stringify(value)}`);
    }
    return items;
}

function positive(value: string, flag: string, problems: string[]): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) problems.push(`${flag}: expected a non-negative integer, got ${JSON.stringify(value)}`);
    return n;
}

function duration(value: string, flag: string, problems: string[]): number {
    const { ms, problem } = parseDuration(flag, value);
    if (problem) problems.push(problem);
    else if (!ms) problems.push(`${flag}: expected a positive duration, got ${JSON.stringify(value)}`);
    return ms ?? 0;
}

/** Parses the command line; every problem at once, each naming its flag. */
export function parseDataArgs(argv: readonly string[], env: NodeJS.ProcessEnv): { options?: DataOptions; problems: string[] } {
    const problems: string[] = [];
    const values = new Map<string, string>();
    const positional: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("--")) {
            positional.push(arg);
        } else if (!(arg.split("=")[0] in FLAGS)) {
            problems.push(`${arg}: unknown flag (see help)`);
        } else if (arg.includes("=")) {
            values.set(arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1));
        } else if (i + 1 < argv.length) {
            values.set(arg, argv[++i]);
        } else {
            problems.push(`${arg}: expected a value`);
        }
    }
    const command = positional[0] as DataCommand | undefined;
    if (!command || !DATA_COMMANDS.includes(command)) {
        problems.push(`command: expected one of ${DATA_COMMANDS.join(", ")}, got ${JSON.stringify(positional[0] ?? null)}`);
    }
    if (positional.length > 1) problems.push(`unexpected argument ${JSON.stringify(positional[1])}`);
    const to = values.get("--to");
    if (to !== undefined || (command !== undefined && !["status", "help"].includes(command))) {
        problems.push(...colourProblems("--to", to));
    }
    const get = (flag: string) => values.get(flag) ?? FLAGS[flag].default;
    const options: DataOptions = {
        command: command ?? "help",
        to: to as Colour | undefined,
        databases: list(get("--databases"), "--databases", problems),
        appRoles: list(get("--app-roles"), "--app-roles", problems),
        redisKeep: list(get("--redis-keep"), "--redis-keep", problems, /^[\w:*.-]+$/),
        catchUpTimeoutMs: duration(get("--catch-up-timeout"), "--catch-up-timeout", problems),
        freezeBoundMs: duration(get("--freeze-bound"), "--freeze-bound", problems),
        maxLagBytes: positive(get("--max-lag"), "--max-lag", problems),
        sequenceGap: positive(get("--sequence-gap"), "--sequence-gap", problems),
        store: values.get("--store") ?? env.BLKOUT_DATA_STORE ?? ".data-cutover",
        stacksFile: values.get("--stacks-file"),
        lockTtlMs: duration(get("--lock-ttl"), "--lock-ttl", problems),
    };
    return problems.length > 0 ? { problems } : { options, problems };
}

export const credentialKeys = (colour: Colour) => ({
    postgres: `BLKOUT_DATA_${colour.toUpperCase()}_POSTGRES_URL`,
    redis: `BLKOUT_DATA_${colour.toUpperCase()}_REDIS_URL`,
});

/** Both colours' endpoints from the environment; every missing or malformed one named (never its value). */
export function endpointsFrom(env: NodeJS.ProcessEnv): { endpoints?: Record<Colour, Endpoints>; problems: string[] } {
    const problems: string[] = [];
    const read = (key: string, schemes: readonly string[]): string => {
        const value = env[key];
        if (!value) {
            problems.push(`${key}: not set (expected a ${schemes[0]}:// URL with credentials)`);
            return "";
        }
        const scheme = /^([a-z]+):\/\//.exec(value)?.[1];
        if (!scheme || !schemes.includes(scheme)) {
            problems.push(`${key}: expected a ${schemes.join("/")}:// URL, got ${scheme ? `a ${scheme}:// URL` : "something else"}`);
        }
        return value;
    };
    const endpoints = Object.fromEntries(COLOURS.map(colour => {
        const keys = credentialKeys(colour);
        return [colour, { postgresUrl: read(keys.postgres, ["postgresql", "postgres"]), redisUrl: read(keys.redis, ["redis", "rediss"]) }];
    })) as Record<Colour, Endpoints>;
    return problems.length > 0 ? { problems } : { endpoints, problems };
}
