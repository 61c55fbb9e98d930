import * as pulumi from "@pulumi/pulumi";

/**
 * A RunError for a check made inside an Output. Such an error reaches several resources' inputs,
 * and the SDK prepends `error serializing property "..."` to its message at each one, burying the
 * explanation under a chain of prefixes; this message ignores those rewrites. As a RunError the
 * engine prints it once (it deduplicates errors by identity) and without a stack trace.
 */
export class StableRunError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        Object.defineProperty(this, "message", { get: () => message, set: () => undefined, enumerable: false, configurable: false });
    }
}

/** Formats problems one per line under a heading. */
export function problemList(heading: string, problems: readonly string[]): string {
    return `${heading}:\n${problems.map(problem => `  - ${problem}`).join("\n")}`;
}
