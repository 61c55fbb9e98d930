import { API_NAMES, GATEWAY_HEALTH_PATH } from "../components/platformNames";
import { Colour } from "./plan";
import { OriginResolver, probe, probeFailure } from "./probe";

/** The gateway's own health route, then each API's through the gateway. */
export const DEFAULT_HEALTH_PATHS: readonly string[] = Object.freeze([GATEWAY_HEALTH_PATH, ...API_NAMES.map(api => `/health/${api}`)]);

export interface HealthReading {
    readonly healthy: boolean;
    readonly failures: readonly string[];
    /** Health sources that could not be read at all (not the same as unhealthy). */
    readonly missing: readonly string[];
}

export interface HealthSource {
    check(colour: Colour): Promise<HealthReading>;
}

/** The load balancer's own view of a colour's pool. */
export interface PoolHealthSource {
    poolHealth(colour: Colour): Promise<{ healthy: boolean; failures: string[] }>;
}

export interface OriginHealthOptions {
    readonly origin: OriginResolver;
    /** @default DEFAULT_HEALTH_PATHS */
    readonly paths?: readonly string[];
    /** @default 5000 */
    readonly timeoutMs?: number;
    /** When absent only the origins are probed. */
    readonly pool?: PoolHealthSource;
}

/** Probes a colour's gateway directly (not through the load balancer) and asks the pool's health. */
export class OriginHealthProbe implements HealthSource {
    constructor(private readonly options: OriginHealthOptions) {}

    async check(colour: Colour): Promise<HealthReading> {
        const [origin, pool] = await Promise.all([this.probeOrigin(colour), this.readPool(colour)]);
        const failures = [...origin, ...pool.failures];
        return { healthy: failures.length === 0, failures, missing: pool.missing };
    }

    private async probeOrigin(colour: Colour): Promise<string[]> {
        let base: string;
        try {
            base = await this.options.origin(colour);
        } catch (err) {
            return [`origin unknown: ${(err as Error).message}`];
        }
        const paths = this.options.paths ?? DEFAULT_HEALTH_PATHS;
        const results = await Promise.all(paths.map(path => probe(base, path, { timeoutMs: this.options.timeoutMs })));
        return results.flatMap(result => probeFailure(result, colour, status => status >= 200 && status < 300) ?? []);
    }

    private async readPool(colour: Colour): Promise<{ failures: string[]; missing: string[] }> {
        if (!this.options.pool) {
            return { failures: [], missing: [] };
        }
        try {
            const { failures } = await this.options.pool.poolHealth(colour);
            return { failures, missing: [] };
        } catch (err) {
            return { failures: [], missing: [`cloudflare pool health: ${(err as Error).message}`] };
        }
    }
}

export interface CloudflarePoolHealthOptions {
    readonly accountId: string;
    /** Needs Load Balancing: Monitors and Pools Read. Never logged. */
    readonly apiToken: string;
    readonly poolId: (colour: Colour) => Promise<string>;
    /** @default "https://api.cloudflare.com/client/v4" */
    readonly baseUrl?: string;
    /** @default 10000 */
    readonly timeoutMs?: number;
}

interface PoolHealthBody {
    success?: boolean;
    errors?: { message?: string }[];
    result?: { pop_health?: Record<string, { healthy?: boolean; origins?: Record<string, { healthy?: boolean; failure_reason?: string }>[] }> };
}

/** `GET /accounts/{account}/load_balancers/pools/{pool}/health`: per-region health of the pool's origins. */
export class CloudflarePoolHealth implements PoolHealthSource {
    constructor(private readonly options: CloudflarePoolHealthOptions) {}

    async poolHealth(colour: Colour): Promise<{ healthy: boolean; failures: string[] }> {
        const poolId = await this.options.poolId(colour);
        const base = this.options.baseUrl ?? "https://api.cloudflare.com/client/v4";
        const url = `${base}/accounts/${encodeURIComponent(this.options.accountId)}/load_balancers/pools/${encodeURIComponent(poolId)}/health`;
        const response = await fetch(url, {
            headers: { authorization: `Bearer ${this.options.apiToken}` },
            signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        const body = (await response.json().catch(() => ({}))) as PoolHealthBody;
        if (!response.ok || body.success === false || !body.result?.pop_health) {
            const detail = body.errors?.map(e => e.message).join("; ") || `HTTP ${response.status}`;
            throw new Error(`pool ${poolId}: ${detail}`);
        }
        const failures = Object.entries(body.result.pop_health).flatMap(([region, health]) => {
            if (health.healthy !== false) {
                return [];
            }
            const origins = (health.origins ?? []).flatMap(entry => Object.entries(entry))
                .filter(([, origin]) => origin.healthy === false)
                .map(([address, origin]) => `${address} ${origin.failure_reason ?? "unhealthy"}`);
            return [`cloudflare pool ${colour} unhealthy in ${region}${origins.length ? `: ${origins.join(", ")}` : ""}`];
        });
        return { healthy: failures.length === 0, failures };
    }
}
