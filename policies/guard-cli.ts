import { readFileSync } from "fs";
import { DeployedTraffic, guardPreview, GuardOptionsError, GuardResult } from "./changeGuard";
import { isRecord } from "./lib/resources";
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

export const USAGE = "usage: guard-cli [preview.json | -] --deployed <traffic-outputs.json> [--allow <urn-or-name>=<reason>]... [--live <colour>]... [--max-step <percent>]";

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
    readonly deployed?: string;
}

function parseArgs(argv: readonly string[]): ParsedArgs {
    const problems: string[] = [];
    const parsed = { allow: {} as Record<string, string>, live: [] as string[], file: undefined as string | undefined, maxStep: undefined as number | undefined, deployed: undefined as string | undefined };
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
        } else if (arg === "--deployed") {
            parsed.deployed = value();
            if (parsed.deployed === undefined) {
                problems.push("--deployed: expected the file `pulumi stack output --json` wrote for the deployed traffic stack");
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

/**
 * The deployed traffic stack's outputs (`pulumi stack output --json --stack production`, or the switch's
 * store): `liveColour`, `weights` and, when recorded, `maxStepShare`.
 */
export function parseDeployed(text: string): DeployedTraffic {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (error) {
        throw new GuardOptionsError([`--deployed: not JSON (${(error as Error).message})`]);
    }
    const problems: string[] = [];
    const doc = isRecord(value) ? value : {};
    if (!isRecord(value)) {
        problems.push("--deployed: expected the traffic stack's outputs as a JSON object");
    }
    if (typeof doc.liveColour !== "string" || !/^[a-z]+$/.test(doc.liveColour)) {
        problems.push(`--deployed: liveColour: expected a colour name, got ${JSON.stringify(doc.liveColour)}`);
    }
    const weights = doc.weights;
    if (!isRecord(weights) || Object.values(weights).some(weight => typeof weight !== "number" || !Number.isFinite(weight))) {
        problems.push(`--deployed: weights: expected percent per colour, got ${JSON.stringify(weights)}`);
    }
    if (doc.maxStepShare !== undefined && (!Number.isInteger(doc.maxStepShare) || (doc.maxStepShare as number) < 1 || (doc.maxStepShare as number) > 100)) {
        problems.push(`--deployed: maxStepShare: expected an integer 1-100, got ${JSON.stringify(doc.maxStepShare)}`);
    }
    if (problems.length > 0) {
        throw new GuardOptionsError(problems);
    }
    return { liveColour: doc.liveColour as string, weights: weights as Record<string, number>, ...(doc.maxStepShare !== undefined ? { maxStepShare: doc.maxStepShare as number } : {}) };
}

/** Runs the CLI; returns the exit code. */
export function main(argv: readonly string[], io: CliIo): number {
    try {
        const args = parseArgs(argv);
        const text = args.file === undefined || args.file === "-" ? io.readStdin() : io.readFile(args.file);
        const deployed = args.deployed === undefined ? undefined : parseDeployed(io.readFile(args.deployed));
        if (deployed === undefined && args.live.length > 0) {
            // A flag from the pipeline cannot say a colour is idle: during a canary both serve traffic.
            io.err("warning: --live is ignored without --deployed; every colour is treated as serving traffic");
        }
        const result = guardPreview(parsePreviewText(text), {
            allow: args.allow,
            ...(deployed ? { deployed } : {}),
            ...(deployed && args.live.length > 0 ? { liveColours: args.live } : {}),
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
