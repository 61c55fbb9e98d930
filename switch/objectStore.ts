import { createHash, createHmac } from "node:crypto";

/**
 * The few object-storage calls the journal and the lock need, so a switch run on one machine can be
 * read, resumed or rolled back from another (a DigitalOcean Spaces or any S3-compatible bucket).
 */
export interface ObjectStore {
    readonly location: string;
    get(key: string): Promise<string | undefined>;
    /** With `ifAbsent`, resolves false instead of overwriting an existing object. */
    put(key: string, body: string, options?: { ifAbsent?: boolean }): Promise<boolean>;
    delete(key: string): Promise<void>;
    /** Keys under a prefix, in lexical order. */
    list(prefix: string): Promise<string[]>;
}

export interface SigningInput {
    readonly method: string;
    readonly url: URL;
    /** Every header to sign, `host` included, names in any case. */
    readonly headers: Readonly<Record<string, string>>;
    readonly payloadHash: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly region: string;
    readonly service: string;
    /** `YYYYMMDDTHHMMSSZ`, also sent as `x-amz-date`. */
    readonly amzDate: string;
}

export const sha256Hex = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 encoding as SigV4 requires it (encodeURIComponent leaves !'()* alone). */
function uriEncode(value: string): string {
    return encodeURIComponent(value).replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The `Authorization` header value of AWS Signature Version 4. */
export function signV4(input: SigningInput): string {
    const headers = Object.entries(input.headers)
        .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, " ")] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1));
    const signedHeaders = headers.map(([name]) => name).join(";");
    const query = [...input.url.searchParams.entries()]
        .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
        .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`).join("&");
    const path = input.url.pathname.split("/").map(segment => uriEncode(decodeURIComponent(segment))).join("/");
    const canonical = [input.method, path, query, ...headers.map(([n, v]) => `${n}:${v}`), "", signedHeaders, input.payloadHash].join("\n");
    const day = input.amzDate.slice(0, 8);
    const scope = `${day}/${input.region}/${input.service}/aws4_request`;
    const stringToSign = ["AWS4-HMAC-SHA256", input.amzDate, scope, sha256Hex(canonical)].join("\n");
    const key = [day, input.region, input.service, "aws4_request"].reduce<Buffer | string>((k, part) => hmac(k, part), `AWS4${input.secretAccessKey}`);
    const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
    return `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

export interface S3StoreOptions {
    /** e.g. "https://ams3.digitaloceanspaces.com". */
    readonly endpoint: string;
    readonly bucket: string;
    /** @default "us-east-1" (Spaces accepts it for every region) */
    readonly region?: string;
    readonly accessKeyId: string;
    /** Never logged. */
    readonly secretAccessKey: string;
    /** @default 15000 */
    readonly timeoutMs?: number;
    readonly now?: () => Date;
}

/** Path-style S3 over fetch and SigV4: no SDK, because the switch needs five calls. */
export class S3ObjectStore implements ObjectStore {
    readonly location: string;

    constructor(private readonly options: S3StoreOptions) {
        this.location = `s3://${options.bucket} at ${options.endpoint}`;
    }

    async get(key: string): Promise<string | undefined> {
        const response = await this.send("GET", this.url(key));
        if (response.status === 404) {
            return undefined;
        }
        return this.expectOk(response, `GET ${key}`);
    }

    async put(key: string, body: string, options: { ifAbsent?: boolean } = {}): Promise<boolean> {
        // S3 (and stores that follow it) refuse the write with 412 when the key exists.
        const response = await this.send("PUT", this.url(key), body, options.ifAbsent ? { "if-none-match": "*" } : {});
        if (options.ifAbsent && (response.status === 412 || response.status === 409)) {
            return false;
        }
        await this.expectOk(response, `PUT ${key}`);
        return true;
    }

    async delete(key: string): Promise<void> {
        const response = await this.send("DELETE", this.url(key));
        if (response.status !== 404) {
            await this.expectOk(response, `DELETE ${key}`);
        }
    }

    async list(prefix: string): Promise<string[]> {
        const keys: string[] = [];
        let token: string | undefined;
        do {
            const url = this.url("");
            url.searchParams.set("list-type", "2");
            url.searchParams.set("prefix", prefix);
            if (token) url.searchParams.set("continuation-token", token);
            const xml = await this.expectOk(await this.send("GET", url), `LIST ${prefix}`);
            keys.push(...[...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map(m => decodeXml(m[1])));
            token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? decodeXml(/<NextContinuationToken>([^<]*)</.exec(xml)?.[1] ?? "") : undefined;
        } while (token);
        return keys.sort();
    }

    private url(key: string): URL {
        const base = this.options.endpoint.replace(/\/+$/, "");
        return new URL(`${base}/${this.options.bucket}/${key.split("/").map(uriEncode).join("/")}`);
    }

    private async send(method: string, url: URL, body = "", extra: Record<string, string> = {}): Promise<Response> {
        const amzDate = (this.options.now?.() ?? new Date()).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
        const payloadHash = sha256Hex(body);
        const headers: Record<string, string> = { host: url.host, "x-amz-content-sha256": payloadHash, "x-amz-date": amzDate, ...extra };
        const authorization = signV4({
            method, url, headers, payloadHash, amzDate, service: "s3",
            region: this.options.region ?? "us-east-1",
            accessKeyId: this.options.accessKeyId,
            secretAccessKey: this.options.secretAccessKey,
        });
        const { host: _host, ...sendable } = headers;
        return fetch(url, {
            method,
            headers: { ...sendable, authorization, ...(method === "PUT" ? { "content-type": "application/json" } : {}) },
            body: method === "PUT" ? body : undefined,
            signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
        });
    }

    private async expectOk(response: Response, what: string): Promise<string> {
        const text = await response.text();
        if (!response.ok) {
            const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
            throw new Error(`object store ${what}: HTTP ${response.status}${code ? ` ${code}` : ""}`);
        }
        return text;
    }
}

function decodeXml(text: string): string {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}
