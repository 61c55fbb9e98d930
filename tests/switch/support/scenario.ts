import { JournalEntry } from "../../../switch/journal";
import { openStore } from "../../../switch/wiring";
import { allEntries } from "./fakes";
import { LoadGenerator, LoadResult } from "./load";
import { FAST_FLAGS, Platform, startPlatform, tempStore } from "./platform";

/** One loopback test file's platform, and per scenario a fresh journal store, load and healthy sites. */
export interface Scenario {
    readonly platform: Platform;
    readonly load: LoadGenerator;
    /** `--store <this scenario's dir>` and the fast thresholds. */
    flags(): string[];
    journal(): Promise<JournalEntry[]>;
    /** The weights changes the scenario made, oldest first. */
    changes(): Platform["edge"]["changes"];
    /** Green's share at each of them. */
    greenShares(): number[];
    lastChange(): Platform["edge"]["changes"][number];
    /** Resolves the first time the edge holds weights giving green `share`. */
    edgeReaches(share: number): Promise<void>;
    /** Keeps the load running until `count` requests have started after `at` (bounded), then stops it. */
    stopLoadAfter(at: number, count?: number): Promise<LoadResult[]>;
}

export const answeredAfter = (results: readonly LoadResult[], at: number) => results.filter(r => r.startedAt > at);

/** Registers the jest hooks; the returned object's fields are valid inside tests. */
export function useScenario(): Scenario {
    let platform: Platform;
    let store: Awaited<ReturnType<typeof tempStore>>;
    let load: LoadGenerator;
    let firstChange = 0;
    beforeAll(async () => { platform = await startPlatform(); });
    afterAll(() => platform?.stop());
    beforeEach(async () => {
        store = await tempStore();
        platform.sites.blue.set({ healthy: true, status: 200, latencyMs: 0 });
        platform.sites.green.set({ healthy: true, status: 200, latencyMs: 0 });
        platform.edge.set({ blue: 100, green: 0 });
        load = new LoadGenerator(platform.edge.url, { maxDurationMs: 20_000 });
        firstChange = platform.edge.changes.length;
    });
    afterEach(async () => {
        await load.stop();
        await store.cleanup();
    });
    return {
        get platform() { return platform; },
        get load() { return load; },
        flags: () => ["--store", store.dir, ...FAST_FLAGS],
        journal: () => allEntries(openStore(store.dir, {}, "/", Date.now).journal),
        changes: () => platform.edge.changes.slice(firstChange),
        greenShares: () => platform.edge.changes.slice(firstChange).map(c => c.weights.green),
        lastChange: () => platform.edge.changes[platform.edge.changes.length - 1],
        edgeReaches: share => new Promise(resolve => platform.edge.onChange(w => { if (w.green === share) resolve(); })),
        async stopLoadAfter(at, count = 40) {
            for (let i = 0; i < 100 && answeredAfter(load.results, at).length < count; i++) {
                await new Promise(resolve => setTimeout(resolve, 50));
            }
            return load.stop();
        },
    };
}
