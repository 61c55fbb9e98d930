import { createServer, IncomingMessage } from "http";
import { AddressInfo } from "net";

/**
 * An API stand-in that tells the attacker's tests what it received (method, path as sent on the
 * wire, every header, body size) and answers with whatever a test scripts: a status, extra headers
 * (X-Powered-By, a Location into the cluster), a stack-trace body.
 */

export interface Received {
    readonly method: string;
    readonly target: string;
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly bodyBytes: number;
}

export interface Scripted {
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
}

export interface EchoApi {
    readonly name: string;
    readonly port: number;
    readonly received: Received[];
    /** The answer to every request until changed; `undefined` restores the echo. */
    script(answer: Partial<Scripted> | undefined): void;
    stop(): Promise<void>;
}

export async function startEchoApi(name: string): Promise<EchoApi> {
    const received: Received[] = [];
    let scripted: Partial<Scripted> | undefined;
    const server = createServer((request: IncomingMessage, response) => {
        let bodyBytes = 0;
        request.on("data", (chunk: Buffer) => { bodyBytes += chunk.length; });
        request.on("end", () => {
            const entry = { method: request.method ?? "", target: request.url ?? "", headers: request.headers, bodyBytes };
            received.push(entry);
            const body = scripted?.body ?? JSON.stringify({ api: name, ...entry });
            response.writeHead(scripted?.status ?? 200, { "content-type": "application/json", "x-powered-by": "Express", ...scripted?.headers });
            response.end(body);
        });
    });
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", () => resolve()));
    return {
        name,
        port: (server.address() as AddressInfo).port,
        received,
        script: answer => { scripted = answer; },
        stop: async () => {
            server.closeAllConnections();
            await new Promise<void>(resolve => server.close(() => resolve()));
        },
    };
}
