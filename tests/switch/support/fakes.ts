import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Clock } from "../../../switch/clock";
import { EngineDeps, EngineSettings } from "../../../switch/engine";
import { DEFAULT_THRESHOLDS } from "../../../switch/gates";
import { HealthReading, HealthSource } from "../../../switch/health";
import { FileObjectStore } from "../../../switch/fileStore";
import { JournalEntry, SequencedJournal } from "../../../switch/journal";
import { SwitchLock } from "../../../switch/lock";
import { FileLockBackend } from "../../../switch/lockBackends";
import { MetricsReading, MetricsSource } from "../../../switch/metrics";
import { Colour } from "../../../switch/plan";
import { Progress, Reporter } from "../../../switch/reporter";
import { ColourOutputs } from "../../../switch/traffic";
import { MemoryWeights, RecordingTraffic } from "./trafficDouble";

/**
 * Virtual time: `sleep` moves both clocks on at once, so a 2-minute breach window takes no real
 * time; `stepWall` moves only the wall clock, as an NTP step or an operator's `date -s` would.
 */
export class FakeClock implements Clock {
    private mono = 1_000_000;
    constructor(public t = Date.parse("2025-06-01T12:00:00Z")) {}
    now(): number {
        return this.t;
    }
    monotonic(): number {
        return this.mono;
    }
    stepWall(ms: number): void {
        this.t += ms;
    }
    async sleep(ms: number): Promise<void> {
        this.t += Math.max(0, ms);
        this.mono += Math.max(0, ms);
        // A macrotask turn, so jest's own timeout can still fire if a loop never ends.
        await new Promise(resolve => setImmediate(resolve));
    }
}

/** Health decided by a function of colour and (monotonic) time since the test began. */
export class ScriptedHealth implements HealthSource {
    constructor(private readonly clock: Clock, private readonly start: number, public script: (colour: Colour, elapsedMs: number) => Partial<HealthReading> | Promise<Partial<HealthReading>> = () => ({})) {}
    async check(colour: Colour): Promise<HealthReading> {
        const r = await this.script(colour, this.clock.monotonic() - this.start);
        return { healthy: r.healthy ?? true, failures: r.failures ?? (r.healthy === false ? [`${colour} /healthz answered 503`] : []), missing: r.missing ?? [] };
    }
}

/** Metrics decided by a function of colour and time; returning an Error makes the source fail. */
export class ScriptedMetrics implements MetricsSource {
    readonly name = "scripted metrics";
    constructor(private readonly clock: Clock, private readonly start: number, public script: (colour: Colour, elapsedMs: number) => MetricsReading | Error | Promise<MetricsReading | Error> = () => ({ errorRate: 0.001, p95Ms: 120 })) {}
    async sample(colour: Colour): Promise<MetricsReading> {
        const r = await this.script(colour, this.clock.monotonic() - this.start);
        if (r instanceof Error) throw r;
        return r;
    }
}

export class RecordingReporter implements Reporter {
    readonly progress: Progress[] = [];
    report(p: Progress): void {
        this.progress.push(p);
    }
}

export function colourOutputs(colour: Colour, release: string, overrides: Partial<ColourOutputs> = {}): ColourOutputs {
    return { colour, releaseVersion: release, mode: "active", gatewayOrigin: `10.0.0.${colour === "blue" ? 1 : 2}`, healthPath: "/healthz", previewHostname: `${colour}.preview.example.org`, ...overrides };
}

/** The seeds' thresholds, sampled every 5 s, 60 s windows: only virtual time passes. */
export const SEED_SETTINGS: EngineSettings = { sampleIntervalMs: 5000, thresholds: DEFAULT_THRESHOLDS, updateAttempts: 3, retryDelayMs: 2000, lockTtlMs: 120_000, storeTimeoutMs: 5000 };

export interface Harness {
    readonly dir: string;
    readonly clock: FakeClock;
    readonly traffic: RecordingTraffic;
    readonly health: ScriptedHealth;
    readonly metrics: ScriptedMetrics;
    readonly reporter: RecordingReporter;
    readonly deps: EngineDeps;
    cleanup(): Promise<void>;
}

/** Engine deps over doubles, a file journal in a temp dir and a fake clock; blue live on 1.0.0, green on 1.1.0. */
export async function harness(actor = "tester@example.org"): Promise<Harness> {
    const dir = await mkdtemp(join(tmpdir(), "blkout-switch-"));
    const clock = new FakeClock();
    const traffic = new RecordingTraffic(new MemoryWeights({ blue: 100, green: 0 }), { blue: colourOutputs("blue", "1.0.0"), green: colourOutputs("green", "1.1.0") });
    const health = new ScriptedHealth(clock, clock.monotonic());
    const metrics = new ScriptedMetrics(clock, clock.monotonic());
    const reporter = new RecordingReporter();
    const deps: EngineDeps = {
        traffic, health, metrics, reporter, clock, actor, metricsSpec: { kind: "synthetic", probePaths: ["/scripted"] },
        journal: new SequencedJournal(new FileObjectStore(dir)),
        lock: new SwitchLock(new FileLockBackend(join(dir, "switch.lock")), { now: () => clock.now() }),
    };
    return { dir, clock, traffic, health, metrics, reporter, deps, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every valid entry of every switch in a journal, switches oldest first, each in sequence order. */
export async function allEntries(journal: SequencedJournal | EngineDeps["journal"]): Promise<JournalEntry[]> {
    const reads = await Promise.all((await journal.switchIds()).map(id => journal.read(id)));
    return reads.flatMap(read => read.entries);
}
