import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { keysAt, suggestion } from "./suggest";
import { describeValue } from "../../contracts/describe";
import { imageProblem } from "../../components/k8sWorkload";

export { describeValue };

/**
 * Schema builders whose messages say what was expected and what was found, so a config error reads
 * `apis.ivor.replicas: expected an integer 1-50, got "three"` rather than zod's generic wording.
 */

function expecting(what: string) {
    return { error: (issue: { input?: unknown }) => `expected ${what}, got ${describeValue(issue.input)}` };
}

/** An integer within [min, max]. */
export function integer(min: number, max: number) {
    const message = expecting(`an integer ${min}-${max}`);
    return z.number(message).int(message).min(min, message).max(max, message);
}

/** One of a fixed set of strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
    return z.enum(values, expecting(`one of ${values.map(v => `"${v}"`).join(", ")}`));
}

/** A string matching a pattern, described in words for the message. */
export function matching(pattern: RegExp, description: string) {
    const message = expecting(description);
    return z.string(message).regex(pattern, message);
}

/**
 * A container image pinned by tag or digest, never `latest` and never untagged. The decision is the
 * components' one rule (`imageProblem` in components/k8sWorkload.ts), so the config never accepts an
 * image a component refuses or the other way round; only the wording is the config's.
 */
export function pinnedImage() {
    return z.string(expecting("an image reference like registry/name:tag")).superRefine((ref, ctx) => {
        if (imageProblem("image", ref) !== undefined) {
            ctx.addIssue({
                code: "custom",
                message: /:latest(?:@|$)/.test(ref)
                    ? `expected a pinned tag, got the moving tag "latest" in ${describeValue(ref)}`
                    : `expected an image pinned by tag or digest, got ${describeValue(ref)}`,
            });
        }
    });
}

/** A config section: unknown keys are errors (a typo must not silently fall back to a default). */
export function section<T extends z.core.$ZodLooseShape>(shape: T) {
    return z.strictObject(shape, expecting("a section (a YAML mapping)"));
}

/** Formats zod issues one per line as `key.path: message`, in the order the schema found them. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = "", schema?: z.core.$ZodType): string[] {
    const at = (path: readonly PropertyKey[]) => [prefix, ...path.map(String)].filter(p => p !== "").join(".") || "(root)";
    return issues.flatMap(issue => (issue.code === "unrecognized_keys"
        ? issue.keys.map(key => `${at([...issue.path, clip(key)])}: ${unknownKeyMessage(key, schema ? keysAt(schema, issue.path) : undefined)}`)
        : [`${at(issue.path)}: ${issue.message}`]));
}

const clip = (key: string) => (key.length > 80 ? `${key.slice(0, 80)}...` : key);

/** An unknown key, with the valid key it most likely meant (a typo must not fall back to a default silently). */
function unknownKeyMessage(key: string, valid: readonly string[] | undefined): string {
    return `unknown key (${valid ? suggestion(key, valid) : "check the spelling"})`;
}

/** Thrown when config is invalid; its message lists every problem, one per line. */
export class ConfigError extends Error {
    constructor(readonly problems: readonly string[], subject: string) {
        super(`${subject} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map(p => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/**
 * Runs a config read, turning a ConfigError into the SDK's RunError: the engine prints a RunError's
 * message alone, without a stack trace. Other errors are bugs and keep their trace.
 */
export function readOrRunError<T>(read: () => T): T {
    try {
        return read();
    } catch (error) {
        throw error instanceof ConfigError ? new pulumi.RunError(error.message) : error;
    }
}
