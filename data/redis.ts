import Redis from "ioredis";

/**
 * Redis/Valkey keys that must survive a cutover (sessions, queued jobs) are copied with DUMP and
 * RESTORE, which carry any type byte for byte, with each key's remaining PTTL. Cache keys are left
 * behind: the new owner's cache warms itself. Uses ioredis, the maintained client with pipelines.
 */

/** `redis://` or `rediss://` (TLS, what DigitalOcean's Valkey accepts); the URL holds a password and is never logged. */
export function openRedis(url: string): Redis {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, enableOfflineQueue: false, retryStrategy: () => null });
    client.on("error", () => undefined);
    return client;
}

/** Major of `redis_version` in INFO server (Valkey reports its Redis compatibility there too). */
export function redisMajor(info: string): number | undefined {
    const version = /^redis_version:(\d+)\./m.exec(info)?.[1];
    return version === undefined ? undefined : Number(version);
}

/** DUMP payloads carry an RDB version that an older server refuses. */
export function redisVersionProblem(ownerInfo: string, candidateInfo: string): string | undefined {
    const owner = redisMajor(ownerInfo);
    const candidate = redisMajor(candidateInfo);
    if (owner === undefined || candidate === undefined) return "cannot read redis_version from INFO server";
    return candidate < owner ? `Redis downgrade: the candidate runs ${candidate}, older than the owner's ${owner}` : undefined;
}

/**
 * The TTL to restore with: RESTORE takes 0 for "no expiry" where PTTL says -1; a key that expired
 * between SCAN and PTTL (-2) is skipped.
 */
export function restoreTtl(pttl: number): number | undefined {
    if (pttl === -2) return undefined;
    return pttl === -1 ? 0 : pttl;
}

export interface CopyResult {
    readonly keys: number;
    readonly withTtl: number;
}

/** Copies every key matching the patterns, REPLACE-ing what the target has, in pipelined batches. */
export async function copyKeys(source: Redis, target: Redis, patterns: readonly string[], batch = 200): Promise<CopyResult> {
    let keys = 0;
    let withTtl = 0;
    for (const pattern of patterns) {
        let cursor = "0";
        do {
            const [next, found] = await source.scan(cursor, "MATCH", pattern, "COUNT", batch);
            cursor = next;
            if (found.length === 0) continue;
            const read = source.pipeline();
            found.forEach(key => read.pttl(key).dumpBuffer(key));
            const results = (await read.exec()) ?? [];
            const write = target.pipeline();
            let writes = 0;
            found.forEach((key, i) => {
                const ttl = restoreTtl(Number(results[2 * i]?.[1]));
                const payload = results[2 * i + 1]?.[1] as Buffer | null;
                if (ttl === undefined || !payload) return;
                write.restore(key, ttl, payload, "REPLACE");
                writes++;
                if (ttl > 0) withTtl++;
            });
            if (writes > 0) {
                const written = (await write.exec()) ?? [];
                const failed = written.find(([err]) => err);
                if (failed) throw new Error(`RESTORE on the candidate: ${failed[0]!.message}`);
            }
            keys += writes;
        } while (cursor !== "0");
    }
    return { keys, withTtl };
}
