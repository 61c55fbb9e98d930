import { createServer, IncomingMessage, ServerResponse } from "http";
import { AddressInfo } from "net";

/**
 * A stand-in for one API behind the gateway: answers `/health` and every other path with JSON naming
 * itself, with status, latency and health changeable while it runs, so tests can make an API slow,
 * failing or unhealthy on demand.
 */

export interface StubBehaviour {
    /** Status of every non-health answer. */
    readonly status: number;
    /** Delay before every answer, health included. */
    readonly latencyMs: number;
    /** `/health` answers 200 when true, 503 when false. */
    readonly healthy: boolean;
}

export interface StubRequest {
    readonly method: string;
    readonly path: string;
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly bodyBytes: number;
}

export interface StubApi {
    readonly name: string;
    readonly host: "127.0.0.1";
    readonly port: number;
    readonly baseUrl: string;
    /** Every request received, oldest first. */
    readonly requests: readonly StubRequest[];
    behaviour(): StubBehaviour;
    set(change: Partial<StubBehaviour>): void;
    stop(): Promise<void>;
}

const DEFAULT_BEHAVIOUR: StubBehaviour = { status: 200, latencyMs: 0, healthy: true };

const started = new Set<StubApi>();
if (typeof afterAll === "function") {
    afterAll(() => Promise.all([...started].map(stub => stub.stop())));
}

/** Starts a stub API on 127.0.0.1 on a free port. */
export async function startStubApi(name: string, initial: Partial<StubBehaviour> = {}): Promise<StubApi> {
    let behaviour: StubBehaviour = { ...DEFAULT_BEHAVIOUR, ...initial };
    const requests: StubRequest[] = [];
    const pending = new Set<NodeJS.Timeout>();

    const answer = (request: IncomingMessage, response: ServerResponse, bodyBytes: number) => {
        const path = (request.url ?? "/").split("?")[0];
        requests.push({ method: request.method ?? "GET", path, headers: request.headers, bodyBytes });
        const health = path === "/health";
        const status = health ? (behaviour.healthy ? 200 : 503) : behaviour.status;
        const body = JSON.stringify(health
            ? { api: name, status: behaviour.healthy ? "ok" : "unhealthy" }
            : { api: name, path, method: request.method, clientIp: request.headers["x-real-ip"] ?? null });
        const send = () => {
            pending.delete(timer);
            response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
            response.end(body);
        };
        const timer = setTimeout(send, behaviour.latencyMs);
        pending.add(timer);
    };

    const server = createServer((request, response) => {
        let bodyBytes = 0;
        request.on("data", (chunk: Buffer) => { bodyBytes += chunk.length; });
        request.on("end", () => answer(request, response, bodyBytes));
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;

    const stub: StubApi = {
        name,
        host: "127.0.0.1",
        port,
        baseUrl: `http://127.0.0.1:${port}`,
        requests,
        behaviour: () => behaviour,
        set(change) {
            behaviour = { ...behaviour, ...change };
        },
        async stop() {
            if (!started.delete(stub)) return;
            pending.forEach(timer => clearTimeout(timer));
            pending.clear();
            server.closeAllConnections();
            await new Promise<void>(resolve => server.close(() => resolve()));
        },
    };
    started.add(stub);
    return stub;
}
