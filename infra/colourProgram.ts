import * as pulumi from "@pulumi/pulumi";
import { createColourStack, ColourStackOutputs } from "./colourStack";
import { readColourConfig } from "./config/fromPulumi";
import { ConfigError } from "./config/validators";

/**
 * Reads and validates the stack's config, then builds the colour stack. Invalid config becomes a
 * RunError: the engine prints its message alone, without a stack trace, and no resource has been
 * registered because validation runs first.
 */
export function runColourProgram(): ColourStackOutputs {
    let read: ReturnType<typeof readColourConfig>;
    try {
        read = readColourConfig();
    } catch (error) {
        throw error instanceof ConfigError ? new pulumi.RunError(error.message) : error;
    }
    return createColourStack(read.config, read.secrets);
}
