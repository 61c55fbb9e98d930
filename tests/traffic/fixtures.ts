import * as path from "path";
import { Colour, COLOURS } from "../../components/platformNames";
import { readStackFile } from "../../infra/offline/stackFiles";
import { StackReferenceFixture } from "../../infra/offline/mockRuntime";
import { loadTrafficConfig } from "../../infra/traffic/config";
import { PreviousTraffic } from "../../infra/traffic/previous";
import { createTrafficStack, trafficSettings } from "../../infra/traffic/stack";
import { Evaluation, evaluateTest } from "../support/pulumi";

export const TRAFFIC_DIR = path.resolve(__dirname, "..", "..", "infra", "traffic");

/** The committed production config (keys without the `blkout-traffic:` prefix). */
export function productionConfig(): Record<string, unknown> {
    return readStackFile(TRAFFIC_DIR, "production").config;
}

/** The production config mid-canary, as a switch step sets it: 95 % blue, 5 % green, blue live. */
export function canaryConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return { ...productionConfig(), weights: { blue: 95, green: 5 }, liveColour: "blue", ...overrides };
}

/** A colour's monitor token as the colour stack generates it (48 letters and digits). */
export function monitorToken(colour: Colour): string {
    return (colour === "blue" ? "B" : "G").repeat(24) + "0123456789abcdefghijklmn";
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
        previewHostname: `${colour}.blkoutuk.com`,
        monitorToken: monitorToken(colour),
        ...overrides,
    };
}

/** StackReference fixtures for both colours, keyed by the stack names the config points at. */
export function colourStackFixtures(
    cfg: Record<string, unknown>,
    outputs: Partial<Record<Colour, Record<string, unknown>>> = {},
): Record<string, StackReferenceFixture> {
    const stacks = cfg.colourStacks as Record<Colour, string>;
    return Object.fromEntries(COLOURS.map(colour => [stacks[colour], { outputs: outputs[colour] ?? colourOutputs(colour), secretOutputNames: ["monitorToken"] }]));
}

/** Evaluates the traffic stack for raw config (and what the stack's previous update exported) under the mocks. */
export function evaluateTraffic(
    raw: Record<string, unknown>,
    outputs: Partial<Record<Colour, Record<string, unknown>>> = {},
    previous: PreviousTraffic = {},
): Promise<Evaluation<Record<string, unknown>>> {
    return evaluateTest(() => createTrafficStack(trafficSettings(loadTrafficConfig(raw), previous)), {
        project: "blkout-traffic",
        stack: "production",
        stackReferences: colourStackFixtures(raw, outputs),
    });
}
