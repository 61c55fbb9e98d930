import * as pulumi from "@pulumi/pulumi";
import { EdgeHardening } from "../../components/edgeHardening";
import { Colour, COLOURS } from "../../components/platformNames";
import { ColourOrigin, TrafficSwitch } from "../../components/trafficSwitch";
import { readColourStacks } from "./colourStacks";
import { TrafficConfig } from "./config";
import { ColourPoolIds, ColourWeights } from "./weights";

/** What a colour shows in the traffic stack's outputs (read from its own stack). */
export interface ColourSummary {
    readonly releaseVersion: string;
    readonly mode: string;
    readonly gatewayOrigin: string;
    readonly previewHostname?: string;
}

/** The traffic stack's outputs; the switch tool reads `appliedWeights` to confirm a step took. */
export interface TrafficStackOutputs {
    /** The weights the config asked for. */
    readonly weights: ColourWeights;
    /** The weights read back from the load balancer's state after the update. */
    readonly appliedWeights: pulumi.Output<ColourWeights>;
    readonly fallbackColour: Colour;
    readonly liveColour: Colour;
    readonly hostname: string;
    readonly poolIds: pulumi.Output<ColourPoolIds>;
    readonly loadBalancerId: pulumi.Output<string>;
    readonly colours: pulumi.Output<Record<Colour, ColourSummary>>;
    [key: string]: unknown;
}

/**
 * Builds the traffic stack from validated config: the colour stacks' origins, the weighted load
 * balancer between them and the zone's edge hardening. A function (not top-level code) so a test can
 * build it several times with different config.
 */
export function createTrafficStack(cfg: TrafficConfig): TrafficStackOutputs {
    const colourStacks = readColourStacks(cfg.colourStacks, cfg.weights);
    const traffic = new TrafficSwitch("traffic", {
        accountId: cfg.accountId,
        zoneId: cfg.zoneId,
        hostname: cfg.hostname,
        origins: colourStacks.apply(views => Object.fromEntries(COLOURS.map(colour =>
            [colour, { address: views[colour].gatewayOrigin, healthPath: views[colour].healthPath }])) as Record<Colour, ColourOrigin>),
        weights: cfg.weights,
        liveColour: cfg.liveColour,
        monitor: cfg.monitor,
        sessionAffinityTtl: cfg.sessionAffinity.ttl,
        previewCookie: cfg.previewCookie,
        previewHeader: cfg.previewHeader,
        notificationEmail: cfg.notificationEmail,
    });
    new EdgeHardening("edge", { zoneId: cfg.zoneId, apiRateLimit: cfg.apiRateLimit });
    // Outputs that wait on the load balancer would never settle if the colour stacks are not ready
    // (their resources are never registered); tying them to the check makes them fail with its error.
    const afterColourCheck = <T>(value: pulumi.Output<T>) => pulumi.all([colourStacks, value]).apply(([, resolved]) => resolved);
    return {
        weights: cfg.weights,
        appliedWeights: afterColourCheck(traffic.appliedWeights),
        fallbackColour: traffic.fallbackColour,
        liveColour: cfg.liveColour,
        hostname: cfg.hostname,
        poolIds: afterColourCheck(traffic.poolIds),
        loadBalancerId: afterColourCheck(traffic.loadBalancer.id),
        colours: colourStacks.apply(views => Object.fromEntries(COLOURS.map(colour => {
            const { releaseVersion, mode, gatewayOrigin, previewHostname } = views[colour];
            return [colour, { releaseVersion, mode, gatewayOrigin, ...(previewHostname ? { previewHostname } : {}) }];
        })) as Record<Colour, ColourSummary>),
    };
}
