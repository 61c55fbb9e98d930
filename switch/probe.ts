import * as http from "node:http";
import * as https from "node:https";
import { performance } from "node:perf_hooks";
import { COLOUR_HEADER, RELEASE_HEADER } from "../components/platformNames";
import { Colour } from "./plan";

/** Where a colour's gateway answers, e.g. "http://203.0.113.10" or "http://127.0.0.1:8123". */
export type OriginResolver = (colour: Colour) => Promise<string>;

export interface ProbeResult {
    readonly path: string;
    readonly ms: number;
    readonly status?: number;
    /** The colour the gateway says it is (`X-Blkout-Colour`). */
    readonly colour?: string;
    readonly release?: string;
    readonly error?: string;
}

export interface ProbeOptions {
    /** @default 5000 */
    readonly timeoutMs?: number;
    /** Sent as the Host header, so a gateway that routes by name answers for the site. */
    readonly hostHeader?: string;
}

/**
 * One GET, body read to the end, never throwing. node:http rather than fetch: fetch may not set
 * Host, and a fresh connection per probe measures what a new visitor gets, not a warm pool.
 */
export function probe(baseUrl: string, path: string, options: ProbeOptions = {}): Promise<ProbeResult> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    return new Promise(resolve => {
        let url: URL;
        try {
            url = new URL(path, baseUrl);
        } catch {
            resolve({ path, ms: 0, error: `invalid origin ${JSON.stringify(baseUrl)}` });
            return;
        }
        const client = url.protocol === "https:" ? https : http;
        const headers = options.hostHeader ? { host: options.hostHeader } : undefined;
        const request = client.get(url, { agent: false, headers, timeout: options.timeoutMs ?? 5000 }, response => {
            response.resume();
            response.on("error", err => resolve({ path, ms: elapsed(), error: err.message }));
            response.on("end", () => resolve({
                path,
                ms: elapsed(),
                status: response.statusCode,
                colour: headerValue(response.headers[COLOUR_HEADER.toLowerCase()]),
                release: headerValue(response.headers[RELEASE_HEADER.toLowerCase()]),
            }));
        });
        request.on("timeout", () => request.destroy(new Error(`no answer within ${options.timeoutMs ?? 5000} ms`)));
        request.on("error", err => resolve({ path, ms: elapsed(), error: err.message }));
    });
}

function headerValue(value: string | string[] | undefined): string | undefined {
    return Array.isArray(value) ? value[0] : value;
}

/**
 * Why a probe of `colour` failed, or undefined when it succeeded. An answer from the other colour
 * is a failure: it means the origin is wired to the wrong gateway.
 */
export function probeFailure(result: ProbeResult, colour: Colour, okStatus: (status: number) => boolean): string | undefined {
    if (result.error !== undefined) {
        return `${result.path}: ${result.error}`;
    }
    if (result.status === undefined || !okStatus(result.status)) {
        return `${result.path} answered ${result.status}`;
    }
    if (result.colour !== colour) {
        return `${result.path} answered as colour ${JSON.stringify(result.colour ?? "")}, expected ${colour}`;
    }
    return undefined;
}

/** Nearest-rank percentile; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
    if (values.length === 0) {
        return undefined;
    }
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.ceil((p / 100) * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
