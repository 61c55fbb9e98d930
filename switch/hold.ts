import { Colour } from "../components/platformNames";
import { ColourStackControl } from "./warm";

/**
 * `standby <colour>`: the way a colour goes back to standby, after the hold. A completed switch
 * leaves the colour it moved away from active for the hold period (default 24 h), so a late-found
 * fault can still be rolled back onto warm capacity. Earlier only with `--force` and a reason, which
 * is journaled. Never while the colour carries traffic or a switch is unsettled. The HA control
 * plane is left as it is: DigitalOcean cannot turn it off (only a rebuilt cluster would drop it).
 */

export const DEFAULT_HOLD_MS = 24 * 60 * 60 * 1000;

/** The latest switch as the hold needs it. */
export interface SwitchSummary {
    readonly switchId: string;
    readonly from: Colour;
    readonly to: Colour;
    readonly state: string;
    /** When it settled (ISO); absent while it runs. */
    readonly endedAt?: string;
}

export interface ForcedStandby {
    readonly type: "standby-forced";
    readonly colour: Colour;
    readonly reason: string;
    readonly by: string;
    readonly at: string;
    readonly switchId: string;
    readonly holdRemainingMs: number;
}

export interface HoldDeps {
    readonly stacks: ColourStackControl;
    /** Percent of traffic on each colour now. */
    weights(): Promise<Readonly<Record<Colour, number>>>;
    latestSwitch(): Promise<SwitchSummary | undefined>;
    /** Appends to the lifecycle journal (beside the switch journal, in the same store). */
    journal(entry: ForcedStandby): Promise<void>;
    readonly now: () => number;
    readonly actor: string;
    readonly log: (line: string) => void;
}

export interface StandbyRequest {
    readonly colour: Colour;
    readonly holdMs: number;
    /** Set with `--force <reason>`: skips the hold, never the traffic check. */
    readonly forceReason?: string;
    /** Check only, change nothing (the deploy workflow, when the committed config says standby). */
    readonly checkOnly: boolean;
}

export type StandbyOutcome =
    | { readonly kind: "refused"; readonly reasons: readonly string[] }
    | { readonly kind: "allowed"; readonly forced: boolean; readonly applied: boolean };

const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;

/** Every reason the colour may not go to standby now, and the hold still to run (0 when over). */
export function holdRefusals(colour: Colour, weights: Readonly<Record<Colour, number>>, latest: SwitchSummary | undefined, holdMs: number, now: number): { reasons: string[]; holdRemainingMs: number } {
    const reasons: string[] = [];
    if (weights[colour] !== 0) {
        reasons.push(`${colour} carries ${weights[colour]} % of traffic: switch it away first (npm run switch -- to <other colour>)`);
    }
    if (latest && !latest.endedAt) {
        reasons.push(`switch ${latest.switchId} (${latest.from} -> ${latest.to}) is ${latest.state}: settle it first`);
    }
    let holdRemainingMs = 0;
    if (latest?.state === "completed" && latest.from === colour && latest.endedAt) {
        const ended = Date.parse(latest.endedAt);
        // An unreadable end time holds the colour: the safe reading.
        holdRemainingMs = Number.isNaN(ended) ? holdMs : Math.max(0, ended + holdMs - now);
        // A clock that jumped backwards shows a hold longer than configured: cap it, never shorten it.
        holdRemainingMs = Math.min(holdRemainingMs, holdMs);
    }
    return { reasons, holdRemainingMs };
}

export async function standby(request: StandbyRequest, deps: HoldDeps): Promise<StandbyOutcome> {
    const { colour } = request;
    const [weights, latest] = await Promise.all([deps.weights(), deps.latestSwitch()]);
    const { reasons, holdRemainingMs } = holdRefusals(colour, weights, latest, request.holdMs, deps.now());
    const forced = holdRemainingMs > 0 && request.forceReason !== undefined;
    if (holdRemainingMs > 0 && !forced) {
        reasons.push(`${colour} is on hold after switch ${latest!.switchId} (${latest!.from} -> ${latest!.to}, ended ${latest!.endedAt}): `
            + `${hours(holdRemainingMs)} of ${hours(request.holdMs)} left; --force <reason> to go to standby earlier`);
    }
    if (reasons.length > 0) {
        return { kind: "refused", reasons };
    }
    if (request.checkOnly) {
        return { kind: "allowed", forced: false, applied: false };
    }
    if (forced) {
        await deps.journal({
            type: "standby-forced", colour, reason: request.forceReason!, by: deps.actor, at: new Date(deps.now()).toISOString(),
            switchId: latest!.switchId, holdRemainingMs,
        });
        deps.log(`${colour}: hold overridden (${hours(holdRemainingMs)} left) by ${deps.actor}: ${request.forceReason} (journaled)`);
    }
    const current = await deps.stacks.settings(colour);
    if (current.mode === "standby") {
        deps.log(`${colour}: already in standby`);
        return { kind: "allowed", forced, applied: false };
    }
    await deps.stacks.apply(colour, { mode: "standby", haControlPlane: current.haControlPlane });
    return { kind: "allowed", forced, applied: true };
}
