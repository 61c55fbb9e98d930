import { resolve } from "node:path";
import { LocalProgramArgs, LocalWorkspace, Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import { Colour } from "../components/platformNames";
import { guardPreview } from "../policies/changeGuard";
import { systemClock } from "./clock";
import { ForcedStandby, HoldDeps, SwitchSummary } from "./hold";
import { ObjectStore } from "./objectStore";
import { replay } from "./record";
import { replicaLagSeconds, replicaUrlVariable } from "./replicaLag";
import { ColourSettings, ColourStackControl, Mode, ReadinessSource, WarmDeps } from "./warm";
import { actorFrom } from "./actor";
import { CliIo, openStore, originResolver } from "./wiring";
import { OriginHealthProbe } from "./health";
import { conciseError, parseAppliedWeights, PulumiTrafficStack } from "./traffic";

/**
 * The real implementations behind `warm` and `standby`: the colour stacks through the Automation API,
 * health through the switch's own probe, replica lag from PostgreSQL, the switch journal for the
 * latest switch, and a lifecycle journal beside it for forced standbys.
 */

const PROJECT = "blkout-platform";

export type StackSelector = (colour: Colour) => Promise<Pick<Stack, "getConfig" | "setConfig" | "preview" | "up">>;

export interface AutomationControlOptions {
    readonly select: StackSelector;
    /** The policy pack every preview and update runs. */
    readonly policyPack: string;
    /** The colour serving traffic, which the change guard protects. */
    readonly liveColour: () => Promise<Colour | undefined>;
    /** Named overrides for the change guard (`--allow <resource>=<reason>`), e.g. the replica a standby drops. */
    readonly allow?: Readonly<Record<string, string>>;
    readonly log: (line: string) => void;
}

/** Config in, then a previewed and guarded update, with the policy pack; an update the guard refuses is never run. */
export class AutomationColourControl implements ColourStackControl {
    constructor(private readonly options: AutomationControlOptions) {}

    async settings(colour: Colour): Promise<ColourSettings> {
        const stack = await this.options.select(colour);
        const mode = (await stack.getConfig(`${PROJECT}:mode`)).value;
        const ha = await stack.getConfig(`${PROJECT}:cluster.haControlPlane`, true).then(v => v.value, () => "true");
        if (mode !== "active" && mode !== "standby") {
            throw new Error(`stack ${colour}: mode: expected "active" or "standby", got ${JSON.stringify(mode)}`);
        }
        return { mode: mode as Mode, haControlPlane: ha !== "false" };
    }

    async apply(colour: Colour, settings: ColourSettings): Promise<void> {
        const stack = await this.options.select(colour);
        await stack.setConfig(`${PROJECT}:mode`, { value: settings.mode });
        await stack.setConfig(`${PROJECT}:cluster.haControlPlane`, { value: String(settings.haControlPlane) }, true);
        const policyPacks = [this.options.policyPack];
        const events: unknown[] = [];
        await stack.preview({ policyPacks, onEvent: event => events.push(event) });
        const live = await this.options.liveColour();
        const verdict = guardPreview(events, { allow: { ...this.options.allow }, ...(live ? { liveColours: [live] } : {}) });
        if (verdict.refused.length > 0) {
            throw new Error(`the change guard refused the update of ${colour}:\n${verdict.refused.map(f => `  - ${f.rule}: ${f.message}`).join("\n")}`);
        }
        await stack.up({ policyPacks, message: `blkout ${settings.mode === "active" ? "warm-up" : "standby"} of ${colour}`, onOutput: line => this.options.log(line.trimEnd()) });
    }
}

/** Health from the switch's probe (unreadable sources count against readiness); lag from the replica named in the environment. */
export function readinessSource(health: OriginHealthProbe, env: NodeJS.ProcessEnv): ReadinessSource {
    return {
        healthFailures: async colour => {
            const reading = await health.check(colour);
            return [...reading.failures, ...reading.missing.map(m => `unreadable: ${m}`)];
        },
        replicaLagSeconds: colour => {
            const url = env[replicaUrlVariable(colour)];
            return url ? replicaLagSeconds(url) : Promise.reject(new Error(`${replicaUrlVariable(colour)} is not set, so the replica's lag cannot be read`));
        },
    };
}

/**
 * The traffic each colour carries now. Before the traffic stack exists, or before its first update,
 * no colour carries any (the first deploy's hold check must not fail on that); any other failure
 * to read is an error, never "no traffic".
 */
export async function currentWeights(select: (args: LocalProgramArgs) => Promise<Pick<Stack, "outputs">>, workDir: string): Promise<Record<Colour, number>> {
    let stack: Pick<Stack, "outputs">;
    try {
        stack = await select({ stackName: "production", workDir });
    } catch (err) {
        if (err instanceof StackNotFoundError) return { blue: 0, green: 0 };
        throw new Error(conciseError(err));
    }
    const outputs = await stack.outputs();
    return Object.keys(outputs).length === 0 ? { blue: 0, green: 0 } : parseAppliedWeights(outputs, "blkout-traffic/production");
}

/**
 * Forced standbys, one object each (`lifecycle/<time>-<colour>.json`), in the switch journal's own
 * store (a directory, or the same s3:// prefix), created only if absent like journal entries.
 */
export function lifecycleJournal(store: ObjectStore, prefix: string): (entry: ForcedStandby) => Promise<void> {
    return async entry => {
        const written = await store.create(`${prefix}lifecycle/${entry.at}-${entry.colour}.json`, JSON.stringify(entry));
        if (!written) throw new Error(`a lifecycle entry for ${entry.colour} at ${entry.at} already exists`);
    };
}

export interface LifecycleWiring {
    readonly warm: WarmDeps;
    readonly hold: HoldDeps;
}

/** Everything `warm` and `standby` need, from the working directory and the environment. */
export function productionLifecycle(io: CliIo, store: string, policyPack: string, allow: Readonly<Record<string, string>>, log: (line: string) => void): LifecycleWiring {
    const traffic = new PulumiTrafficStack({ trafficDir: resolve(io.cwd, "infra/traffic"), colourDir: io.cwd });
    const select: StackSelector = colour => LocalWorkspace.selectStack({ stackName: colour, workDir: io.cwd });
    const liveColour = async (): Promise<Colour | undefined> => {
        const weights = await traffic.getWeights();
        return weights.blue === 100 ? "blue" : weights.green === 100 ? "green" : undefined;
    };
    const stacks = new AutomationColourControl({ select, policyPack: resolve(io.cwd, policyPack), liveColour, allow, log });
    const { journal, objects, prefix } = openStore(store, io.env, io.cwd, systemClock.now);
    const latestSwitch = async (): Promise<SwitchSummary | undefined> => {
        const ids = await journal.switchIds();
        return ids.length === 0 ? undefined : replay((await journal.read(ids[ids.length - 1])).entries);
    };
    return {
        warm: { stacks, readiness: readinessSource(new OriginHealthProbe({ origin: originResolver(traffic) }), io.env), clock: systemClock, log },
        hold: {
            stacks, log, latestSwitch, now: systemClock.now, actor: actorFrom(io.env),
            weights: () => currentWeights(args => LocalWorkspace.selectStack(args), resolve(io.cwd, "infra/traffic")),
            journal: lifecycleJournal(objects, prefix),
        },
    };
}
