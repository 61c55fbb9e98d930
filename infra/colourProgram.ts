import { createColourStack, ColourStackOutputs } from "./colourStack";
import { readColourConfig } from "./config/fromPulumi";
import { readOrRunError } from "./config/validators";

/**
 * Reads and validates the stack's config, then builds the colour stack. Invalid config becomes a
 * RunError: the engine prints its message alone, without a stack trace, and no resource has been
 * registered because validation runs first.
 */
export function runColourProgram(): ColourStackOutputs {
    const read = readOrRunError(readColourConfig);
    return createColourStack(read.config, read.secrets);
}
