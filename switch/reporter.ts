import { Sample, Verdict } from "./gates";
import { JournalEntry, MetricsSpec } from "./journal";
import { formatDuration, formatWeights, SwitchPlan } from "./plan";

export type Progress =
    | { readonly kind: "entry"; readonly entry: JournalEntry }
    /** Something the operator must know that is not a journal entry of this run. */
    | { readonly kind: "notice"; readonly line: string }
    | { readonly kind: "tick"; readonly step: number; readonly plan: SwitchPlan; readonly elapsedMs: number; readonly verdict: Verdict; readonly samples: readonly Sample[] };

export interface Reporter {
    report(progress: Progress): void;
}

export const silentReporter: Reporter = { report: () => undefined };

const stepName = (step: number | "rollback", total?: number) => (step === "rollback" ? "rollback" : `step ${step + 1}${total ? `/${total}` : ""}`);

/** Where the metrics come from: one Prometheus URL when both colours share it, else each colour's. */
export function describeMetrics(spec: MetricsSpec): string {
    if (spec.kind === "synthetic") return "synthetic probes";
    const { blue, green } = spec.urls;
    return blue === green ? `prometheus at ${blue}` : `prometheus at blue ${blue}, green ${green}`;
}

/** One line for a journal entry, as both displays print it. */
export function describeEntry(entry: JournalEntry): string {
    switch (entry.type) {
        case "start":
            return `switch ${entry.switchId}: ${entry.from} (${entry.releases[entry.from]}) -> ${entry.to} (${entry.releases[entry.to]}), steps ${entry.steps.join(",")}, window ${formatDuration(entry.windowMs)}, metrics from ${describeMetrics(entry.metrics)}, by ${entry.by}`;
        case "step-start":
            return `${stepName(entry.step)}: setting ${formatWeights(entry.weights)}`;
        case "weights-set":
            return `${stepName(entry.step)}: update applied (attempt ${entry.attempt})`;
        case "verified":
            return `${stepName(entry.step)}: verified ${formatWeights(entry.weights)}`;
        case "update-failed":
            return `${stepName(entry.step)}: update attempt ${entry.attempt} failed: ${entry.error}`;
        case "gate":
            return `${stepName(entry.step)}: gate ${entry.verdict}: ${entry.detail}`;
        case "step-passed":
            return `${stepName(entry.step)}: passed after ${formatDuration(entry.observedMs)}`;
        case "rollback-start":
            return `ROLLBACK to ${formatWeights(entry.weights)}: ${entry.reason}`;
        case "rollback-done":
            return `rolled back to ${formatWeights(entry.weights)}: ${formatDuration(entry.durationMs)} from breach to traffic back`;
        case "rollback-failed":
            return `ROLLBACK FAILED (${entry.error}): traffic may still be split; run \`rollback\` again`;
        case "halted":
            return `HALTED: ${entry.reason}`;
        case "abort-requested":
            return `abort requested by ${entry.by}`;
        case "aborted":
            return `aborted by ${entry.by}: weights left as they are${entry.weights ? ` (${formatWeights(entry.weights)})` : ""}`;
        case "resumed":
            return `resumed by ${entry.by} at ${stepName(entry.step)}${entry.overrides ? ` with overrides ${JSON.stringify(entry.overrides)}` : ""}`;
        case "late-update":
            return `LATE UPDATE from a fenced-off run landed (${formatWeights(entry.landed)}); corrected to ${formatWeights(entry.corrected)}`;
        case "completed":
            return `completed: ${formatWeights(entry.weights)}`;
    }
}

const pct = (value: number | null | undefined) => (value === undefined ? "n/a" : value === null ? "-" : `${(value * 100).toFixed(1)}%`);
const ms = (value: number | null | undefined) => (value === undefined ? "n/a" : value === null ? "-" : `${Math.round(value)}ms`);

export function describeSample(sample: Sample): string {
    return `${sample.colour} ${sample.healthy ? "healthy" : "UNHEALTHY"} err ${pct(sample.errorRate)} p95 ${ms(sample.p95Ms)}`;
}

/** Plain lines, one per journal entry: for CI logs and pipes. */
export class PlainReporter implements Reporter {
    constructor(private readonly write: (line: string) => void) {}

    report(progress: Progress): void {
        if (progress.kind === "entry") {
            this.write(`${progress.entry.at} ${describeEntry(progress.entry)}`);
        } else if (progress.kind === "notice") {
            this.write(progress.line);
        }
    }
}

/** A live status line redrawn on every sample, with journal entries printed above it. */
export class TtyReporter implements Reporter {
    private statusShown = false;

    constructor(private readonly stream: NodeJS.WritableStream) {}

    report(progress: Progress): void {
        if (progress.kind !== "tick") {
            this.clear();
            this.stream.write(`${progress.kind === "entry" ? describeEntry(progress.entry) : progress.line}\n`);
            return;
        }
        const { step, plan, elapsedMs, verdict, samples } = progress;
        const done = Math.min(1, elapsedMs / plan.windowMs);
        const bar = `${"#".repeat(Math.round(done * 20))}${".".repeat(20 - Math.round(done * 20))}`;
        const state = verdict.kind === "ok" ? "ok" : verdict.kind === "watch" ? `holding: ${verdict.reasons[0]}` : verdict.kind;
        this.clear();
        this.stream.write(`${stepName(step, plan.steps.length)} ${plan.to} ${plan.steps[step].share}% [${bar}] `
            + `${formatDuration(elapsedMs)}/${formatDuration(plan.windowMs)} | ${samples.map(describeSample).join(" | ")} | ${state}`);
        this.statusShown = true;
    }

    private clear(): void {
        if (this.statusShown) {
            this.stream.write("\r\x1b[2K");
            this.statusShown = false;
        }
    }
}

/** The live display on a terminal, plain lines in CI (`CI=true`) or when piped. */
export function createReporter(stream: NodeJS.WritableStream & { isTTY?: boolean }, env: NodeJS.ProcessEnv): Reporter {
    return stream.isTTY && env.CI !== "true" ? new TtyReporter(stream) : new PlainReporter(line => stream.write(`${line}\n`));
}
