import { LocalProgramArgs, LocalWorkspace, OutputMap, Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import { colourOutputProblems, ColourOutputs as ColourStackContract, SWITCH_OUTPUT_NAMES } from "../contracts/colourOutputs";
import { weightProblems } from "../contracts/weights";
import { COLOURS, TRAFFIC_PROJECT } from "../components/platformNames";
import { Colour, formatWeights, Weights } from "./plan";

/** The colour stack outputs the switch reads: the one contract (contracts/colourOutputs.ts) but the monitor token. */
export type ColourOutputs = Omit<ColourStackContract, "monitorToken">;

/** The traffic stack as the switch drives it: one weights update per step. */
export interface TrafficStack {
    readonly description: string;
    /** The weights Cloudflare reports now (`appliedWeights`). */
    getWeights(): Promise<Weights>;
    /** Sets the weights and `liveColour` (the tie-breaker for the fallback pool), runs the update, returns what Cloudflare applied. */
    setWeights(weights: Weights, liveColour: Colour): Promise<Weights>;
    /** A colour stack's outputs; undefined when that colour is not deployed. */
    colourOutputs(colour: Colour): Promise<ColourOutputs | undefined>;
    /** `blkout-traffic:liveColour`: the colour that held everything before the switch in progress; lets a rollback find its way without a journal. */
    liveColour(): Promise<Colour | undefined>;
    /** `blkout-traffic:maxStepShare`, when set. */
    maxStepShare(): Promise<number | undefined>;
    /** Pool id per colour, for the load balancer's own health view; undefined when not exported. */
    poolIds(): Promise<Record<Colour, string> | undefined>;
}

/** The Stack methods used, so tests can hand in a fake and `tsc` still checks them against the SDK. */
export type StackHandle = Pick<Stack, "setAllConfig" | "getConfig" | "up" | "outputs">;
export type SelectStack = (args: LocalProgramArgs) => Promise<StackHandle>;


export interface PulumiTrafficOptions {
    /** The traffic program, e.g. "<repo>/infra/traffic". */
    readonly trafficDir: string;
    /** @default "production" */
    readonly trafficStack?: string;
    /** The colour stacks' program (the repo root, where Pulumi.yaml is). */
    readonly colourDir: string;
    /** @default the traffic stack's `colourStacks` output (its config); `blue` and `green` for a stack that predates it */
    readonly colourStacks?: Readonly<Record<Colour, string>>;
    /** @default LocalWorkspace.selectStack */
    readonly selectStack?: SelectStack;
    /** Each line the update prints, for a verbose log. */
    readonly onOutput?: (line: string) => void;
}

/** The config map one step writes: the two weights by path (stored as integers) and the live colour. */
export function weightsConfig(weights: Weights, liveColour: Colour): Record<string, { value: string }> {
    return {
        ...Object.fromEntries(COLOURS.map(colour => [`${TRAFFIC_PROJECT}:weights.${colour}`, { value: String(weights[colour]) }])),
        [`${TRAFFIC_PROJECT}:liveColour`]: { value: liveColour },
    };
}

/** Reads `{ blue, green }` integer weights out of a stack output, or says what is wrong. */
export function parseAppliedWeights(outputs: OutputMap, where: string): Weights {
    const value = outputs.appliedWeights?.value as Record<string, unknown> | undefined;
    if (weightProblems(value).length > 0) {
        throw new Error(`${where}: expected an output appliedWeights { blue, green } of integers, got ${JSON.stringify(value ?? null)}`);
    }
    return { blue: value!.blue as number, green: value!.green as number };
}

/** Validates a colour stack's outputs against the contract, every problem at once; undefined when it has none (not deployed). */
export function parseColourOutputs(outputs: OutputMap, colour: Colour, where: string): ColourOutputs | undefined {
    if (Object.keys(outputs).length === 0) {
        return undefined;
    }
    const values = Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
    const problems = colourOutputProblems(colour, values, SWITCH_OUTPUT_NAMES);
    if (problems.length > 0) {
        throw new Error(`${where} outputs: ${problems.join("; ")}`);
    }
    return Object.fromEntries(SWITCH_OUTPUT_NAMES.map(name => [name, values[name]])) as ColourOutputs;
}

/**
 * The one line worth showing from an Automation API failure: its CommandError message spans the
 * exit code, stdout and stderr, and a missing CLI only shows as "spawn pulumi ENOENT".
 */
export function conciseError(err: unknown): string {
    const message = err instanceof Error ? err.message : String(err);
    if (/spawn pulumi ENOENT/.test(message)) {
        return "the Pulumi CLI is not installed (no `pulumi` on PATH)";
    }
    return /^\s*stderr: *(\S.*)$/m.exec(message)?.[1].trim() ?? message.split("\n")[0];
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
    try {
        return await work();
    } catch (err) {
        throw new Error(conciseError(err));
    }
}

/** The real traffic stack, through the Automation API over the local programs. */
export class PulumiTrafficStack implements TrafficStack {
    readonly description: string;
    private readonly select: SelectStack;

    constructor(private readonly options: PulumiTrafficOptions) {
        this.description = `${TRAFFIC_PROJECT}/${options.trafficStack ?? "production"}`;
        this.select = options.selectStack ?? (args => LocalWorkspace.selectStack(args));
    }

    getWeights(): Promise<Weights> {
        return guard(async () => parseAppliedWeights(await (await this.traffic()).outputs(), this.description));
    }

    setWeights(weights: Weights, liveColour: Colour): Promise<Weights> {
        return guard(async () => {
            const stack = await this.traffic();
            await stack.setAllConfig(weightsConfig(weights, liveColour), true);
            const result = await stack.up({ message: `blkout switch: ${formatWeights(weights)}`, onOutput: this.options.onOutput });
            return parseAppliedWeights(result.outputs, this.description);
        });
    }

    colourOutputs(colour: Colour): Promise<ColourOutputs | undefined> {
        return guard(async () => {
            const stackName = (this.options.colourStacks ?? await this.colourStackNames())[colour];
            let stack: StackHandle;
            try {
                stack = await this.select({ stackName, workDir: this.options.colourDir });
            } catch (err) {
                if (err instanceof StackNotFoundError) return undefined;
                throw err;
            }
            return parseColourOutputs(await stack.outputs(), colour, `stack ${stackName}`);
        });
    }

    maxStepShare(): Promise<number | undefined> {
        return guard(async () => {
            const stack = await this.traffic();
            // getConfig rejects for a key that is not set; the traffic program then applies no ceiling.
            const value = await stack.getConfig(`${TRAFFIC_PROJECT}:maxStepShare`).then(v => v.value, () => undefined);
            if (value !== undefined && !/^(100|[1-9]\d?)$/.test(value)) {
                throw new Error(`${this.description}: maxStepShare: expected an integer 1-100, got ${JSON.stringify(value)}`);
            }
            return value === undefined ? undefined : Number(value);
        });
    }

    liveColour(): Promise<Colour | undefined> {
        return guard(async () => {
            const value = await (await this.traffic()).getConfig(`${TRAFFIC_PROJECT}:liveColour`).then(v => v.value, () => undefined);
            return (COLOURS as readonly string[]).includes(value ?? "") ? (value as Colour) : undefined;
        });
    }

    poolIds(): Promise<Record<Colour, string> | undefined> {
        return guard(async () => {
            const value = (await (await this.traffic()).outputs()).poolIds?.value as Record<string, unknown> | undefined;
            return value && COLOURS.every(c => typeof value[c] === "string") ? { blue: value.blue as string, green: value.green as string } : undefined;
        });
    }

    /** The colour stacks the traffic stack reads (its `colourStacks` output), so both follow the same config. */
    private async colourStackNames(): Promise<Readonly<Record<Colour, string>>> {
        const value = (await (await this.traffic()).outputs()).colourStacks?.value as Record<string, unknown> | undefined;
        return value && COLOURS.every(c => typeof value[c] === "string") ? { blue: value.blue as string, green: value.green as string } : { blue: "blue", green: "green" };
    }

    private traffic(): Promise<StackHandle> {
        return this.select({ stackName: this.options.trafficStack ?? "production", workDir: this.options.trafficDir });
    }
}
