import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { GatewayRenderOptions } from "../../../components/nginxConfig";
import { API_NAMES, ApiName, COLOURS } from "../../../components/platformNames";
import { runCli } from "../../../switch/cli";
import { Colour } from "../../../switch/plan";
import { assembleDeps } from "../../../switch/wiring";
import { NginxInstance, startNginx, StubApi, StubBehaviour, startStubApi } from "../../support/nginx";
import { Edge, EdgeWeights, startEdge } from "./edge";
import { colourOutputs } from "./fakes";
import { RecordingTraffic } from "./trafficDouble";

/** One colour on loopback: the project's real gateway nginx in front of three stub APIs. */
export interface ColourSite {
    readonly colour: Colour;
    readonly release: string;
    readonly gateway: NginxInstance;
    readonly apis: Readonly<Record<ApiName, StubApi>>;
    /** Changes every API's behaviour (health, status, latency). */
    set(change: Partial<StubBehaviour>): void;
}

/** One colour's real gateway in front of stub APIs; `gatewayOptions` adds to the loopback options (a metrics log, say). */
export async function startColour(colour: Colour, release: string, gatewayOptions: Partial<GatewayRenderOptions> = {}): Promise<ColourSite> {
    const stubs = await Promise.all(API_NAMES.map(api => startStubApi(`${colour}-${api}`)));
    const apis = Object.fromEntries(API_NAMES.map((api, i) => [api, stubs[i]])) as Record<ApiName, StubApi>;
    const gateway = await startNginx({
        upstreams: Object.fromEntries(API_NAMES.map(api => [api, { host: apis[api].host, port: apis[api].port }])),
        colour,
        release,
        // The load generator and the probes all come from 127.0.0.1: the per-client limit would throttle them.
        rateLimitPerMinute: 1_000_000,
        rateLimitBurst: 100_000,
        // The switch samples every health path every 200 ms in these scaled-down runs.
        healthRateLimitPerMinute: 1_000_000,
        trustedProxyRanges: ["127.0.0.1"],
        ...gatewayOptions,
    });
    return { colour, release, gateway, apis, set: change => stubs.forEach(stub => stub.set(change)) };
}

export interface Platform {
    readonly sites: Readonly<Record<Colour, ColourSite>>;
    readonly edge: Edge;
    /** Outputs the colour stacks would export, pointing at the loopback gateways. */
    readonly outputs: ReturnType<typeof outputsOf>;
    stop(): Promise<void>;
}

function outputsOf(sites: Record<Colour, ColourSite>) {
    return Object.fromEntries(COLOURS.map(c => [c, colourOutputs(c, sites[c].release, { gatewayOrigin: `127.0.0.1:${sites[c].gateway.port}` })])) as Record<Colour, ReturnType<typeof colourOutputs>>;
}

/** Blue (live, 1.0.0) and green (1.1.0) behind an edge holding all traffic on blue. */
export async function startPlatform(): Promise<Platform> {
    const [blue, green] = await Promise.all([startColour("blue", "1.0.0"), startColour("green", "1.1.0")]);
    const sites = { blue, green };
    const edge = await startEdge({ blue: blue.gateway.baseUrl, green: green.gateway.baseUrl }, { blue: 100, green: 0 });
    return {
        sites,
        edge,
        outputs: outputsOf(sites),
        async stop() {
            await edge.stop();
            await Promise.all(COLOURS.flatMap(c => [sites[c].gateway.stop(), ...Object.values(sites[c].apis).map(api => api.stop())]));
        },
    };
}

/**
 * Breach windows of about a second, sampled five times a second: scenarios run in seconds. The p95
 * limit sits well above what a loaded shared machine adds to a healthy probe.
 */
export const FAST_FLAGS = [
    "--window", "1s", "--interval", "200ms", "--health-fail", "1s", "--error-rate", "5", "--error-window", "1s",
    "--p95", "1000ms", "--p95-window", "1s", "--metrics-grace", "1s", "--attempts", "3", "--retry-delay", "100ms",
    "--lock-ttl", "10s", "--wait", "10s",
];

export interface CliRun {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
    const chunks: string[] = [];
    const stream = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
    return { stream, text: () => chunks.join("") };
}

/** Runs the real CLI in-process against the platform: real probes, the traffic double driving the edge. */
export async function runSwitch(argv: readonly string[], traffic: RecordingTraffic, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
    const out = sink();
    const err = sink();
    const io = { stdout: out.stream, stderr: err.stream, env: { CI: "true", BLKOUT_SWITCH_ACTOR: "loopback-test", ...env }, cwd: process.cwd() };
    const code = await runCli(argv, io, async (options, cliIo, reporter) => assembleDeps(options, cliIo, reporter, traffic));
    return { code, stdout: out.text(), stderr: err.text() };
}

export function edgeTraffic(platform: Platform): RecordingTraffic {
    return new RecordingTraffic(new EdgeWeights(platform.edge.url), platform.outputs);
}

export async function tempStore(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
    const dir = await mkdtemp(join(tmpdir(), "blkout-switch-loop-"));
    return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
