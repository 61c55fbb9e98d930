import * as pulumi from "@pulumi/pulumi";
import { readRawConfig } from "../config/rawConfig";
import { ConfigError, readOrRunError } from "../config/validators";
import { loadTrafficConfig } from "./config";
import { decideTraffic, PreviousTrafficError, readPreviousTraffic, selfStackName } from "./previous";
import { entryPointConflicts, readZoneRulesets } from "./rulesets";
import { createTrafficStack, TrafficStackOutputs } from "./stack";

/**
 * The traffic stack's program: reads the config once and validates it, reads the weights the load
 * balancer last applied from this stack's own outputs, warns about zone entry-point rulesets it
 * would collide with (infra/traffic/rulesets.ts), then builds the stack. Invalid config or
 * unreadable previous weights become a RunError (the engine prints its message without a stack
 * trace), raised before any resource but the self-reference is registered.
 */
export async function runTrafficProgram(): Promise<TrafficStackOutputs> {
    const subject = `stack ${pulumi.getStack()}'s traffic config`;
    const cfg = readOrRunError(() => loadTrafficConfig(readRawConfig(), subject));
    const previous = await readPreviousTraffic(selfStackName(cfg.colourStacks.blue, pulumi.getProject(), pulumi.getStack()));
    const decision = readOrRunError(() => {
        try {
            return decideTraffic(cfg, previous);
        } catch (error) {
            throw error instanceof PreviousTrafficError ? new ConfigError([error.message], subject) : error;
        }
    });
    for (const conflict of entryPointConflicts(await readZoneRulesets(cfg.zoneId), cfg.zoneId, pulumi.getStack(), pulumi.getProject())) {
        pulumi.log.warn(conflict);
    }
    // Where the weights came from shows in the update's outputs: "switch", "last-applied" or "first-update".
    return { ...createTrafficStack({ ...cfg, weights: decision.weights, liveColour: decision.liveColour }), weightsSource: decision.source };
}
