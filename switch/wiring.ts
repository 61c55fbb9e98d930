import { join, resolve } from "node:path";
import { assertNoProblems } from "../components/platformNames";
import { actorFrom } from "./actor";
import { systemClock } from "./clock";
import { EngineDeps } from "./engine";
import { CloudflarePoolHealth, OriginHealthProbe } from "./health";
import { FileObjectStore } from "./fileStore";
import { Journal, MetricsSpec, SequencedJournal } from "./journal";
import { SwitchLock } from "./lock";
import { FileLockBackend, ObjectLockBackend } from "./lockBackends";
import { MetricsSource, PrometheusMetricsSource, SyntheticProbeSource } from "./metrics";
import { ObjectStore, S3ObjectStore } from "./objectStore";
import { Colour } from "./plan";
import { OriginResolver } from "./probe";
import { Reporter } from "./reporter";
import { CliOptions } from "./settings";
import { PushgatewayStepReporter } from "./stepReport";
import { PulumiTrafficStack, TrafficStack } from "./traffic";

export interface CliIo {
    readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
    readonly stderr: NodeJS.WritableStream;
    readonly env: NodeJS.ProcessEnv;
    readonly cwd: string;
    /** The process, when run as one: an interrupt then still says whether traffic is left split. */
    readonly signals?: Pick<NodeJS.Process, "once" | "exit">;
}

/** The journal and lock: a local directory, or `s3://bucket/prefix` (Spaces) that every machine can reach. */
export function openStore(spec: string, env: NodeJS.ProcessEnv, cwd: string, now: () => number): { journal: Journal; lock: SwitchLock; objects: ObjectStore; prefix: string } {
    const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(spec);
    if (!s3) {
        const dir = resolve(cwd, spec);
        const objects = new FileObjectStore(dir);
        return { journal: new SequencedJournal(objects), lock: new SwitchLock(new FileLockBackend(join(dir, "switch.lock")), { now }), objects, prefix: "" };
    }
    const accessKeyId = env.SPACES_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.SPACES_SECRET_ACCESS_KEY ?? env.AWS_SECRET_ACCESS_KEY;
    const endpoint = env.BLKOUT_SWITCH_STORE_ENDPOINT;
    assertNoProblems(`store ${spec}`, [
        ...(endpoint ? [] : ["BLKOUT_SWITCH_STORE_ENDPOINT: expected the S3 endpoint, e.g. https://ams3.digitaloceanspaces.com"]),
        ...(accessKeyId ? [] : ["SPACES_ACCESS_KEY_ID (or AWS_ACCESS_KEY_ID): expected the bucket's access key"]),
        ...(secretAccessKey ? [] : ["SPACES_SECRET_ACCESS_KEY (or AWS_SECRET_ACCESS_KEY): expected the bucket's secret key"]),
    ]);
    const prefix = s3[2] === "" || s3[2].endsWith("/") ? s3[2] : `${s3[2]}/`;
    const store = new S3ObjectStore({ endpoint: endpoint!, bucket: s3[1], region: env.BLKOUT_SWITCH_STORE_REGION, accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! });
    return { journal: new SequencedJournal(store, prefix), lock: new SwitchLock(new ObjectLockBackend(store, `${prefix}switch.lock`), { now }), objects: store, prefix };
}

/** A colour's gateway base URL from its stack outputs, read once per run (origins do not move mid-switch). */
export function originResolver(traffic: TrafficStack): OriginResolver {
    const cache = new Map<Colour, Promise<string>>();
    return colour => {
        if (!cache.has(colour)) {
            const pending = traffic.colourOutputs(colour).then(outputs => {
                if (!outputs) throw new Error(`${colour} is not deployed`);
                return outputs.gatewayOrigin.includes("://") ? outputs.gatewayOrigin : `http://${outputs.gatewayOrigin}`;
            });
            pending.catch(() => cache.delete(colour));
            cache.set(colour, pending);
        }
        return cache.get(colour)!;
    };
}

/** Health, metrics, journal and lock around a traffic stack, as the options and environment ask. */
export function assembleDeps(options: CliOptions, io: CliIo, reporter: Reporter, traffic: TrafficStack): EngineDeps {
    const origin = originResolver(traffic);
    const { env } = io;
    const pool = env.CLOUDFLARE_API_TOKEN && env.CLOUDFLARE_ACCOUNT_ID
        ? new CloudflarePoolHealth({
            accountId: env.CLOUDFLARE_ACCOUNT_ID,
            apiToken: env.CLOUDFLARE_API_TOKEN,
            poolId: async colour => {
                const ids = await traffic.poolIds();
                if (!ids) throw new Error(`${traffic.description} exports no poolIds`);
                return ids[colour];
            },
        })
        : undefined;
    const metricsFor = (spec: MetricsSpec): MetricsSource => (spec.kind === "prometheus"
        ? new PrometheusMetricsSource({ urls: spec.urls, token: env.PROMETHEUS_TOKEN })
        // Six samples' worth of probes: enough for a p95, short enough to clear soon after a blip.
        : new SyntheticProbeSource({ origin, paths: spec.probePaths, windowMs: 6 * options.engine.sampleIntervalMs, now: systemClock.monotonic }));
    return {
        traffic,
        health: new OriginHealthProbe({ origin, pool }),
        metrics: metricsFor(options.metrics),
        metricsFor,
        metricsSpec: options.metrics,
        ...openStore(options.store, env, io.cwd, systemClock.now),
        clock: systemClock,
        reporter,
        ...(options.pushgateway ? { steps: new PushgatewayStepReporter({ urls: options.pushgateway, warn: line => io.stderr.write(`switch: warning: ${line}\n`) }) } : {}),
        actor: actorFrom(env),
    };
}

/** The production wiring: the real traffic stack through the Automation API. */
export async function productionDeps(options: CliOptions, io: CliIo, reporter: Reporter): Promise<EngineDeps> {
    const traffic = new PulumiTrafficStack({
        trafficDir: resolve(io.cwd, options.trafficDir),
        trafficStack: options.trafficStack,
        colourDir: io.cwd,
    });
    return assembleDeps(options, io, reporter, traffic);
}
