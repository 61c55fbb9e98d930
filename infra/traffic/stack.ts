import * as pulumi from "@pulumi/pulumi";
import { ColourPoolIds, ColourWeights } from "../../contracts/weights";
import { EdgeHardening } from "../../components/edgeHardening";
import { Colour, COLOURS, recordOf } from "../../components/platformNames";
import { TrafficSwitch } from "../../components/trafficSwitch";
import { readColourStacks } from "./colourStacks";
import { TrafficConfig } from "./config";
import { decideTraffic, PreviousTraffic } from "./previous";

/** Validated config with this update's weights and live colour decided (infra/traffic/previous.ts). */
export type TrafficSettings = Omit<TrafficConfig, "weights" | "liveColour"> & { readonly weights: ColourWeights; readonly liveColour: Colour };

/** The settings of an update from validated config and what the stack's previous update exported. */
export function trafficSettings(cfg: TrafficConfig, previous: PreviousTraffic = {}): TrafficSettings {
    const { weights, liveColour } = decideTraffic(cfg, previous);
    return { ...cfg, weights, liveColour };
}

/** What a colour shows in the traffic stack's outputs (read from its own stack). */
export interface ColourSummary {
    readonly releaseVersion: string;
    readonly mode: string;
    readonly gatewayOrigin: string;
    readonly previewHostname: string;
}

/**
 * The traffic stack's outputs. The switch tool reads `appliedWeights` to confirm a step took, and the
 * next update of this stack reads `appliedWeights` and `liveColour` back as its starting point.
 */
export interface TrafficStackOutputs {
    /** The Cloudflare plan the stack was shaped for (the policy pack's `cloudflarePlan`). */
    readonly cloudflarePlan: string;
    /** The weights this update asked for. */
    readonly weights: ColourWeights;
    /** The weights read back from the load balancer's state after the update. */
    readonly appliedWeights: pulumi.Output<ColourWeights>;
    readonly fallbackColour: Colour;
    readonly liveColour: Colour;
    readonly hostname: string;
    readonly poolIds: pulumi.Output<ColourPoolIds>;
    readonly loadBalancerId: pulumi.Output<string>;
    readonly colours: pulumi.Output<Record<Colour, ColourSummary>>;
    /** The colour stacks' fully qualified names, from config: the switch reads them from here. */
    readonly colourStacks: Readonly<Record<Colour, string>>;
    /** The step ceiling this stack was deployed with: the change guard reads it here (`--deployed`), never from a pull request. */
    readonly maxStepShare: number;
    [key: string]: unknown;
}

/**
 * Builds the traffic stack from validated config: the colour stacks' origins, the weighted load
 * balancer between them and the zone's edge hardening. A function (not top-level code) so a test can
 * build it several times with different config.
 */
export function createTrafficStack(cfg: TrafficSettings): TrafficStackOutputs {
    const { views, monitorTokens } = readColourStacks(cfg.colourStacks, cfg.weights);
    const traffic = new TrafficSwitch("traffic", {
        plan: cfg.cloudflarePlan,
        accountId: cfg.accountId,
        zoneId: cfg.zoneId,
        hostname: cfg.hostname,
        origins: views.apply(all => recordOf(COLOURS, colour => ({ address: all[colour].gatewayOrigin, hostname: all[colour].previewHostname }))),
        monitorTokens,
        weights: cfg.weights,
        liveColour: cfg.liveColour,
        monitor: cfg.monitor,
        sessionAffinityTtl: cfg.sessionAffinity.ttl,
        previewCookie: cfg.previewCookie,
        previewHeader: cfg.previewHeader,
        notificationEmail: cfg.notificationEmail,
    });
    new EdgeHardening("edge", { zoneId: cfg.zoneId, plan: cfg.cloudflarePlan, apiRateLimit: cfg.apiRateLimit });
    // Outputs that wait on the load balancer would never settle if the colour stacks are not ready
    // (their resources are never registered); tying them to the check makes them fail with its error.
    const afterColourCheck = <T>(value: pulumi.Output<T>) => pulumi.all([views, value]).apply(([, resolved]) => resolved);
    return {
        cloudflarePlan: cfg.cloudflarePlan,
        weights: cfg.weights,
        appliedWeights: afterColourCheck(traffic.appliedWeights),
        fallbackColour: traffic.fallbackColour,
        liveColour: cfg.liveColour,
        hostname: cfg.hostname,
        colourStacks: cfg.colourStacks,
        maxStepShare: cfg.maxStepShare,
        poolIds: afterColourCheck(traffic.poolIds),
        loadBalancerId: afterColourCheck(traffic.loadBalancer.id),
        colours: views.apply(all => recordOf(COLOURS, colour => {
            const { releaseVersion, mode, gatewayOrigin, previewHostname } = all[colour];
            return { releaseVersion, mode, gatewayOrigin, previewHostname };
        })),
    };
}
