import { Agent, request } from "node:http";
import { COLOUR_HEADER } from "../../../components/platformNames";

export interface LoadResult {
    readonly startedAt: number;
    readonly endedAt: number;
    readonly path: string;
    readonly status?: number;
    /** The colour that answered (`X-Blkout-Colour`). */
    readonly colour?: string;
    readonly error?: string;
}

export interface LoadOptions {
    /** @default the three APIs' read routes */
    readonly paths?: readonly string[];
    /** Parallel request loops. @default 2 */
    readonly concurrency?: number;
    /** Pause between one loop's requests. @default 15 */
    readonly pauseMs?: number;
    /** Hard caps, so a stuck test cannot loop forever. @default 4000 requests, 25 s */
    readonly maxRequests?: number;
    readonly maxDurationMs?: number;
}

export const failed = (r: LoadResult) => r.error !== undefined || r.status === undefined || r.status >= 500;

/** Steady GET traffic through the edge, recording who answered each request and how. */
export class LoadGenerator {
    readonly results: LoadResult[] = [];
    private running = false;
    private loops: Promise<void>[] = [];
    private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });

    constructor(private readonly baseUrl: string, private readonly options: LoadOptions = {}) {}

    start(): void {
        this.running = true;
        const deadline = Date.now() + (this.options.maxDurationMs ?? 25_000);
        const paths = this.options.paths ?? ["/api/resources", "/api/events", "/api/articles"];
        this.loops = Array.from({ length: this.options.concurrency ?? 2 }, async (_, loop) => {
            for (let i = loop; this.running && Date.now() < deadline && this.results.length < (this.options.maxRequests ?? 4000); i++) {
                this.results.push(await this.one(paths[i % paths.length]));
                await new Promise(resolve => setTimeout(resolve, this.options.pauseMs ?? 15));
            }
        });
    }

    async stop(): Promise<LoadResult[]> {
        this.running = false;
        await Promise.all(this.loops);
        this.agent.destroy();
        return this.results;
    }

    private one(path: string): Promise<LoadResult> {
        const startedAt = Date.now();
        return new Promise(resolve => {
            const req = request(`${this.baseUrl}${path}`, { agent: this.agent, timeout: 5000 }, res => {
                res.resume();
                res.on("end", () => resolve({ startedAt, endedAt: Date.now(), path, status: res.statusCode, colour: res.headers[COLOUR_HEADER.toLowerCase()] as string | undefined }));
            });
            req.on("timeout", () => req.destroy(new Error("timeout")));
            req.on("error", err => resolve({ startedAt, endedAt: Date.now(), path, error: err.message }));
            req.end();
        });
    }
}
