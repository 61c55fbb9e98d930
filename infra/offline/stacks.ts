import * as path from "path";
import { ColourConfig, SECRET_CONFIG_KEYS } from "../config/colourConfig";
import { crossStackProblems, qualifiedParts } from "../config/crossStack";
import { loadColourConfig } from "../config/loadColourConfig";
import { ConfigError } from "../config/validators";
import { runColourProgram } from "../colourProgram";
import { loadTrafficConfig, TrafficConfig } from "../traffic/config";
import { selfStackName } from "../traffic/previous";
import { runTrafficProgram } from "../traffic/program";
import { evaluate, outputValues, ResolvedOutput } from "./evaluate";
import { RecordedResource, StackReferenceFixture } from "./mockRuntime";
import { OFFLINE_INVOKES } from "./mockOutputs";
import { listStacks, readProjectName, readStackFile, REPO_ROOT, StackFile } from "./stackFiles";

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
    readonly kind: "colour" | "traffic";
    readonly dir: (root: string) => string;
    /** Secret keys the program requires; offline they are placeholders (only the real CLI can decrypt). */
    readonly secretKeys: readonly string[];
    /** Validates the stack's own config (before any reference is followed); throws ConfigError. */
    validate(file: StackFile): unknown;
    /** Stacks this one reads through StackReferences, with the key that names each. */
    references(file: StackFile): Array<{ key: string; qualified: string }>;
    program(): Record<string, unknown> | Promise<Record<string, unknown>>;
    /** A stack that reads its own last outputs (the traffic stack's weights); offline it has none, as before a first update. */
    selfReference?(file: StackFile, stack: string): string;
}

function recordOfConfig(value: unknown): Record<string, unknown> {
    return value !== null && typeof value === "object" ? value as Record<string, unknown> : {};
}

const COLOUR_PROJECT: OfflineProject = {
    kind: "colour",
    dir: root => root,
    secretKeys: SECRET_CONFIG_KEYS,
    validate: file => loadColourConfig(file.config, SECRET_CONFIG_KEYS, `stack ${file.stack}'s config`,
        SECRET_CONFIG_KEYS.filter(key => key in file.config).map(key => `${key}: is stored in plain text; remove it and run \`pulumi config set --secret ${key} <value>\``)),
    references: file => {
        const owner = (file.config.data as { ownerStack?: unknown } | undefined)?.ownerStack;
        return typeof owner === "string" ? [{ key: "data.ownerStack", qualified: owner }] : [];
    },
    program: runColourProgram,
};

const TRAFFIC_PROJECT: OfflineProject = {
    kind: "traffic",
    dir: root => path.join(root, "infra", "traffic"),
    secretKeys: [],
    validate: file => loadTrafficConfig(file.config, `stack ${file.stack}'s traffic config`),
    references: file => Object.entries((file.config.colourStacks ?? {}) as Record<string, unknown>)
        .filter((entry): entry is [string, string] => typeof entry[1] === "string")
        .map(([colour, qualified]) => ({ key: `colourStacks.${colour}`, qualified })),
    program: runTrafficProgram,
    selfReference: (file, stack) => selfStackName(String(recordOfConfig(file.config.colourStacks).blue), file.project, stack),
};

/** Every stack with a committed config: the colour stacks, then the traffic stacks. */
export function offlineStackNames(root = REPO_ROOT): string[] {
    return [...listStacks(COLOUR_PROJECT.dir(root)), ...listStacks(TRAFFIC_PROJECT.dir(root))];
}

function projectOf(stack: string, root: string): OfflineProject {
    const project = [COLOUR_PROJECT, TRAFFIC_PROJECT].find(candidate => listStacks(candidate.dir(root)).includes(stack));
    if (project === undefined) {
        throw new ConfigError([`unknown stack "${stack}"; known stacks: ${offlineStackNames(root).join(", ")}, traffic`], "the command line");
    }
    return project;
}

/** `traffic` is the friendly name of the traffic project's one stack. */
function resolveStackName(stack: string, root: string): string {
    if (stack !== "traffic" || listStacks(COLOUR_PROJECT.dir(root)).includes("traffic")) {
        return stack;
    }
    const stacks = listStacks(TRAFFIC_PROJECT.dir(root));
    if (stacks.length !== 1) {
        throw new ConfigError([`"traffic" names ${stacks.length === 0 ? "no stack: infra/traffic has no Pulumi.<stack>.yaml" : `more than one stack: ${stacks.join(", ")}`}`], "the command line");
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

export interface EvaluateOptions {
    /** The repository whose stack files are read. @default REPO_ROOT */
    readonly root?: string;
    /** Stacks being evaluated further up (reference cycle detection). */
    readonly chain?: readonly string[];
}

/** The stack a reference names, checked before it is followed: right project, existing file, no cycle. */
function referencedStack(stack: string, key: string, qualified: string, root: string, chain: readonly string[]): string {
    const where = `stack ${stack}'s config`;
    const parts = qualifiedParts(qualified);
    const colourProject = readProjectName(COLOUR_PROJECT.dir(root));
    if (parts === undefined || parts.project !== colourProject) {
        throw new ConfigError([`${key}: names "${qualified}"; only a colour stack of project "${colourProject}" can be referenced`], where);
    }
    if (!listStacks(COLOUR_PROJECT.dir(root)).includes(parts.stack)) {
        throw new ConfigError([`${key}: names stack "${parts.stack}", which has no Pulumi.${parts.stack}.yaml`], where);
    }
    const colour = /^colourStacks\.(\w+)$/.exec(key)?.[1];
    const named = colour === undefined ? undefined : readStackFile(COLOUR_PROJECT.dir(root), parts.stack).config.colour;
    if (named !== undefined && named !== colour) {
        throw new ConfigError([`${key}: names stack "${parts.stack}", whose colour is ${JSON.stringify(named)}; are blue and green swapped?`], where);
    }
    const cycle = [...chain, stack];
    if (cycle.includes(parts.stack)) {
        throw new ConfigError([`${key}: reference cycle ${[...cycle.slice(cycle.indexOf(parts.stack)), parts.stack].join(" -> ")}`], where);
    }
    return parts.stack;
}

/**
 * Evaluates stacks under the mock runtime with their committed config. Each stack's own config is
 * validated first; only then are its references checked (project, file, cycle) and evaluated, and
 * their outputs fed in as StackReference values. Evaluations share one process, so they run one at
 * a time; `cache` lets a caller reuse them across calls.
 */
export async function evaluateStack(stackName: string, cache = new Map<string, StackEvaluation>(), options: EvaluateOptions = {}): Promise<StackEvaluation> {
    const root = options.root ?? REPO_ROOT;
    const stack = resolveStackName(stackName, root);
    const cached = cache.get(stack);
    if (cached) {
        return cached;
    }
    const project = projectOf(stack, root);
    const file = readStackFile(project.dir(root), stack);
    project.validate(file);
    const stackReferences: Record<string, StackReferenceFixture> = {};
    for (const { key, qualified } of project.references(file)) {
        const referenced = referencedStack(stack, key, qualified, root, options.chain ?? []);
        try {
            stackReferences[qualified] = asFixture(await evaluateStack(referenced, cache, { root, chain: [...(options.chain ?? []), stack] }));
        } catch (error) {
            throw error instanceof ConfigError && error.message.includes("reference cycle")
                ? error
                : new ConfigError([`${key}: the referenced stack "${referenced}" failed: ${(error as Error).message}`], `stack ${stack}`);
        }
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

/** The cross-stack problems of every committed config (stacks whose own config is invalid are reported per stack instead). */
export function committedConfigProblems(root = REPO_ROOT): string[] {
    let complete = true;
    const validated = <T>(project: OfflineProject) => Object.fromEntries(listStacks(project.dir(root)).flatMap(stack => {
        try {
            return [[stack, project.validate(readStackFile(project.dir(root), stack)) as T]];
        } catch {
            complete = false;
            return [];
        }
    }));
    const colours = validated<ColourConfig>(COLOUR_PROJECT);
    const traffic = validated<TrafficConfig>(TRAFFIC_PROJECT);
    return crossStackProblems({
        complete,
        colourProject: readProjectName(COLOUR_PROJECT.dir(root)),
        trafficProject: readProjectName(TRAFFIC_PROJECT.dir(root)),
        colours,
        traffic,
        colourStackFiles: listStacks(COLOUR_PROJECT.dir(root)),
        trafficStackFiles: listStacks(TRAFFIC_PROJECT.dir(root)),
    });
}
