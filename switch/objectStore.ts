import {
    GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException,
} from "@aws-sdk/client-s3";

/** One stored object and the version a conditional replace must name (an S3 ETag, a file generation). */
export interface StoredObject {
    readonly body: string;
    readonly version: string;
}

/**
 * The few storage calls the journal needs, so a switch run on one machine can be read, resumed or
 * rolled back from another: read, create-if-absent (never overwrite) and list. Implemented over a
 * directory (fileStore.ts) and over an S3-compatible bucket (DigitalOcean Spaces).
 */
export interface ObjectStore {
    readonly location: string;
    get(key: string): Promise<StoredObject | undefined>;
    /** Writes only when `key` does not exist; resolves false when it does. Atomic. */
    create(key: string, body: string): Promise<boolean>;
    /** Keys under a prefix, in lexical order. */
    list(prefix: string): Promise<string[]>;
}

/** The lock record's store: the same calls plus a compare-and-swap on the version. */
export interface CasStore extends ObjectStore {
    /** Writes only when the object's version is still `ifVersion`; resolves false otherwise. Atomic. */
    replace(key: string, body: string, ifVersion: string): Promise<boolean>;
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
}

/**
 * A bucket through AWS SDK v3. Create and replace are S3 conditional writes: `If-None-Match: *`
 * and `If-Match: <etag>`, answered 412 Precondition Failed when the condition does not hold, or 409
 * ConditionalRequestConflict when a concurrent conditional write won the race
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 */
export class S3ObjectStore implements CasStore {
    readonly location: string;
    private readonly client: S3Client;

    constructor(private readonly options: S3StoreOptions) {
        this.location = `s3://${options.bucket} at ${options.endpoint}`;
        this.client = new S3Client({
            endpoint: options.endpoint,
            region: options.region ?? "us-east-1",
            forcePathStyle: true,
            credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
            // Checksums only where S3 requires them: Spaces and older S3-compatible stores reject the trailers.
            requestChecksumCalculation: "WHEN_REQUIRED",
            responseChecksumValidation: "WHEN_REQUIRED",
            maxAttempts: 2,
        });
    }

    async get(key: string): Promise<StoredObject | undefined> {
        try {
            const answer = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }), this.signal());
            return { body: (await answer.Body?.transformToString("utf8")) ?? "", version: answer.ETag ?? "" };
        } catch (err) {
            if (err instanceof NoSuchKey || statusOf(err) === 404) return undefined;
            throw this.failure(`GET ${key}`, err);
        }
    }

    create(key: string, body: string): Promise<boolean> {
        return this.put(key, body, { IfNoneMatch: "*" });
    }

    replace(key: string, body: string, ifVersion: string): Promise<boolean> {
        return this.put(key, body, { IfMatch: ifVersion });
    }

    async list(prefix: string): Promise<string[]> {
        const keys: string[] = [];
        let token: string | undefined;
        do {
            try {
                const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ContinuationToken: token }), this.signal());
                keys.push(...(page.Contents ?? []).flatMap(object => (object.Key ? [object.Key] : [])));
                token = page.IsTruncated ? page.NextContinuationToken : undefined;
            } catch (err) {
                throw this.failure(`LIST ${prefix}`, err);
            }
        } while (token);
        return keys.sort();
    }

    private async put(key: string, body: string, condition: { IfNoneMatch?: string; IfMatch?: string }): Promise<boolean> {
        try {
            await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: "application/json", ...condition }), this.signal());
            return true;
        } catch (err) {
            if (statusOf(err) === 412 || statusOf(err) === 409) return false;
            throw this.failure(`PUT ${key}`, err);
        }
    }

    private signal(): { abortSignal: AbortSignal } {
        return { abortSignal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000) };
    }

    /** One line naming the call and the store's answer; the SDK's messages never carry the secret. */
    private failure(what: string, err: unknown): Error {
        const status = statusOf(err);
        const code = err instanceof S3ServiceException ? err.name : (err as Error).name;
        return new Error(`object store ${what}: ${status ? `HTTP ${status} ` : ""}${code}${status ? "" : `: ${(err as Error).message}`}`);
    }
}

function statusOf(err: unknown): number | undefined {
    return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
