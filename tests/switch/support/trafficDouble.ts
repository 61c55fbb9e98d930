import { Colour } from "../../../switch/plan";
import { ColourOutputs, TrafficStack } from "../../../switch/traffic";
import { Weights } from "../../../switch/plan";

/** Where the double keeps "what the load balancer applied": memory, or the test edge over HTTP. */
export interface WeightsBackend {
    get(): Promise<Weights>;
    set(weights: Weights): Promise<Weights>;
}

export class MemoryWeights implements WeightsBackend {
    constructor(private weights: Weights) {}
    async get(): Promise<Weights> {
        return this.weights;
    }
    async set(weights: Weights): Promise<Weights> {
        this.weights = weights;
        return weights;
    }
}

/** A failure the next updates will meet: an error thrown, or the load balancer keeping other weights. */
export type InjectedFailure = { kind: "error"; message: string } | { kind: "mismatch" };

/** The traffic stack for tests: records every update asked for and applies it to a backend. */
export class RecordingTraffic implements TrafficStack {
    readonly description = "blkout-traffic/test-double";
    /** Every setWeights call, in order, with the live colour passed. */
    readonly calls: { weights: Weights; liveColour: Colour }[] = [];
    /** Weights that actually took effect, in order. */
    readonly applied: Weights[] = [];
    private readonly failures: InjectedFailure[] = [];

    /** `initialLive`: the traffic stack's liveColour before any update of this double. */
    constructor(private readonly backend: WeightsBackend, public outputs: Partial<Record<Colour, ColourOutputs>>, public maxShare?: number, public initialLive?: Colour) {}

    /** The next `count` updates fail this way; later ones succeed. */
    failNext(count: number, failure: InjectedFailure): void {
        this.failures.push(...Array.from({ length: count }, () => failure));
    }

    getWeights(): Promise<Weights> {
        return this.backend.get();
    }

    async setWeights(weights: Weights, liveColour: Colour): Promise<Weights> {
        this.calls.push({ weights, liveColour });
        const failure = this.failures.shift();
        if (failure?.kind === "error") {
            throw new Error(failure.message);
        }
        if (failure?.kind === "mismatch") {
            return this.backend.get();
        }
        const applied = await this.backend.set(weights);
        this.applied.push(applied);
        return applied;
    }

    async colourOutputs(colour: Colour): Promise<ColourOutputs | undefined> {
        return this.outputs[colour];
    }

    async liveColour(): Promise<Colour | undefined> {
        return this.calls[this.calls.length - 1]?.liveColour ?? this.initialLive;
    }

    async maxStepShare(): Promise<number | undefined> {
        return this.maxShare;
    }

    async poolIds(): Promise<Record<Colour, string> | undefined> {
        return undefined;
    }
}
