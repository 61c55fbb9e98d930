import { Agent, createServer, IncomingMessage, request as httpRequest, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { COLOURS } from "../../../components/platformNames";
import { Colour, Weights } from "../../../switch/plan";
import { WeightsBackend } from "./trafficDouble";

/**
 * The test's load balancer: forwards each request to the blue or green gateway by the weights the
 * switch applied, with smooth weighted round robin (deterministic: at 5/95 exactly 5 of every 100
 * requests go to green) and no session affinity. `/__edge/weights` reads and sets the weights, so a
 * switch running in another process drives it the way the real one drives Cloudflare.
 */
export interface Edge {
    readonly url: string;
    weights(): Weights;
    /** Every weights change with the time it took effect, the first one at start. */
    readonly changes: { at: number; weights: Weights }[];
    /** Sets the weights directly, as the control endpoint does. */
    set(weights: Weights): void;
    /** Called after each change. */
    onChange(listener: (weights: Weights) => void): void;
    stop(): Promise<void>;
}

export async function startEdge(origins: Readonly<Record<Colour, string>>, initial: Weights): Promise<Edge> {
    let weights = initial;
    const current: Record<Colour, number> = { blue: 0, green: 0 };
    const changes = [{ at: Date.now(), weights }];
    const listeners: ((w: Weights) => void)[] = [];
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });

    const pick = (): Colour => {
        for (const colour of COLOURS) current[colour] += weights[colour];
        const chosen = COLOURS.reduce((best, c) => (current[c] > current[best] ? c : best), COLOURS[0]);
        current[chosen] -= 100;
        return chosen;
    };

    const set = (next: Weights) => {
        weights = { blue: next.blue, green: next.green };
        current.blue = 0;
        current.green = 0;
        changes.push({ at: Date.now(), weights });
        listeners.forEach(listener => listener(weights));
    };

    const control = (req: IncomingMessage, res: ServerResponse, body: string) => {
        if (req.method === "PUT") {
            set(JSON.parse(body) as Weights);
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(weights));
    };

    const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
        const target = new URL(req.url ?? "/", origins[pick()]);
        const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host }, agent }, answer => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
        });
        upstream.on("error", err => {
            if (!res.headersSent) res.writeHead(502, { "x-edge-error": err.message });
            res.end();
        });
        upstream.end(body);
    };

    const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => (req.url === "/__edge/weights" ? control(req, res, Buffer.concat(chunks).toString()) : forward(req, res, Buffer.concat(chunks))));
    });
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", () => resolve()));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        weights: () => weights,
        changes,
        set,
        onChange: listener => { listeners.push(listener); },
        stop: () => new Promise<void>(resolve => {
            agent.destroy();
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}

/** The weights backend of the traffic double when the "load balancer" is an edge, possibly in another process. */
export class EdgeWeights implements WeightsBackend {
    constructor(private readonly edgeUrl: string) {}

    async get(): Promise<Weights> {
        return (await (await fetch(`${this.edgeUrl}/__edge/weights`)).json()) as Weights;
    }

    async set(weights: Weights): Promise<Weights> {
        const response = await fetch(`${this.edgeUrl}/__edge/weights`, { method: "PUT", body: JSON.stringify(weights) });
        return (await response.json()) as Weights;
    }
}
