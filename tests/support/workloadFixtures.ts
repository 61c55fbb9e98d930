import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { settle } from "../../infra/offline/evaluate";
import { installMockRuntime, RecordedResource } from "../../infra/offline/mockRuntime";
import { ApiCredentials, ApiService, ApiServiceArgs } from "../../components/apiService";
import { Gateway, GatewayArgs } from "../../components/gateway";

/** Args for the Gateway and ApiService tests, with credentials recognisable wherever they leak. */

export const CREDENTIALS = {
    databaseUrl: "postgresql://doadmin:pg-pass-6a1f@private-blue-db.db.ondigitalocean.com:25060/blkout?sslmode=require",
    readReplicaUrl: "postgresql://doadmin:pg-pass-6a1f@private-blue-replica.db.ondigitalocean.com:25060/blkout?sslmode=require",
    redisUrl: "rediss://default:valkey-pass-93c2@private-blue-valkey.db.ondigitalocean.com:25061",
    sessionSecret: "session-secret-5d0e8b",
    mediaBucket: "blkout-media-b1e2",
    modelApiKey: "model-key-77aa90",
} as const;

let counter = 0;
/** A name no other test in this process uses. */
export function uniqueName(prefix: string): string {
    counter += 1;
    return `${prefix}${counter}`;
}

export function testProvider(name: string): k8s.Provider {
    return new k8s.Provider(`${name}-k8s`, { kubeconfig: "offline" });
}

export function ivorCredentials(): ApiCredentials {
    return {
        databaseUrl: pulumi.secret(CREDENTIALS.databaseUrl),
        readReplicaUrl: pulumi.secret(CREDENTIALS.readReplicaUrl),
        redisUrl: CREDENTIALS.redisUrl,
        sessionSecret: pulumi.secret(CREDENTIALS.sessionSecret),
        bucketNames: { media: CREDENTIALS.mediaBucket },
        extraSecretEnv: { MODEL_API_KEY: pulumi.secret(CREDENTIALS.modelApiKey) },
    };
}

/** ApiService args for IVOR; `redisUrl` comes in plain to prove the component makes it secret. */
export function ivorArgs(provider: k8s.Provider, overrides: Partial<ApiServiceArgs> = {}): ApiServiceArgs {
    return {
        provider,
        namespace: "blkout-blue",
        api: "ivor",
        image: "registry.digitalocean.com/blkout/ivor:2026.11.3",
        colour: "blue",
        release: "2026.11.3",
        credentials: ivorCredentials(),
        env: { LOG_LEVEL: "info" },
        dataPlaneCidrs: ["10.110.0.0/20"],
        ...overrides,
    };
}

/** Gateway args in front of the given APIs (any missing API points at a fixed host). */
export function gatewayArgs(provider: k8s.Provider, apis: Partial<Record<"ivor" | "events" | "newsroom", ApiService>>,
    overrides: Partial<GatewayArgs> = {}): GatewayArgs {
    const upstream = (api: "ivor" | "events" | "newsroom") => apis[api]
        ? { host: apis[api]!.serviceHost, port: apis[api]!.port }
        : { host: `${api}.blkout-blue.svc.cluster.local`, port: 8080 };
    return {
        provider,
        namespace: "blkout-blue",
        colour: "blue",
        release: "2026.11.3",
        upstreams: { ivor: upstream("ivor"), events: upstream("events"), newsroom: upstream("newsroom") },
        loadBalancerPeerRanges: ["10.20.0.0/16"],
        domain: "blkoutuk.com",
        tlsCertificateId: "5b1c0e7e-origin-ca-blue",
        ...overrides,
    };
}

/** A whole colour's workloads: three APIs and the gateway in front of them. */
export function colourWorkloads(prefix: string) {
    const provider = testProvider(prefix);
    const apis = {
        ivor: new ApiService(`${prefix}-ivor`, ivorArgs(provider)),
        events: new ApiService(`${prefix}-events`, ivorArgs(provider, { api: "events", image: "registry.digitalocean.com/blkout/events:2026.11.3" })),
        newsroom: new ApiService(`${prefix}-newsroom`, ivorArgs(provider, { api: "newsroom", image: "registry.digitalocean.com/blkout/newsroom:2026.11.3" })),
    };
    const gateway = new Gateway(`${prefix}-gateway`, gatewayArgs(provider, apis));
    return { provider, apis, gateway };
}

/**
 * Runs a program expected to throw under the recording mocks, and returns its error and every
 * resource it registered anyway, so a test can prove bad args register nothing.
 */
export async function registrationsOnFailure(program: () => void): Promise<{ error: unknown; resources: readonly RecordedResource[] }> {
    const mocks = installMockRuntime({ project: "blkout-platform", stack: "test" });
    let error: unknown;
    try {
        program();
    } catch (caught) {
        error = caught;
    }
    await settle();
    return { error, resources: mocks.resources };
}
