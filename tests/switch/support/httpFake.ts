import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";

export interface SeenRequest {
    readonly method: string;
    readonly url: URL;
    readonly headers: IncomingMessage["headers"];
    readonly body: string;
}

export interface FakeServer {
    readonly url: string;
    readonly requests: SeenRequest[];
    close(): Promise<void>;
}

/** A third-party HTTP API faked on 127.0.0.1 (Prometheus, Cloudflare, S3): records each request, answers with `handle`. */
export async function startFakeServer(handle: (request: SeenRequest, response: ServerResponse) => void): Promise<FakeServer> {
    const requests: SeenRequest[] = [];
    const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const seen = { method: req.method ?? "GET", url: new URL(req.url ?? "/", "http://127.0.0.1"), headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
            requests.push(seen);
            handle(seen, res);
        });
    });
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", () => resolve()));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        close: () => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()); }),
    };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
}
