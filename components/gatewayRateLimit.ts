/**
 * The per-client rate limit (the seeds: 100 requests a minute per client, where a client is an IPv4
 * address or an IPv6 /64) is enforced in two places:
 *
 * - **The edge is the authority.** Cloudflare counts every request of a client across all of its
 *   data centres and both colours before any reaches an origin (components/edgeHardening.ts, #7).
 * - **The gateway is a backstop** for whatever reaches the origin anyway (an edge rule disabled,
 *   a plan limit, a misconfigured zone). Each nginx counts alone, so each gets a share of the
 *   limit: `ceil(limit / replicas)`. Whichever pods a client's requests land on, it passes at most
 *   `replicas x share` requests, the limit rounded up to a multiple of the replica count, never
 *   `replicas x limit`.
 *
 * The share is sized to the gateway's minimum replica count, so the bound is exact when the
 * gateway runs at its floor; when the autoscaler adds pods, the backstop bound grows with them
 * (`maxReplicas x share`) and the edge stays the per-client authority. `backstopBound` states it.
 */

export interface PerClientLimit {
    /** Requests per minute per client, across every gateway pod. */
    readonly perMinute: number;
    /** Requests a client may send at once above the rate, across every gateway pod. */
    readonly burst: number;
}

export interface BackstopShare {
    /** Per-pod rate (requests per minute per client at one nginx). */
    readonly perMinute: number;
    /** Per-pod burst. */
    readonly burst: number;
}

/** One pod's share of the per-client limit when `replicas` pods split a client's requests. */
export function backstopShare(limit: PerClientLimit, replicas: number): BackstopShare {
    if (!Number.isInteger(replicas) || replicas < 1) {
        throw new Error(`replicas: expected an integer >= 1, got ${JSON.stringify(replicas)}`);
    }
    return {
        perMinute: Math.max(1, Math.ceil(limit.perMinute / replicas)),
        // A pod passes burst + 1 requests at once; the pods together pass about the limit's burst + 1.
        burst: Math.max(0, Math.ceil((limit.burst + 1) / replicas) - 1),
    };
}

/** The most a client can pass per minute through `replicas` pods, each holding `share`. */
export function backstopBound(share: BackstopShare, replicas: number): PerClientLimit {
    return { perMinute: share.perMinute * replicas, burst: (share.burst + 1) * replicas - 1 };
}
