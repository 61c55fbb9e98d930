import * as fs from "fs";
import * as path from "path";
import { parseYamlSafely, splitStackDocument } from "../config/guards";
import { ConfigError } from "../config/validators";

/** A committed `Pulumi.<stack>.yaml`, split the way the engine would see it. */
export interface StackFile {
    readonly stack: string;
    readonly project: string;
    /** Plain config values by key, without the `<project>:` prefix. */
    readonly config: Record<string, unknown>;
    /** Keys whose value is an encrypted `secure:` blob (decryptable only by the real CLI). */
    readonly secureKeys: readonly string[];
}

/** The repository root: where `Pulumi.yaml` sits. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** A file's name for messages: relative to the working directory when inside it. */
function shown(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative.startsWith("..") || relative === "" ? file : relative;
}

/** Reads a file as hostile YAML: bounded, linear, one document; a problem is a ConfigError naming the file. */
function readYaml(file: string): unknown {
    const where = shown(file);
    const { value, problems } = parseYamlSafely(fs.readFileSync(file, "utf8"), where);
    if (problems.length > 0) {
        throw new ConfigError(problems, where);
    }
    return value;
}

/** Reads the project name from a `Pulumi.yaml`. */
export function readProjectName(projectDir: string): string {
    const doc = readYaml(path.join(projectDir, "Pulumi.yaml")) as { name?: unknown } | null;
    if (typeof doc?.name !== "string") {
        throw new Error(`${path.join(projectDir, "Pulumi.yaml")}: expected a project name`);
    }
    return doc.name;
}

/**
 * Reads `Pulumi.<stack>.yaml` from a project directory. Keys of provider namespaces (e.g.
 * `digitalocean:`) are provider settings, not the program's config, so they are left out; any other
 * namespace, a malformed `secure:` value or a YAML oddity is a ConfigError naming the key.
 */
export function readStackFile(projectDir: string, stack: string): StackFile {
    const project = readProjectName(projectDir);
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new ConfigError([`no stack "${stack}": ${shown(file)} does not exist`], `stack ${stack}`);
    }
    const { config, secureKeys, problems } = splitStackDocument(readYaml(file), project);
    if (problems.length > 0) {
        throw new ConfigError(problems, `stack ${stack}'s file ${shown(file)}`);
    }
    return { stack, project, config, secureKeys };
}

/** The stacks a project directory has committed files for, in name order. */
export function listStacks(projectDir: string): string[] {
    return fs.readdirSync(projectDir)
        .map(name => /^Pulumi\.(.+)\.yaml$/.exec(name)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}
