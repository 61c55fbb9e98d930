import * as pulumi from "@pulumi/pulumi";
import { ColourWeights, weightProblems } from "../../contracts/weights";
import { Colour, COLOURS, recordOf } from "../../components/platformNames";
import { describeValue } from "../config/validators";

/**
 * Where the weights of an update come from. The load balancer's last applied weights (this stack's
 * own `appliedWeights` output) are the one source of truth: a committed config carries no weights,
 * so a plain `pulumi up` from a clean checkout or from CI keeps the split the switch left. Only the
 * switch sets `weights` (and `liveColour`) for the one update of a step; the stack's very first
 * update sends everything to `initialLiveColour`. The switch reads the same output back to confirm
 * a step and journals it, so the switch, its journal and the load balancer agree.
 */

/** What the stack's previous update exported, as read back (unvalidated). */
export interface PreviousTraffic {
    readonly appliedWeights?: unknown;
    readonly liveColour?: unknown;
}

export interface TrafficDecision {
    readonly weights: ColourWeights;
    readonly liveColour: Colour;
    /** Why these weights: the switch asked, the load balancer already had them, or nothing ever ran. */
    readonly source: "switch" | "last-applied" | "first-update";
}

export interface TrafficIntent {
    readonly weights?: ColourWeights;
    readonly liveColour?: Colour;
    readonly initialLiveColour: Colour;
}

/** Thrown when the stack's own previous outputs are unreadable: resetting the split is never the answer. */
export class PreviousTrafficError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PreviousTrafficError";
        this.stack = `${this.name}: ${message}`;
    }
}

function isColour(value: unknown): value is Colour {
    return (COLOURS as readonly unknown[]).includes(value);
}

/** The weights and live colour of this update; see the module comment for the order of sources. */
export function decideTraffic(intent: TrafficIntent, previous: PreviousTraffic): TrafficDecision {
    if (previous.appliedWeights !== undefined && previous.appliedWeights !== null && weightProblems(previous.appliedWeights).length > 0) {
        throw new PreviousTrafficError(`this stack's last appliedWeights output is ${describeValue(previous.appliedWeights)}: `
            + `${weightProblems(previous.appliedWeights).map(p => p.message).join("; ")}; refusing to guess the split. `
            + "Run the switch tool (`npm run switch -- status`, then `to` or `rollback`) to set it explicitly.");
    }
    const last = previous.appliedWeights ? previous.appliedWeights as ColourWeights : undefined;
    const lastLive = isColour(previous.liveColour) ? previous.liveColour : undefined;
    if (intent.weights) {
        return { weights: intent.weights, liveColour: intent.liveColour ?? lastLive ?? intent.initialLiveColour, source: "switch" };
    }
    if (last) {
        return { weights: last, liveColour: intent.liveColour ?? lastLive ?? intent.initialLiveColour, source: "last-applied" };
    }
    const first = intent.liveColour ?? intent.initialLiveColour;
    return { weights: recordOf(COLOURS, colour => (colour === first ? 100 : 0)), liveColour: first, source: "first-update" };
}

/**
 * This stack's fully qualified name. StackReferences name an organisation, which the mock runtime
 * does not know; the traffic stack lives in the organisation of the colour stacks it references.
 */
export function selfStackName(colourStack: string, project: string, stack: string): string {
    return `${colourStack.split("/")[0]}/${project}/${stack}`;
}

/**
 * Reads this stack's own outputs from its last update through a StackReference to itself (Pulumi
 * reads the stack's last checkpoint; a stack reading its own outputs back is the pattern shown in
 * https://github.com/pulumi/pulumi/issues/3722). A stack never updated has none.
 */
export async function readPreviousTraffic(selfName: string): Promise<PreviousTraffic> {
    const self = new pulumi.StackReference("traffic-self", { name: selfName });
    const [weights, live] = await Promise.all([self.getOutputDetails("appliedWeights"), self.getOutputDetails("liveColour")]);
    return { appliedWeights: weights.value, liveColour: live.value };
}
