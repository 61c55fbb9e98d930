import * as pulumi from "@pulumi/pulumi";
import { readRawConfig } from "../config/rawConfig";
import { readOrRunError } from "../config/validators";
import { loadTrafficConfig } from "./config";
import { createTrafficStack, TrafficStackOutputs } from "./stack";

/**
 * The traffic stack's program: reads the config once, validates it, then builds the stack. Invalid
 * config becomes a RunError (the engine prints its message without a stack trace), raised before any
 * resource is registered.
 */
export function runTrafficProgram(): TrafficStackOutputs {
    const cfg = readOrRunError(() => loadTrafficConfig(readRawConfig(), `stack ${pulumi.getStack()}'s traffic config`));
    return createTrafficStack(cfg);
}
