import { PolicyInputResource } from "../../policies/harness";
import { TYPES } from "../../policies/lib/resources";
import { resource } from "./helpers";

/** A compliant traffic stack: monitors, a pool per colour, the weighted load balancer, zone hardening, and the colour stacks it reads. */

const STACK = "production";
const MANAGED = "efb7b8c949ac4650a09736fc376e9aee";

export const POOL_IDS = { blue: "8de032a7b29c872de3497cc0c4897c2b", green: "2616d5c3434aff6c0f7bf01b6a5740ec" } as const;

export const monitor = (colour: "blue" | "green", props: Record<string, unknown> = {}) => resource(TYPES.monitor, `traffic-${colour}-monitor`, {
    accountId: "8c1d7e4b2a9f4c3e8d6b1a5f7e2c9d40", type: "https", method: "GET", path: "/healthz", expectedCodes: "200",
    interval: 15, timeout: 5, retries: 2, allowInsecure: false, followRedirects: false, ...props,
}, { stack: STACK, id: `${colour}-monitor-0000000000000000000` });

export function pool(colour: "blue" | "green", props: Record<string, unknown> = {}): PolicyInputResource {
    const watcher = monitor(colour);
    return resource(TYPES.pool, `traffic-${colour}-pool`, {
        accountId: "8c1d7e4b2a9f4c3e8d6b1a5f7e2c9d40", name: `blkoutuk-com-${colour}`, enabled: true, minimumOrigins: 1,
        monitor: watcher.outputs?.id, origins: [{ name: `${colour}-gateway`, address: colour === "blue" ? "203.0.113.178" : "203.0.113.144", enabled: true, weight: 1 }],
        ...props,
    }, { stack: STACK, id: POOL_IDS[colour], deps: { monitor: [watcher] } });
}

/** The load balancer with percent weights per colour (Cloudflare holds them as 0-1) and the fallback colour. */
export function loadBalancer(weights: { blue: number; green: number } = { blue: 100, green: 0 }, fallback: "blue" | "green" = "blue", extra: Record<string, unknown> = {}) {
    return resource(TYPES.loadBalancer, "traffic-lb", {
        zoneId: "3f2a9c4e8b1d4f6a9e0c7b5d2a1f8e3c", name: "blkoutuk.com", proxied: true, enabled: true, steeringPolicy: "random",
        defaultPools: [POOL_IDS.blue, POOL_IDS.green], fallbackPool: POOL_IDS[fallback],
        randomSteering: { defaultWeight: 0, poolWeights: { [POOL_IDS.blue]: weights.blue / 100, [POOL_IDS.green]: weights.green / 100 } },
        ...extra,
    }, { stack: STACK, id: "6f1e2d3c4b5a69788796a5b4c3d2e1f0" });
}

export const zoneSetting = (settingId: string, value: unknown) => resource(TYPES.zoneSetting, `edge-${settingId}`, {
    zoneId: "3f2a9c4e8b1d4f6a9e0c7b5d2a1f8e3c", settingId, value,
}, { stack: STACK });

export const managedWaf = (rule: Record<string, unknown> = {}) => resource(TYPES.ruleset, "edge-waf", {
    zoneId: "3f2a9c4e8b1d4f6a9e0c7b5d2a1f8e3c", kind: "zone", phase: "http_request_firewall_managed", name: "blkout managed WAF",
    rules: [{ action: "execute", actionParameters: { id: MANAGED }, expression: "true", enabled: true, ...rule }],
}, { stack: STACK });

export const dnsRecord = (props: Record<string, unknown> = {}) => resource(TYPES.dnsRecord, "blue-preview-record", {
    zoneId: "3f2a9c4e8b1d4f6a9e0c7b5d2a1f8e3c", name: "blue.blkoutuk.com", type: "A", content: "203.0.113.178", proxied: true, ttl: 1, ...props,
});

export const HSTS = { strict_transport_security: { enabled: true, max_age: 31536000, include_subdomains: true, preload: false, nosniff: true } };

export const rateLimit = (rule: Record<string, unknown> = {}) => resource(TYPES.ruleset, "edge-api-rate-limit", {
    zoneId: "3f2a9c4e8b1d4f6a9e0c7b5d2a1f8e3c", kind: "zone", phase: "http_ratelimit", name: "blkout API rate limit",
    rules: [{ action: "block", expression: "starts_with(http.request.uri.path, \"/api/\")", enabled: true,
        ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 60, requestsPerPeriod: 100, mitigationTimeout: 60 }, ...rule }],
}, { stack: STACK });

/** A colour stack as the traffic stack's StackReference reads it. */
export const colourReference = (colour: "blue" | "green", outputs: Record<string, unknown>) => resource(TYPES.stackReference, `${colour}-colour-stack`, {
    name: `organization/blkout-platform/${colour}`,
}, { stack: STACK, outputs: { outputs: { colour, ...outputs }, secretOutputNames: [] } });

/** The whole traffic stack, compliant: blue live with all the traffic, green standby. */
export function trafficStack(weights = { blue: 100, green: 0 }, fallback: "blue" | "green" = "blue"): PolicyInputResource[] {
    return [
        colourReference("blue", { mode: "active", dataRole: "owner" }),
        colourReference("green", { mode: weights.green > 0 ? "active" : "standby", dataRole: "follower" }),
        monitor("blue"), monitor("green"), pool("blue"), pool("green"),
        loadBalancer(weights, fallback),
        zoneSetting("ssl", "strict"), zoneSetting("min_tls_version", "1.2"), zoneSetting("always_use_https", "on"),
        zoneSetting("security_header", HSTS), managedWaf(), rateLimit(),
    ];
}
