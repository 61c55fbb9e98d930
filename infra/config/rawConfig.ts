import * as pulumi from "@pulumi/pulumi";

/** A structured value arrives as JSON text; a plain scalar does not parse and stays a string. */
function parseConfigValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/**
 * Every `<project>:` key of the stack's config, prefix removed, so a misspelt key reaches the schema
 * (and is reported) rather than being silently ignored the way `pulumi.Config.get` would ignore it.
 */
export function readRawConfig(project: string = pulumi.getProject()): Record<string, unknown> {
    const prefix = `${project}:`;
    return Object.fromEntries(Object.entries(pulumi.runtime.allConfig())
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, text]) => [key.slice(prefix.length), parseConfigValue(text)]));
}
