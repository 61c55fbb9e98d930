import { SWITCH_LABELS as L, SWITCH_SERIES as S, SWITCH_STATES, SwitchState } from "../components/metricSeries";
import { Colour, COLOURS } from "../components/platformNames";
import { ColourUrls } from "./colourUrls";
import { Weights } from "./plan";

/**
 * Where the switch is, for the dashboards: pushed to each colour's Pushgateway after the traffic
 * update it describes. Best effort by design (docs/switch-faults.md): the rollback path must need
 * nothing that can fail on the way there, so a report is sent in the background, bounded by a
 * timeout, never retried, never awaited by a decision, and a failure is one warning line.
 */

export interface StepSnapshot {
    readonly from: Colour;
    readonly to: Colour;
    /** The plan's step whose weights were applied last, 1-based; 0 once the switch is off its plan (rolled back). */
    readonly step: number;
    readonly steps: number;
    readonly state: SwitchState;
    /** What the load balancer reported applying; undefined when nobody knows (a failed rollback). */
    readonly weights?: Weights;
    /** Wall time of the report, ms since the epoch. */
    readonly at: number;
}

export interface StepReporter {
    /** Sends the snapshot in the background: returns at once, never throws. */
    report(snapshot: StepSnapshot): void;
    /** Waits for the pushes still in flight, each bounded by its timeout; never rejects. */
    settle(): Promise<void>;
}

/** The Pushgateway's grouping key: one group, replaced whole by every push. */
export const PUSH_JOB = "blkout_switch";
/** A Pushgateway answers a push of a few lines in milliseconds; anything slower is a fault, not load. */
export const PUSH_TIMEOUT_MS = 2000;

const HELP: Readonly<Record<keyof typeof S, string>> = {
    weight: "Share of traffic (0-1) the load balancer reported applying to each colour after the switch's last update.",
    step: "The plan step whose weights the switch applied last (1-based); 0 once it rolled back.",
    steps: "Steps in the switch's plan.",
    state: "1 for the switch's current state, 0 for the others.",
    updated: "Unix time of the switch's last report.",
};

/**
 * The text exposition format (version 0.0.4) of one snapshot: every series carries `from` and `to`,
 * so a later switch in the other direction replaces them rather than sitting beside them.
 */
export function renderStepMetrics(s: StepSnapshot): string {
    const base = `${L.from}="${s.from}",${L.to}="${s.to}"`;
    const family = (key: keyof typeof S, samples: readonly string[]) => [`# HELP ${S[key]} ${HELP[key]}`, `# TYPE ${S[key]} gauge`, ...samples];
    return [
        ...(s.weights ? family("weight", COLOURS.map(c => `${S.weight}{${base},${L.colour}="${c}"} ${s.weights![c] / 100}`)) : []),
        ...family("step", [`${S.step}{${base}} ${s.step}`]),
        ...family("steps", [`${S.steps}{${base}} ${s.steps}`]),
        ...family("state", SWITCH_STATES.map(state => `${S.state}{${base},${L.state}="${state}"} ${state === s.state ? 1 : 0}`)),
        ...family("updated", [`${S.updated}{${base}} ${s.at / 1000}`]),
        "",
    ].join("\n");
}

/**
 * The group's URL. PUT replaces every metric of the group (README, "PUT method":
 * https://github.com/prometheus/pushgateway/blob/master/README.md#put-method), so a state or a
 * colour that no longer applies disappears with the next push.
 */
export function pushUrl(base: string, job = PUSH_JOB): string {
    return `${base.replace(/\/+$/, "")}/metrics/job/${job}`;
}

/** Why a push failed, in a few words: no stack, no URL. */
export function describePushError(err: unknown, timeoutMs: number): string {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e?.name === "TimeoutError" || e?.name === "AbortError") return `no answer within ${timeoutMs} ms`;
    const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
    return detail.split("\n")[0];
}

interface Channel {
    readonly url: string;
    readonly colours: readonly Colour[];
    inFlight?: Promise<void>;
    /** The newest snapshot that arrived while a push was in flight: older ones are out of date. */
    pending?: string;
    warned: boolean;
}

export interface PushgatewayOptions {
    readonly urls: ColourUrls;
    /** One line per Pushgateway that failed, the first time it does. */
    readonly warn: (line: string) => void;
    /** @default PUSH_TIMEOUT_MS */
    readonly timeoutMs?: number;
    /** @default globalThis.fetch */
    readonly fetch?: typeof fetch;
}

/**
 * Pushes each snapshot to every colour's Pushgateway (both colours' dashboards show the same
 * switch; one URL given for both is pushed once). One push at a time per Pushgateway, so they land
 * in order; a snapshot that comes while one is in flight waits, replacing any older one waiting.
 */
export class PushgatewayStepReporter implements StepReporter {
    private readonly channels: Channel[];
    private readonly timeoutMs: number;
    private readonly fetch: typeof fetch;

    constructor(private readonly options: PushgatewayOptions) {
        this.timeoutMs = options.timeoutMs ?? PUSH_TIMEOUT_MS;
        this.fetch = options.fetch ?? globalThis.fetch;
        const urls = [...new Set(COLOURS.map(c => options.urls[c]))];
        this.channels = urls.map(url => ({ url, colours: COLOURS.filter(c => options.urls[c] === url), warned: false }));
    }

    report(snapshot: StepSnapshot): void {
        const body = renderStepMetrics(snapshot);
        for (const channel of this.channels) {
            if (channel.inFlight) channel.pending = body;
            else this.send(channel, body);
        }
    }

    async settle(): Promise<void> {
        while (this.channels.some(c => c.inFlight)) {
            await Promise.all(this.channels.map(c => c.inFlight));
        }
    }

    private send(channel: Channel, body: string): void {
        channel.inFlight = this.push(channel, body).then(() => {
            const next = channel.pending;
            channel.pending = undefined;
            channel.inFlight = undefined;
            if (next !== undefined) this.send(channel, next);
        });
    }

    /** One PUT, bounded by the timeout (headers and body); resolves whatever happens. */
    private async push(channel: Channel, body: string): Promise<void> {
        try {
            const response = await this.fetch(pushUrl(channel.url), {
                method: "PUT", body, headers: { "Content-Type": "text/plain; version=0.0.4" }, signal: AbortSignal.timeout(this.timeoutMs),
            });
            const text = await response.text();
            if (!response.ok) throw new Error(`HTTP ${response.status}${text ? `: ${text.trim().split("\n")[0].slice(0, 200)}` : ""}`);
        } catch (err) {
            if (!channel.warned) {
                channel.warned = true;
                this.options.warn(`step report to ${channel.colours.join(" and ")}'s Pushgateway at ${originOf(channel.url)} failed `
                    + `(${describePushError(err, this.timeoutMs)}); the switch goes on without it, the dashboard's step may be stale`);
            }
        }
    }
}

/** Scheme, host and port only: a path or query could carry what a log should not. */
function originOf(url: string): string {
    try {
        return new URL(url).origin;
    } catch {
        return "(unparsable URL)";
    }
}
