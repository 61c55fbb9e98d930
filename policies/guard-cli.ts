import { readFileSync } from "fs";
import { guardPreview, GuardOptionsError, GuardResult } from "./changeGuard";
import { parsePreviewText, PlanFormatError } from "./lib/plan";

/**
 * The change guard on the command line, for CI after `pulumi preview --json`:
 *
 *   pulumi preview --json --stack blue > preview.json
 *   tsx policies/guard-cli.ts preview.json --live blue \
 *       --allow blue-data-pg="major upgrade via data cutover, ticket 123"
 *
 * Reads the preview from a file, or stdin when the file is `-` or absent. Exits 0 when nothing is
 * refused, 1 when something is (listing each refused operation), 2 on bad arguments or input.
 */

export const USAGE = "usage: guard-cli [preview.json | -] [--allow <urn-or-name>=<reason>]... [--live <colour>]... [--max-step <percent>]";

export interface CliIo {
    readonly readFile: (path: string) => string;
    readonly readStdin: () => string;
    readonly out: (line: string) => void;
    readonly err: (line: string) => void;
}

interface ParsedArgs {
    readonly file?: string;
    readonly allow: Record<string, string>;
    readonly live: string[];
    readonly maxStep?: number;
}

function parseArgs(argv: readonly string[]): ParsedArgs {
    const problems: string[] = [];
    const parsed = { allow: {} as Record<string, string>, live: [] as string[], file: undefined as string | undefined, maxStep: undefined as number | undefined };
    for (let index = 0; index < argv.length; index++) {
        const arg = argv[index];
        const value = (): string | undefined => argv[++index];
        if (arg === "--allow") {
            const spec = value() ?? "";
            const at = spec.indexOf("=");
            if (at <= 0 || spec.slice(at + 1).trim() === "") {
                problems.push(`--allow ${JSON.stringify(spec)}: expected <urn-or-name>=<reason>, with a reason`);
            } else {
                parsed.allow[spec.slice(0, at)] = spec.slice(at + 1).trim();
            }
        } else if (arg === "--live") {
            const colour = value() ?? "";
            if (!/^[a-z]+$/.test(colour)) {
                problems.push(`--live ${JSON.stringify(colour)}: expected a colour name like blue`);
            }
            parsed.live.push(colour);
        } else if (arg === "--max-step") {
            const text = value();
            parsed.maxStep = Number(text);
            if (!Number.isInteger(parsed.maxStep)) {
                problems.push(`--max-step: expected an integer percent, got ${JSON.stringify(text)}`);
            }
        } else if (arg.startsWith("--")) {
            problems.push(`${arg}: unknown option`);
        } else if (parsed.file === undefined) {
            parsed.file = arg;
        } else {
            problems.push(`${arg}: only one preview file may be given`);
        }
    }
    if (problems.length > 0) {
        throw new GuardOptionsError(problems);
    }
    return parsed;
}

function report(result: GuardResult, io: CliIo): void {
    for (const finding of result.allowed) {
        io.out(`allowed  ${finding.rule}: ${finding.message} Override: ${finding.reason}`);
    }
    for (const key of result.unusedOverrides) {
        io.err(`warning: --allow ${key} matched no planned operation`);
    }
    if (result.refused.length === 0) {
        io.out(`change guard: ${result.stepsChecked} planned step(s) checked, nothing refused`);
        return;
    }
    io.err(`change guard: refused ${result.refused.length} operation(s):`);
    for (const finding of result.refused) {
        io.err(`  - ${finding.rule}: ${finding.message}`);
        io.err(`    ${finding.urn}`);
    }
    io.err("If a change is intended, name it: --allow <urn-or-name>=<reason>.");
}

/** Runs the CLI; returns the exit code. */
export function main(argv: readonly string[], io: CliIo): number {
    try {
        const args = parseArgs(argv);
        const text = args.file === undefined || args.file === "-" ? io.readStdin() : io.readFile(args.file);
        const result = guardPreview(parsePreviewText(text), {
            allow: args.allow,
            ...(args.live.length > 0 ? { liveColours: args.live } : {}),
            ...(args.maxStep !== undefined ? { maxStepShare: args.maxStep } : {}),
        });
        report(result, io);
        return result.refused.length > 0 ? 1 : 0;
    } catch (error) {
        if (error instanceof GuardOptionsError || error instanceof PlanFormatError || (error as NodeJS.ErrnoException).code === "ENOENT") {
            io.err((error as Error).message);
            io.err(USAGE);
            return 2;
        }
        throw error;
    }
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2), {
        readFile: path => readFileSync(path, "utf8"),
        readStdin: () => readFileSync(0, "utf8"),
        out: line => process.stdout.write(`${line}\n`),
        err: line => process.stderr.write(`${line}\n`),
    });
}
