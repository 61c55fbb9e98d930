import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

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

/** Reads the project name from a `Pulumi.yaml`. */
export function readProjectName(projectDir: string): string {
    const doc = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name?: unknown };
    if (typeof doc?.name !== "string") {
        throw new Error(`${path.join(projectDir, "Pulumi.yaml")}: expected a project name`);
    }
    return doc.name;
}

/**
 * Reads `Pulumi.<stack>.yaml` from a project directory. Keys of other namespaces (e.g. `digitalocean:`)
 * are provider settings, not the program's config, so they are left out.
 */
export function readStackFile(projectDir: string, stack: string): StackFile {
    const project = readProjectName(projectDir);
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`no stack "${stack}": ${path.relative(process.cwd(), file)} does not exist`);
    }
    const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, unknown> = {};
    const secureKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(doc.config ?? {})) {
        if (!fullKey.startsWith(`${project}:`)) {
            continue;
        }
        const key = fullKey.slice(project.length + 1);
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            secureKeys.push(key);
        } else {
            config[key] = value;
        }
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
