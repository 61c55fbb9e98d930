import { connect } from "net";

/**
 * A raw HTTP/1.1 client for attacking the gateway on loopback: it writes exactly the bytes asked
 * for (a PROXY protocol header claiming any source, absolute-URI request lines, dot segments,
 * duplicate or odd headers), from a chosen loopback address, and parses one response.
 */

export interface RawRequest {
    readonly port: number;
    /** The TCP source on loopback: 127.0.0.1 stands in for the load balancer, 127.0.0.2 for a pod. @default "127.0.0.1" */
    readonly from?: string;
    /** The source a PROXY protocol v1 header claims (the edge the load balancer saw); none when undefined. */
    readonly proxySource?: string;
    readonly method?: string;
    /** The request target exactly as written on the request line. @default "/" */
    readonly target?: string;
    /** Header lines in order; Host defaults to blkoutuk.com. */
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    /** Bytes sent instead of a generated request (after the PROXY header). */
    readonly raw?: string;
}

export interface RawResponse {
    readonly status: number;
    /** Header names lower-cased; repeated headers joined with ", ". */
    readonly headers: Readonly<Record<string, string>>;
    /** How many times each header name occurred. */
    readonly counts: Readonly<Record<string, number>>;
    readonly body: string;
    json(): any;
}

export function proxyHeader(source: string): string {
    const family = source.includes(":") ? "TCP6" : "TCP4";
    const destination = family === "TCP6" ? "2001:db8::80" : "10.20.0.5";
    return `PROXY ${family} ${source} ${destination} 51234 443\r\n`;
}

function requestBytes(r: RawRequest): string {
    if (r.raw !== undefined) return r.raw;
    const headers: Record<string, string> = { Host: "blkoutuk.com", ...r.headers, Connection: "close" };
    if (r.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(r.body));
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
    return `${r.method ?? "GET"} ${r.target ?? "/"} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n${r.body ?? ""}`;
}

function dechunk(body: Buffer): Buffer {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
        const end = body.indexOf("\r\n", offset);
        if (end < 0) break;
        const size = parseInt(body.subarray(offset, end).toString(), 16);
        if (!size) break;
        parts.push(body.subarray(end + 2, end + 2 + size));
        offset = end + 2 + size + 2;
    }
    return Buffer.concat(parts);
}

export function parseResponse(data: Buffer): RawResponse {
    const split = data.indexOf("\r\n\r\n");
    if (split < 0) throw new Error(`no HTTP response (got ${JSON.stringify(data.toString().slice(0, 200))})`);
    const [statusLine, ...lines] = data.subarray(0, split).toString().split("\r\n");
    const headers: Record<string, string> = {};
    const counts: Record<string, number> = {};
    for (const line of lines) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
        counts[name] = (counts[name] ?? 0) + 1;
    }
    const rawBody = data.subarray(split + 4);
    const body = (headers["transfer-encoding"] === "chunked" ? dechunk(rawBody) : rawBody).toString();
    return { status: Number(statusLine.split(" ")[1]), headers, counts, body, json: () => JSON.parse(body) };
}

/** Sends one request and resolves with the response; rejects when the gateway closes without one. */
export function send(r: RawRequest): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port: r.port, localAddress: r.from ?? "127.0.0.1" });
        const chunks: Buffer[] = [];
        socket.setTimeout(10_000, () => socket.destroy(new Error("timed out")));
        socket.on("connect", () => socket.write((r.proxySource ? proxyHeader(r.proxySource) : "") + requestBytes(r)));
        socket.on("data", chunk => chunks.push(chunk));
        socket.on("error", reject);
        socket.on("close", () => {
            try {
                resolve(parseResponse(Buffer.concat(chunks)));
            } catch (error) {
                reject(error);
            }
        });
    });
}
