import { spawnSync } from "child_process";
import * as path from "path";

/**
 * `npm run bench`: figures, never assertions (the machines are shared and noisy). Each offline
 * preview runs in a fresh process, as a person or CI runs it; the median of several runs is shown.
 * Flags: `--runs N` (default 3), `--skip-suite` (the whole test suite takes a minute or more).
 */

const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

interface PreviewFigures {
    readonly wallMs: number;
    readonly evaluationMs: number;
    readonly peakRssMb: number;
    readonly resources: number;
}

function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

function previewOnce(stacks: readonly string[]): PreviewFigures {
    const started = Date.now();
    const run = spawnSync(TSX, [path.join(ROOT, "bench", "previewRun.ts"), ...stacks], { cwd: ROOT, encoding: "utf8" });
    const wallMs = Date.now() - started;
    if (run.status !== 0) {
        throw new Error(`preview of ${stacks.join(", ") || "all stacks"} failed: ${run.stderr}`);
    }
    const figures = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}");
    return { wallMs, evaluationMs: figures.evaluationMs, peakRssMb: figures.peakRssMb, resources: figures.resources };
}

function previewFigures(label: string, stacks: readonly string[], runs: number): Record<string, string> {
    const samples = Array.from({ length: runs }, () => previewOnce(stacks));
    return {
        [`preview ${label}: wall time, process start to exit (median of ${runs})`]: `${median(samples.map(s => s.wallMs)).toFixed(0)} ms`,
        [`preview ${label}: evaluation + policy pack after module load`]: `${median(samples.map(s => s.evaluationMs)).toFixed(0)} ms`,
        [`preview ${label}: peak memory (RSS)`]: `${Math.max(...samples.map(s => s.peakRssMb)).toFixed(0)} MiB`,
        [`preview ${label}: resources`]: `${samples[0].resources}`,
    };
}

function suiteFigures(): Record<string, string> {
    const started = Date.now();
    const run = spawnSync(path.join(ROOT, "node_modules", ".bin", "jest"), ["--silent"], { cwd: ROOT, encoding: "utf8" });
    const summary = /Tests:\s+(.*)/.exec(run.stderr)?.[1] ?? "no summary";
    return { "whole jest suite: wall time": `${((Date.now() - started) / 1000).toFixed(1)} s (${summary})` };
}

async function switchFigures(): Promise<Record<string, string>> {
    const { benchSwitch } = await import("./switch");
    const figures = await benchSwitch();
    return Object.fromEntries(Object.entries(figures).map(([key, value]) => [`switch: ${key}`, String(value)]));
}

async function observabilityFigures(): Promise<Record<string, string>> {
    const { benchObservability } = await import("./observability");
    const figures = await benchObservability();
    return Object.fromEntries(Object.entries(figures).map(([key, value]) => [`observability: ${key}`, String(value)]));
}

async function dataFigures(): Promise<Record<string, string>> {
    const { benchData } = await import("./data");
    const figures = await benchData();
    return Object.fromEntries(Object.entries(figures).map(([key, value]) => [`data: ${key}`, String(value)]));
}

async function main(argv: readonly string[]): Promise<void> {
    const runsFlag = argv.indexOf("--runs");
    const runs = runsFlag >= 0 ? Number(argv[runsFlag + 1]) : 3;
    if (!Number.isInteger(runs) || runs < 1) {
        throw new Error(`--runs: expected a whole number of at least 1, got ${JSON.stringify(argv[runsFlag + 1])}`);
    }
    const figures: Record<string, string> = {
        ...previewFigures("blue", ["blue"], runs),
        ...previewFigures("green (evaluates blue first for its owner outputs)", ["green"], runs),
        ...previewFigures("all stacks", [], runs),
        ...(argv.includes("--skip-suite") ? {} : suiteFigures()),
        ...(await switchFigures()),
        ...(await (await import("./cost")).costFigures()),
        ...(await observabilityFigures()),
        ...(await dataFigures()),
    };
    const width = Math.max(...Object.keys(figures).map(k => k.length));
    for (const [key, value] of Object.entries(figures)) {
        process.stdout.write(`${key.padEnd(width)}  ${value}\n`);
    }
}

main(process.argv.slice(2)).catch(error => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
});
