import { CLOUDFLARE_MANAGED_RULESET_ID } from "../../components/edgeHardening";
import { Evaluation, named, ofType, RecordedResource } from "../support/pulumi";
import { outputValues } from "../../infra/offline/evaluate";
import { canaryConfig, colourOutputs, evaluateTraffic, GATEWAY_ORIGINS } from "./fixtures";

const MONITOR = "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor";
const POOL = "cloudflare:index/loadBalancerPool:LoadBalancerPool";
const LB = "cloudflare:index/loadBalancer:LoadBalancer";
const ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting";
const RULESET = "cloudflare:index/ruleset:Ruleset";

describe("the traffic stack at 95 % blue / 5 % green", () => {
    let evaluation: Evaluation<Record<string, unknown>>;
    let pools: Record<string, RecordedResource>;
    let lb: RecordedResource;

    beforeAll(async () => {
        // Green answers health on its own path, so the test can tell which colour's output a monitor used.
        evaluation = await evaluateTraffic(canaryConfig(), { green: colourOutputs("green", { healthPath: "/ready" }) });
        pools = { blue: named(evaluation.resources, "traffic-blue-pool"), green: named(evaluation.resources, "traffic-green-pool") };
        lb = named(evaluation.resources, "traffic-lb");
    });

    it("reads each colour stack through a StackReference to the configured stack", () => {
        const references = ofType(evaluation.resources, "pulumi:pulumi:StackReference").map(r => [r.name, r.inputs.name]);
        expect(references).toEqual([
            ["blue-colour-stack", "organization/blkout-platform/blue"],
            ["green-colour-stack", "organization/blkout-platform/green"],
        ]);
    });

    it("checks each colour over HTTPS on its own health path, with the configured codes and timings, never skipping TLS checks", () => {
        const monitors = ofType(evaluation.resources, MONITOR);
        expect(monitors.map(m => [m.name, m.inputs.path])).toEqual([["traffic-blue-monitor", "/healthz"], ["traffic-green-monitor", "/ready"]]);
        for (const monitor of monitors) {
            expect(monitor.inputs).toMatchObject({
                accountId: "8c1d7e4b2a9f4c3e8d6b1a5f7e2c9d40",
                type: "https",
                method: "GET",
                expectedCodes: "200",
                interval: 15,
                timeout: 5,
                retries: 2,
                consecutiveDown: 2,
                allowInsecure: false,
                followRedirects: false,
                header: { Host: ["blkoutuk.com"] },
            });
        }
    });

    it("gives each colour a pool of its gateway, watched by that colour's monitor", () => {
        for (const colour of ["blue", "green"] as const) {
            const monitor = named(evaluation.resources, `traffic-${colour}-monitor`);
            expect(pools[colour].inputs).toMatchObject({
                name: `blkoutuk-com-${colour}`,
                origins: [{ name: `${colour}-gateway`, address: GATEWAY_ORIGINS[colour], enabled: true, weight: 1 }],
                monitor: monitor.id,
                minimumOrigins: 1,
                checkRegions: ["WEU", "EEU"],
                enabled: true,
            });
        }
    });

    it("alerts the configured address when either pool or its origin changes health", () => {
        const alert = named(evaluation.resources, "traffic-health-alert");
        expect(alert.inputs).toMatchObject({
            alertType: "load_balancing_health_alert",
            mechanisms: { emails: [{ id: "platform-alerts@blkoutuk.com" }] },
            filters: { poolIds: [pools.blue.id, pools.green.id], newHealths: ["Healthy", "Unhealthy"], eventSources: ["pool", "origin"] },
        });
    });

    it("puts a proxied load balancer on the hostname that splits traffic randomly by the weights", () => {
        expect(lb.inputs).toMatchObject({
            zoneId: "3f2a9c4e8b1d4f6a9e0c7b5d2a1f8e3c",
            name: "blkoutuk.com",
            proxied: true,
            steeringPolicy: "random",
            defaultPools: [pools.blue.id, pools.green.id],
        });
        expect(lb.inputs.randomSteering).toEqual({ poolWeights: { [pools.blue.id]: 0.95, [pools.green.id]: 0.05 }, defaultWeight: 0 });
    });

    it("falls back to the colour with the larger weight", () => {
        expect(lb.inputs.fallbackPool).toBe(pools.blue.id);
        expect(evaluation.outputs.fallbackColour.value).toBe("blue");
    });

    it("keeps a visitor on one colour with a session cookie", () => {
        expect(lb.inputs).toMatchObject({
            sessionAffinity: "cookie",
            sessionAffinityTtl: 1800,
            sessionAffinityAttributes: { samesite: "Lax", secure: "Always", zeroDowntimeFailover: "temporary" },
        });
    });

    it("sends a request carrying the preview cookie or header to the colour it names, and only there", () => {
        expect(lb.inputs.rules).toEqual(["blue", "green"].map((colour, priority) => ({
            name: `preview-${colour}`,
            priority,
            condition: `(http.request.headers["x-blkout-preview"][0] eq "${colour}") or (http.cookie contains "blkout_preview=${colour}")`,
            terminates: true,
            overrides: { defaultPools: [pools[colour].id], fallbackPool: pools[colour].id, steeringPolicy: "off", sessionAffinity: "none" },
        })));
    });

    it("hardens the zone: strict TLS to the origin, TLS 1.2 or newer, HTTPS only with HSTS", () => {
        const settings = Object.fromEntries(ofType(evaluation.resources, ZONE_SETTING).map(s => [s.inputs.settingId, s.inputs.value]));
        expect(settings).toEqual({
            ssl: "strict",
            min_tls_version: "1.2",
            always_use_https: "on",
            security_header: { strict_transport_security: { enabled: true, max_age: 31536000, include_subdomains: true, preload: false, nosniff: true } },
        });
        expect(ofType(evaluation.resources, ZONE_SETTING).every(s => s.inputs.zoneId === "3f2a9c4e8b1d4f6a9e0c7b5d2a1f8e3c")).toBe(true);
    });

    it("executes the Cloudflare Managed Ruleset on every request", () => {
        const waf = named(evaluation.resources, "edge-waf");
        expect(waf.type).toBe(RULESET);
        expect(waf.inputs).toMatchObject({ kind: "zone", phase: "http_request_firewall_managed" });
        expect(waf.inputs.rules).toEqual([expect.objectContaining({
            action: "execute",
            actionParameters: { id: CLOUDFLARE_MANAGED_RULESET_ID },
            expression: "true",
            enabled: true,
        })]);
        expect(CLOUDFLARE_MANAGED_RULESET_ID).toBe("efb7b8c949ac4650a09736fc376e9aee");
    });

    it("rate-limits each client's calls to /api/", () => {
        const limit = named(evaluation.resources, "edge-api-rate-limit");
        expect(limit.inputs).toMatchObject({ kind: "zone", phase: "http_ratelimit" });
        expect(limit.inputs.rules).toEqual([expect.objectContaining({
            action: "block",
            expression: "starts_with(http.request.uri.path, \"/api/\")",
            ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 60, requestsPerPeriod: 100, mitigationTimeout: 60 },
        })]);
    });

    it("groups the resources under two components", () => {
        const parents = (prefix: string) => evaluation.resources.filter(r => r.name.startsWith(prefix) && r.custom).map(r => r.parent);
        const switchUrn = named(evaluation.resources, "traffic").urn;
        const edgeUrn = named(evaluation.resources, "edge").urn;
        expect(named(evaluation.resources, "traffic").type).toBe("blkout:platform:TrafficSwitch");
        expect(named(evaluation.resources, "edge").type).toBe("blkout:platform:EdgeHardening");
        expect(new Set(parents("traffic-"))).toEqual(new Set([switchUrn]));
        expect(new Set(parents("edge-"))).toEqual(new Set([edgeUrn]));
        expect(ofType(evaluation.resources, POOL)).toHaveLength(2);
        expect(ofType(evaluation.resources, LB)).toHaveLength(1);
    });

    it("exports the requested weights, the weights read back from the load balancer, and what the switch tool needs", () => {
        const values = outputValues(evaluation.outputs);
        expect(values).toMatchObject({
            weights: { blue: 95, green: 5 },
            appliedWeights: { blue: 95, green: 5 },
            fallbackColour: "blue",
            liveColour: "blue",
            hostname: "blkoutuk.com",
            poolIds: { blue: pools.blue.id, green: pools.green.id },
            loadBalancerId: lb.id,
            colours: {
                blue: { releaseVersion: "2026.11.3", mode: "active", gatewayOrigin: "203.0.113.10", previewHostname: "blue.preview.blkoutuk.com" },
                green: { releaseVersion: "2026.12.0", mode: "active", gatewayOrigin: "203.0.113.20", previewHostname: "green.preview.blkoutuk.com" },
            },
        });
        expect(Object.values(evaluation.outputs).some(output => output.secret)).toBe(false);
    });
});

describe("the monitor path", () => {
    it("comes from config when set, for both colours", async () => {
        const evaluation = await evaluateTraffic(canaryConfig({ monitor: { path: "/status" } }));
        expect(ofType(evaluation.resources, MONITOR).map(m => m.inputs.path)).toEqual(["/status", "/status"]);
    });
});
