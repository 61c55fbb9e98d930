import { Colour } from "../../../components/platformNames";
import { ForcedStandby, HoldDeps, SwitchSummary } from "../../../switch/hold";
import { ColourSettings, ColourStackControl, ReadinessSource, WarmDeps } from "../../../switch/warm";

/** Recording doubles for the lifecycle's interfaces, and a clock whose sleep moves time on at once. */

export class RecordingStacks implements ColourStackControl {
    readonly applied: Array<{ colour: Colour; settings: ColourSettings }> = [];
    constructor(public current: Record<Colour, ColourSettings>, private readonly failApply?: string) {}
    async settings(colour: Colour): Promise<ColourSettings> {
        return this.current[colour];
    }
    async apply(colour: Colour, settings: ColourSettings): Promise<void> {
        this.applied.push({ colour, settings });
        if (this.failApply) throw new Error(this.failApply);
        this.current[colour] = settings;
    }
}

export class FakeClock {
    constructor(public time = Date.parse("2026-11-30T12:00:00Z")) {}
    now = () => this.time;
    sleep = async (ms: number) => {
        this.time += ms;
    };
}

/** Readiness that plays a script of samples: [health failures, lag or an Error]. */
export function scriptedReadiness(samples: Array<[string[], number | Error]>): ReadinessSource & { asked: number } {
    const source = {
        asked: 0,
        healthFailures: async () => samples[Math.min(source.asked, samples.length - 1)][0],
        replicaLagSeconds: async () => {
            const lag = samples[Math.min(source.asked, samples.length - 1)][1];
            source.asked++;
            if (lag instanceof Error) throw lag;
            return lag;
        },
    };
    return source;
}

export function warmDeps(stacks: RecordingStacks, readiness: ReadinessSource, clock = new FakeClock()): WarmDeps & { lines: string[] } {
    const lines: string[] = [];
    return { stacks, readiness, clock, log: line => lines.push(line), lines };
}

export function holdDeps(options: { stacks: RecordingStacks; weights: Record<Colour, number>; latest?: SwitchSummary; now: number }): HoldDeps & { journaled: ForcedStandby[]; lines: string[] } {
    const journaled: ForcedStandby[] = [];
    const lines: string[] = [];
    return {
        stacks: options.stacks,
        weights: async () => options.weights,
        latestSwitch: async () => options.latest,
        journal: async entry => {
            journaled.push(entry);
        },
        now: () => options.now,
        actor: "ops@blkoutuk.com",
        log: line => lines.push(line),
        journaled,
        lines,
    };
}

export const ACTIVE: ColourSettings = { mode: "active", haControlPlane: true };
export const STANDBY_NO_HA: ColourSettings = { mode: "standby", haControlPlane: false };
