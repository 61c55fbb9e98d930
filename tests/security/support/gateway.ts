import { GatewayRenderOptions } from "../../../components/nginxConfig";
import { NginxInstance, startNginx } from "../../support/nginx";
import { EchoApi, startEchoApi } from "./echoApi";
import { RawRequest, RawResponse, send } from "./rawHttp";

/**
 * The production-shaped gateway on loopback: PROXY protocol on, the load balancer played by
 * 127.0.0.1 (the only peer whose PROXY header is believed), Cloudflare's real ranges as the only
 * addresses whose CF-Connecting-IP is believed (a PROXY header can claim any source, so a test
 * "is" a Cloudflare edge by claiming 104.16.0.5), three echo APIs behind it.
 */

export const CLOUDFLARE_EDGE = "104.16.0.5";
export const CLOUDFLARE_EDGE_V6 = "2606:4700::6810:1";
export const ZONE_HOST = "blkoutuk.com";
export const PREVIEW_HOST = "blue.blkoutuk.com";

export interface AttackedGateway {
    readonly nginx: NginxInstance;
    readonly apis: Readonly<Record<"ivor" | "events" | "newsroom", EchoApi>>;
    /** A request through the load balancer from a Cloudflare edge, claiming `client` in CF-Connecting-IP. */
    viaEdge(client: string, request?: Omit<RawRequest, "port">): Promise<RawResponse>;
    send(request: Omit<RawRequest, "port">): Promise<RawResponse>;
    stop(): Promise<void>;
}

export async function startAttackedGateway(extra: Partial<GatewayRenderOptions> = {}): Promise<AttackedGateway> {
    const [ivor, events, newsroom] = await Promise.all(["ivor", "events", "newsroom"].map(startEchoApi));
    const apis = { ivor, events, newsroom };
    let nginx: NginxInstance;
    try {
        nginx = await startNginx({
            upstreams: Object.fromEntries(Object.entries(apis).map(([api, echo]) => [api, { host: "127.0.0.1", port: echo.port }])),
            proxyProtocol: true,
            loadBalancerRanges: ["127.0.0.1"],
            allowedHosts: [ZONE_HOST, PREVIEW_HOST],
            colour: "blue",
            release: "v1.2.3",
            maxBodyBytes: 1024,
            rateLimitPerMinute: 1,
            rateLimitBurst: 2,
            ...extra,
        });
    } catch (error) {
        await Promise.all(Object.values(apis).map(api => api.stop()));
        throw error;
    }
    const sendTo = (request: Omit<RawRequest, "port">) => send({ port: nginx.port, ...request });
    return {
        nginx,
        apis,
        send: sendTo,
        viaEdge: (client, request = {}) => sendTo({
            proxySource: CLOUDFLARE_EDGE, ...request, headers: { "CF-Connecting-IP": client, ...request.headers },
        }),
        async stop() {
            await nginx.stop();
            await Promise.all(Object.values(apis).map(api => api.stop()));
        },
    };
}

export const SECURITY_HEADERS: Readonly<Record<string, RegExp>> = {
    "strict-transport-security": /^max-age=31536000; includeSubDomains$/,
    "content-security-policy": /frame-ancestors 'none'/,
    "x-content-type-options": /^nosniff$/,
    "x-frame-options": /^DENY$/,
    "referrer-policy": /^no-referrer$/,
    "x-blkout-colour": /^blue$/,
    "x-blkout-release": /^v1\.2\.3$/,
};

/** Every security header present exactly once, and nothing that names the server's software. */
export function securityHeaderProblems(response: RawResponse): string[] {
    const problems = Object.entries(SECURITY_HEADERS)
        .filter(([name, pattern]) => response.counts[name] !== 1 || !pattern.test(response.headers[name]))
        .map(([name]) => `${name}: ${JSON.stringify(response.headers[name])} x${response.counts[name] ?? 0}`);
    if (response.headers["x-powered-by"] !== undefined) problems.push(`x-powered-by: ${response.headers["x-powered-by"]}`);
    if (/\d/.test(response.headers.server ?? "")) problems.push(`server: ${response.headers.server}`);
    return problems;
}
