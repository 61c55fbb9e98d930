/** Time as the switch sees it; tests pass a clock whose `sleep` moves time on at once. */
export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: ms => new Promise(resolve => setTimeout(resolve, Math.max(0, ms))),
};
