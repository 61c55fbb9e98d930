import * as path from "path";
import { Colour, COLOURS } from "../../components/platformNames";
import { readStackFile } from "../../infra/offline/stackFiles";
import { StackReferenceFixture } from "../../infra/offline/mockRuntime";
import { loadTrafficConfig } from "../../infra/traffic/config";
import { createTrafficStack } from "../../infra/traffic/stack";
import { Evaluation, evaluateTest } from "../support/pulumi";

export const TRAFFIC_DIR = path.resolve(__dirname, "..", "..", "infra", "traffic");

/** The committed production config (keys without the `blkout-traffic:` prefix). */
export function productionConfig(): Record<string, unknown> {
    return readStackFile(TRAFFIC_DIR, "production").config;
}

/** The production config mid-canary: 95 % blue, 5 % green. */
export function canaryConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return { ...productionConfig(), weights: { blue: 95, green: 5 }, ...overrides };
}

export const GATEWAY_ORIGINS: Readonly<Record<Colour, string>> = { blue: "203.0.113.10", green: "203.0.113.20" };

/** A deployed, active colour stack's outputs as the colour program exports them. */
export function colourOutputs(colour: Colour, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        colour,
        releaseVersion: colour === "blue" ? "2026.11.3" : "2026.12.0",
        mode: "active",
        gatewayOrigin: GATEWAY_ORIGINS[colour],
        healthPath: "/healthz",
        previewHostname: `${colour}.preview.blkoutuk.com`,
        ...overrides,
    };
}

/** StackReference fixtures for both colours, keyed by the stack names the config points at. */
export function colourStackFixtures(
    cfg: Record<string, unknown>,
    outputs: Partial<Record<Colour, Record<string, unknown>>> = {},
): Record<string, StackReferenceFixture> {
    const stacks = cfg.colourStacks as Record<Colour, string>;
    return Object.fromEntries(COLOURS.map(colour => [stacks[colour], { outputs: outputs[colour] ?? colourOutputs(colour) }]));
}

/** Evaluates the traffic stack for raw config under the mocks. */
export function evaluateTraffic(
    raw: Record<string, unknown>,
    outputs: Partial<Record<Colour, Record<string, unknown>>> = {},
): Promise<Evaluation<Record<string, unknown>>> {
    return evaluateTest(() => createTrafficStack(loadTrafficConfig(raw)), {
        project: "blkout-traffic",
        stack: "production",
        stackReferences: colourStackFixtures(raw, outputs),
    });
}
