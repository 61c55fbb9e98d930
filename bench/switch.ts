import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { COLOURS } from "../components/platformNames";
import { evaluate } from "../infra/offline/evaluate";
import { readStackFile, REPO_ROOT } from "../infra/offline/stackFiles";
import { loadTrafficConfig } from "../infra/traffic/config";
import { createTrafficStack, trafficSettings } from "../infra/traffic/stack";
import { Weights } from "../switch/plan";
import { openStore } from "../switch/wiring";
import { allEntries } from "../tests/switch/support/fakes";
import { failed, LoadGenerator } from "../tests/switch/support/load";
import { edgeTraffic, FAST_FLAGS, Platform, runSwitch, startPlatform, tempStore } from "../tests/switch/support/platform";

/**
 * Figures for `npm run bench` (never assertions): on the loopback platform of the switch tests
 * (real nginx gateways, stub APIs, a weighted edge), how long a sustained breach takes to be undone,
 * whether a healthy switch drops requests, and what one step costs the traffic program.
 */

/** Breach window and sampling for the rollback figure: short enough to bench, long enough to be a window. */
const BREACH_FLAGS = ["--health-fail", "5s", "--interval", "500ms", "--window", "10s"];

async function healthySwitch(platform: Platform): Promise<Record<string, number | string>> {
    const store = await tempStore();
    const load = new LoadGenerator(platform.edge.url, { maxDurationMs: 60_000, maxRequests: 20_000 });
    try {
        load.start();
        const run = await runSwitch(["to", "green", "--store", store.dir, ...FAST_FLAGS], edgeTraffic(platform));
        const results = await load.stop();
        return {
            "healthy switch 0 -> 100 (steps 5,20,50,100, 1 s windows): outcome": run.code === 0 ? "completed" : `exit ${run.code}: ${run.stderr.trim()}`,
            "healthy switch: failed requests (target 0)": results.filter(failed).length,
            "healthy switch: requests sent": results.length,
        };
    } finally {
        await load.stop();
        await store.cleanup();
    }
}

async function breachToRecovered(platform: Platform): Promise<Record<string, number | string>> {
    const store = await tempStore();
    let faultAt = 0;
    platform.edge.onChange(weights => {
        if (weights.green === 20 && faultAt === 0) {
            faultAt = Date.now();
            platform.sites.green.apis.events.set({ healthy: false });
        }
    });
    try {
        const run = await runSwitch(["to", "green", "--store", store.dir, ...FAST_FLAGS, ...BREACH_FLAGS], edgeTraffic(platform));
        const done = (await allEntries(openStore(store.dir, {}, "/", Date.now).journal)).find(e => e.type === "rollback-done");
        const back = platform.edge.changes[platform.edge.changes.length - 1];
        if (!done || done.type !== "rollback-done" || back.weights.blue !== 100) {
            return { "breach to traffic back": `no rollback happened (exit ${run.code}: ${run.stderr.trim()})` };
        }
        return {
            "breach window used (health failing)": "5 s, sampled every 0.5 s",
            // The traffic double applies weights at once: a real `pulumi up` of the traffic stack adds its own duration.
            "breach (first failing sample) to traffic fully back, s (target: window + under 10; update by the test double)": Number((done.durationMs / 1000).toFixed(2)),
            "fault injected to traffic fully back on blue (edge), s": Number(((back.at - faultAt) / 1000).toFixed(2)),
        };
    } finally {
        platform.sites.green.set({ healthy: true });
        await store.cleanup();
    }
}

/** Evaluates the traffic program under the mock runtime at given weights; ms. */
async function evaluateTrafficAt(weights: Weights): Promise<number> {
    const raw: Record<string, unknown> = { ...readStackFile(join(REPO_ROOT, "infra", "traffic"), "production").config, weights };
    const stacks = raw.colourStacks as Record<string, string>;
    const stackReferences = Object.fromEntries(COLOURS.map((colour, i) => [stacks[colour], {
        outputs: {
            colour, releaseVersion: `2026.1${i}.0`, mode: "active", gatewayOrigin: `203.0.113.${10 + i}`, healthPath: "/healthz", previewHostname: `${colour}.blkoutuk.com`, monitorToken: "b".repeat(48),
        },
    }]));
    const started = performance.now();
    await evaluate({ project: "blkout-traffic", stack: "production", stackReferences }, () => createTrafficStack(trafficSettings(loadTrafficConfig(raw))));
    return performance.now() - started;
}

async function stepEvaluationCost(runs = 5): Promise<Record<string, number | string>> {
    await evaluateTrafficAt({ blue: 100, green: 0 });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
        times.push(await evaluateTrafficAt({ blue: 95, green: 5 }), await evaluateTrafficAt({ blue: 80, green: 20 }));
    }
    return { [`one step's traffic-program evaluation (mock runtime, 95/5 and 80/20, mean of ${times.length}), ms`]: Number((times.reduce((a, b) => a + b, 0) / times.length).toFixed(1)) };
}

export async function benchSwitch(): Promise<Record<string, number | string>> {
    const platform = await startPlatform();
    try {
        const healthy = await healthySwitch(platform);
        platform.edge.set({ blue: 100, green: 0 });
        const breach = await breachToRecovered(platform);
        return { ...healthy, ...breach, ...(await stepEvaluationCost()) };
    } finally {
        await platform.stop();
    }
}

if (require.main === module) {
    benchSwitch().then(figures => {
        for (const [key, value] of Object.entries(figures)) process.stdout.write(`${key}: ${value}\n`);
    }, error => {
        process.stderr.write(`${(error as Error).message}\n`);
        process.exitCode = 1;
    });
}
