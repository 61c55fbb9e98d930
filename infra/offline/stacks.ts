import * as path from "path";
import { SECRET_CONFIG_KEYS } from "../config/colourConfig";
import { runColourProgram } from "../colourProgram";
import { selfStackName } from "../traffic/previous";
import { runTrafficProgram } from "../traffic/program";
import { evaluate, outputValues, ResolvedOutput } from "./evaluate";
import { RecordedResource, StackReferenceFixture } from "./mockRuntime";
import { OFFLINE_INVOKES } from "./mockOutputs";
import { listStacks, readStackFile, REPO_ROOT, StackFile } from "./stackFiles";

/** One stack evaluated offline. */
export interface StackEvaluation {
    readonly stack: string;
    readonly project: string;
    readonly resources: readonly RecordedResource[];
    readonly outputs: Record<string, ResolvedOutput>;
    /** Secret config keys the committed file does not hold, supplied as placeholders offline. */
    readonly placeholderSecrets: readonly string[];
}

interface OfflineProject {
    readonly dir: string;
    /** Secret keys the program requires; offline they are placeholders (only the real CLI can decrypt). */
    readonly secretKeys: readonly string[];
    /** Stacks this one reads through StackReferences: fully qualified name -> offline stack name. */
    references(file: StackFile): Record<string, string>;
    program(): Record<string, unknown> | Promise<Record<string, unknown>>;
    /** A stack that reads its own last outputs (the traffic stack's weights); offline it has none, as before a first update. */
    selfReference?(file: StackFile, stack: string): string;
}

const TRAFFIC_DIR = path.join(REPO_ROOT, "infra", "traffic");

function recordOfConfig(value: unknown): Record<string, unknown> {
    return value !== null && typeof value === "object" ? value as Record<string, unknown> : {};
}

/** The stack name at the end of `org/project/stack`. */
function shortName(qualified: string): string {
    return qualified.split("/").pop() ?? qualified;
}

const COLOUR_PROJECT: OfflineProject = {
    dir: REPO_ROOT,
    secretKeys: SECRET_CONFIG_KEYS,
    references: file => {
        const owner = (file.config.data as { ownerStack?: unknown } | undefined)?.ownerStack;
        return typeof owner === "string" ? { [owner]: shortName(owner) } : {};
    },
    program: runColourProgram,
};

const TRAFFIC_PROJECT: OfflineProject = {
    dir: TRAFFIC_DIR,
    secretKeys: [],
    references: file => Object.fromEntries(Object.values((file.config.colourStacks ?? {}) as Record<string, unknown>)
        .filter((name): name is string => typeof name === "string")
        .map(name => [name, shortName(name)])),
    program: runTrafficProgram,
    selfReference: (file, stack) => selfStackName(String(recordOfConfig(file.config.colourStacks).blue), file.project, stack),
};

/** Every stack with a committed config: the colour stacks, then the traffic stacks. */
export function offlineStackNames(): string[] {
    return [...listStacks(COLOUR_PROJECT.dir), ...listStacks(TRAFFIC_PROJECT.dir)];
}

function projectOf(stack: string): OfflineProject {
    if (listStacks(COLOUR_PROJECT.dir).includes(stack)) {
        return COLOUR_PROJECT;
    }
    if (listStacks(TRAFFIC_PROJECT.dir).includes(stack)) {
        return TRAFFIC_PROJECT;
    }
    throw new Error(`unknown stack "${stack}"; known stacks: ${offlineStackNames().join(", ")}, traffic`);
}

/** `traffic` is the friendly name of the traffic project's one stack. */
function resolveStackName(stack: string): string {
    if (stack !== "traffic" || listStacks(COLOUR_PROJECT.dir).includes("traffic")) {
        return stack;
    }
    const stacks = listStacks(TRAFFIC_DIR);
    if (stacks.length !== 1) {
        throw new Error(`"traffic" is ambiguous: the traffic project has stacks ${stacks.join(", ")}`);
    }
    return stacks[0];
}

/**
 * A stack file's config as an offline evaluation sees it: every secret (encrypted `secure:` values,
 * which only the real CLI can decrypt, and required secrets the file does not hold) becomes a
 * placeholder marked secret. Only the ones the file lacks are reported as missing.
 */
export function offlineConfig(file: StackFile, requiredSecrets: readonly string[]) {
    const placeholderSecrets = requiredSecrets.filter(key => !(key in file.config) && !file.secureKeys.includes(key));
    const secretConfigKeys = [...file.secureKeys, ...placeholderSecrets];
    const config: Record<string, unknown> = { ...file.config };
    for (const key of secretConfigKeys) {
        config[key] = `offline-placeholder-${key}`;
    }
    return { config, secretConfigKeys, placeholderSecrets };
}

function asFixture(evaluation: StackEvaluation): StackReferenceFixture {
    return {
        outputs: outputValues(evaluation.outputs),
        secretOutputNames: Object.entries(evaluation.outputs).filter(([, output]) => output.secret).map(([key]) => key),
    };
}

/**
 * Evaluates stacks under the mock runtime with their committed config, each after the stacks it
 * references, feeding their outputs in as StackReference values. Evaluations share one process,
 * so they run one at a time; `cache` lets a caller reuse them across calls.
 */
export async function evaluateStack(stackName: string, cache = new Map<string, StackEvaluation>()): Promise<StackEvaluation> {
    const stack = resolveStackName(stackName);
    const cached = cache.get(stack);
    if (cached) {
        return cached;
    }
    const project = projectOf(stack);
    const file = readStackFile(project.dir, stack);
    const stackReferences: Record<string, StackReferenceFixture> = {};
    for (const [qualified, referenced] of Object.entries(project.references(file))) {
        stackReferences[qualified] = asFixture(await evaluateStack(referenced, cache));
    }
    const self = project.selfReference?.(file, stack);
    if (self !== undefined) {
        stackReferences[self] = { outputs: {} };
    }
    const { config, secretConfigKeys, placeholderSecrets } = offlineConfig(file, project.secretKeys);
    const evaluation = await evaluate(
        { project: file.project, stack, config, secretConfigKeys, stackReferences, invokes: OFFLINE_INVOKES },
        project.program,
    );
    const result: StackEvaluation = { stack, project: file.project, resources: evaluation.resources, outputs: evaluation.outputs, placeholderSecrets };
    cache.set(stack, result);
    return result;
}
