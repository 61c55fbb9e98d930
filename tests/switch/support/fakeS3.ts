import { sha256Hex, signV4 } from "../../../switch/objectStore";
import { FakeServer, startFakeServer } from "./httpFake";

export const S3_KEYS = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret/never-logged" };

/**
 * An S3 bucket on loopback: path-style GET, PUT (honouring `If-None-Match: *`), DELETE and
 * ListObjectsV2 with pagination. Every request's SigV4 signature is recomputed and a wrong one
 * gets 403, as S3 would answer.
 */
export async function startFakeS3(bucket: string, pageSize = 1000): Promise<FakeServer & { objects: Map<string, string> }> {
    const objects = new Map<string, string>();
    const server = await startFakeServer((req, res) => {
        const send = (status: number, body = "") => { res.writeHead(status, { "content-type": "application/xml" }); res.end(body); };
        const auth = String(req.headers.authorization ?? "");
        const signed = /SignedHeaders=([^,]+)/.exec(auth)?.[1].split(";") ?? [];
        const headers = Object.fromEntries(signed.map(name => [name, String(req.headers[name] ?? "")]));
        const expected = signV4({
            method: req.method, url: new URL(req.url.pathname + req.url.search, `http://${req.headers.host}`), headers,
            payloadHash: sha256Hex(req.body), region: "us-east-1", service: "s3", amzDate: String(req.headers["x-amz-date"]), ...S3_KEYS,
        });
        if (auth !== expected || req.headers["x-amz-content-sha256"] !== sha256Hex(req.body)) {
            return send(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>");
        }
        const [, name, ...rest] = req.url.pathname.split("/");
        if (name !== bucket) return send(404, "<Error><Code>NoSuchBucket</Code></Error>");
        const key = rest.map(decodeURIComponent).join("/");
        if (req.method === "GET" && key === "" && req.url.searchParams.get("list-type") === "2") {
            const prefix = req.url.searchParams.get("prefix") ?? "";
            const all = [...objects.keys()].filter(k => k.startsWith(prefix)).sort();
            const start = Number(req.url.searchParams.get("continuation-token") ?? "0");
            const page = all.slice(start, start + pageSize);
            const more = start + pageSize < all.length;
            return send(200, `<ListBucketResult><IsTruncated>${more}</IsTruncated>${page.map(k => `<Contents><Key>${k.replace(/&/g, "&amp;")}</Key></Contents>`).join("")}`
                + `${more ? `<NextContinuationToken>${start + pageSize}</NextContinuationToken>` : ""}</ListBucketResult>`);
        }
        if (req.method === "GET") return objects.has(key) ? send(200, objects.get(key)) : send(404, "<Error><Code>NoSuchKey</Code></Error>");
        if (req.method === "PUT") {
            if (req.headers["if-none-match"] === "*" && objects.has(key)) return send(412, "<Error><Code>PreconditionFailed</Code></Error>");
            objects.set(key, req.body);
            return send(200);
        }
        if (req.method === "DELETE") {
            objects.delete(key);
            return send(204);
        }
        return send(405);
    });
    return Object.assign(server, { objects });
}
