import * as pulumi from "@pulumi/pulumi";
import { ColourConfig, SECRET_CONFIG_KEYS, SecretConfigKey } from "./colourConfig";
import { loadColourConfig, RawConfig } from "./loadColourConfig";
import { readRawConfig } from "./rawConfig";

// The SDK keeps this out of its typings; it is how the engine's `--secret` flag reaches the program.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** The secrets a colour stack takes from config, secret end to end. */
export type ColourSecrets = Record<SecretConfigKey, pulumi.Output<string>>;

/**
 * The only place a colour stack reads config: every `<project>:` key, validated into one typed
 * object. Secret keys are checked for presence and for having been set with `--secret`; their
 * values never enter the plain object or any message.
 */
export function readColourConfig(project: string = pulumi.getProject()): { config: ColourConfig; secrets: ColourSecrets } {
    const raw: RawConfig = {};
    const presentSecrets: string[] = [];
    const plainSecrets: string[] = [];
    for (const [key, value] of Object.entries(readRawConfig(project))) {
        if ((SECRET_CONFIG_KEYS as readonly string[]).includes(key)) {
            presentSecrets.push(key);
            if (!isConfigSecret(`${project}:${key}`)) {
                plainSecrets.push(`${key}: is stored in plain text; remove it and run \`pulumi config set --secret ${key} <value>\``);
            }
        } else {
            raw[key] = value;
        }
    }
    const config = loadColourConfig(raw, presentSecrets, `stack ${pulumi.getStack()}'s config`, plainSecrets);
    const stackConfig = new pulumi.Config(project);
    const secrets = Object.fromEntries(SECRET_CONFIG_KEYS.map(key => [key, stackConfig.requireSecret(key)])) as ColourSecrets;
    return { config, secrets };
}
