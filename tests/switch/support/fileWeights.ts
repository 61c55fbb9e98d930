import { readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { Weights } from "../../../switch/plan";
import { WeightsBackend } from "./trafficDouble";

/** The load balancer's weights in a file, so a killed switch process and the test see the same ones; every value it ever held is kept. */
export class FileWeights implements WeightsBackend {
    constructor(private readonly path: string) {}

    async get(): Promise<Weights> {
        return (JSON.parse(readFileSync(this.path, "utf8")) as { now: Weights }).now;
    }

    async set(weights: Weights): Promise<Weights> {
        const state = JSON.parse(readFileSync(this.path, "utf8")) as { now: Weights; history: Weights[] };
        const next = { now: weights, history: [...state.history, weights] };
        await writeFile(`${this.path}.tmp`, JSON.stringify(next));
        await rename(`${this.path}.tmp`, this.path);
        return weights;
    }

    history(): Weights[] {
        return (JSON.parse(readFileSync(this.path, "utf8")) as { history: Weights[] }).history;
    }

    static async create(path: string, weights: Weights): Promise<FileWeights> {
        await writeFile(path, JSON.stringify({ now: weights, history: [] }));
        return new FileWeights(path);
    }
}
