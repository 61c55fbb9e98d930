import { createHash } from "node:crypto";
import { FakeServer, startFakeServer } from "./httpFake";

export const S3_KEYS = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret/never-logged" };

/**
 * An S3 bucket on loopback, faithful where the switch depends on it: path-style GET, PUT, DELETE
 * and ListObjectsV2 with pagination; every object has an ETag (the MD5 of its body, quoted, as S3
 * gives for single-part uploads); a PUT with `If-None-Match: *` on an existing key, or `If-Match`
 * naming another ETag (or any ETag on a missing key), is refused 412 PreconditionFailed, and the
 * check and the write happen in one step, as S3 makes them. It checks only that a request is
 * signed at all: verifying SigV4 with code under test would prove nothing (the SDK signs).
 */
export async function startFakeS3(bucket: string, pageSize = 1000): Promise<FakeServer & { objects: Map<string, { body: string; etag: string }>; failWrites?: string }> {
    const objects = new Map<string, { body: string; etag: string }>();
    // The handler reads the returned object, so a test can fail writes by setting `failWrites`.
    const state: { failWrites?: string } = {};
    const server = await startFakeServer((req, res) => {
        const send = (status: number, body = "", headers: Record<string, string> = {}) => { res.writeHead(status, { "content-type": "application/xml", ...headers }); res.end(body); };
        const error = (status: number, code: string) => send(status, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
        if (!/^AWS4-HMAC-SHA256 Credential=AKIDTEST\//.test(String(req.headers.authorization ?? ""))) {
            return error(403, "AccessDenied");
        }
        const [, name, ...rest] = req.url.pathname.split("/");
        if (name !== bucket) return error(404, "NoSuchBucket");
        const key = rest.map(decodeURIComponent).join("/");
        if (req.method === "GET" && key === "" && req.url.searchParams.get("list-type") === "2") {
            const prefix = req.url.searchParams.get("prefix") ?? "";
            const all = [...objects.keys()].filter(k => k.startsWith(prefix)).sort();
            const start = Number(req.url.searchParams.get("continuation-token") ?? "0");
            const page = all.slice(start, start + pageSize);
            const more = start + pageSize < all.length;
            return send(200, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${prefix}</Prefix><KeyCount>${page.length}</KeyCount>`
                + `<IsTruncated>${more}</IsTruncated>${page.map(k => `<Contents><Key>${k.replace(/&/g, "&amp;")}</Key></Contents>`).join("")}`
                + `${more ? `<NextContinuationToken>${start + pageSize}</NextContinuationToken>` : ""}</ListBucketResult>`);
        }
        const object = objects.get(key);
        if (req.method === "GET") return object ? send(200, object.body, { etag: object.etag }) : error(404, "NoSuchKey");
        if (req.method === "PUT") {
            if (state.failWrites) return error(503, state.failWrites);
            const ifNoneMatch = req.headers["if-none-match"];
            const ifMatch = req.headers["if-match"];
            if ((ifNoneMatch === "*" && object) || (ifMatch !== undefined && ifMatch !== object?.etag)) return error(412, "PreconditionFailed");
            const etag = `"${createHash("md5").update(req.body).digest("hex")}"`;
            objects.set(key, { body: req.body, etag });
            return send(200, "", { etag });
        }
        if (req.method === "DELETE") {
            objects.delete(key);
            return send(204);
        }
        return error(405, "MethodNotAllowed");
    });
    Object.defineProperty(server, "failWrites", { get: () => state.failWrites, set: (code?: string) => { state.failWrites = code; } });
    return Object.assign(server, { objects }) as FakeServer & { objects: typeof objects; failWrites?: string };
}
