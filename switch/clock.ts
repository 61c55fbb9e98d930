import { performance } from "node:perf_hooks";

/**
 * Time as the switch sees it. `monotonic()` measures every duration (breach windows, observation,
 * time to roll back): it never jumps when the wall clock is stepped. `now()` is wall time, only for
 * what people read (journal timestamps, lease expiry shared with other machines). Tests pass a clock
 * whose `sleep` moves both on at once and whose wall time can be stepped on its own.
 */
export interface Clock {
    /** Wall time, ms since the epoch: display and records only. */
    now(): number;
    /** Milliseconds from an arbitrary origin, never going backwards: every duration. */
    monotonic(): number;
    sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
    now: () => Date.now(),
    monotonic: () => performance.now(),
    sleep: ms => new Promise(resolve => setTimeout(resolve, Math.max(0, ms))),
};

/** Rejects with `what` timing out after `ms`, so a hung dependency cannot hold a caller that must go on. */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
        timer.unref?.();
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
