import { MANAGED_RULESETS } from "../../components/cloudflarePlan";
import { MONITOR_HEALTH_PATH, MONITOR_TOKEN_HEADER } from "../../components/monitorAuth";
import { Evaluation, named, ofType, RecordedResource } from "../support/pulumi";
import { outputValues } from "../../infra/offline/evaluate";
import { loadTrafficConfig } from "../../infra/traffic/config";
import { canaryConfig, colourOutputs, evaluateTraffic, GATEWAY_ORIGINS, monitorToken } from "./fixtures";

const MONITOR = "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor";
const POOL = "cloudflare:index/loadBalancerPool:LoadBalancerPool";
const LB = "cloudflare:index/loadBalancer:LoadBalancer";
const ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting";
const RULESET = "cloudflare:index/ruleset:Ruleset";

describe("the traffic stack at 95 % blue / 5 % green on the committed Free plan", () => {
    let evaluation: Evaluation<Record<string, unknown>>;
    let pools: Record<string, RecordedResource>;
    let lb: RecordedResource;

    beforeAll(async () => {
        // Green answers health on its own path: the monitors do not use it (they check the authenticated path).
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

    it("checks each colour over HTTPS on the authenticated monitor path, every 60 s (the Free plan's minimum), with its token and Host", () => {
        const monitors = ofType(evaluation.resources, MONITOR);
        expect(monitors.map(m => [m.name, m.inputs.path])).toEqual([["traffic-blue-monitor", MONITOR_HEALTH_PATH], ["traffic-green-monitor", MONITOR_HEALTH_PATH]]);
        for (const [i, monitor] of monitors.entries()) {
            const colour = (["blue", "green"] as const)[i];
            expect(monitor.inputs.header.value).toEqual({ Host: [`${colour}.blkoutuk.com`], [MONITOR_TOKEN_HEADER]: [monitorToken(colour)] });
            expect(monitor.inputs).toMatchObject({
                accountId: "8c1d7e4b2a9f4c3e8d6b1a5f7e2c9d40",
                type: "https",
                method: "GET",
                expectedCodes: "200",
                interval: 60,
                timeout: 5,
                retries: 2,
                consecutiveDown: 2,
                allowInsecure: true,
                followRedirects: false,
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
                checkRegions: ["WEU"],
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

    it("exports the step ceiling it was deployed with, where the change guard reads it (--deployed)", () => {
        expect(evaluation.outputs.maxStepShare).toEqual({ value: loadTrafficConfig(canaryConfig()).maxStepShare, secret: false });
    });

    it("keeps a visitor on one colour with a session cookie", () => {
        expect(lb.inputs).toMatchObject({
            sessionAffinity: "cookie",
            sessionAffinityTtl: 1800,
            sessionAffinityAttributes: { samesite: "Lax", secure: "Always", zeroDowntimeFailover: "temporary" },
        });
    });

    it("has the one rule the Free plan allows: the preview cookie or header naming the candidate colour (green) goes there, and only there", () => {
        expect(lb.inputs.rules).toEqual(["green"].map((colour, priority) => ({
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

    it("executes the Free Managed Ruleset (the one a Free zone has) on every request", () => {
        const waf = named(evaluation.resources, "edge-waf");
        expect(waf.type).toBe(RULESET);
        expect(waf.inputs).toMatchObject({ kind: "zone", phase: "http_request_firewall_managed" });
        expect(waf.inputs.rules).toEqual([expect.objectContaining({
            action: "execute",
            actionParameters: { id: MANAGED_RULESETS.freeManaged },
            expression: "true",
            enabled: true,
        })]);
        expect(MANAGED_RULESETS.freeManaged).toBe("77454fe2d30c4220b5701f6fdfb893ba");
    });

    it("rate-limits each client's calls to /api/ over the Free plan's 10 s window, at the seeds' rate", () => {
        const limit = named(evaluation.resources, "edge-api-rate-limit");
        expect(limit.inputs).toMatchObject({ kind: "zone", phase: "http_ratelimit" });
        expect(limit.inputs.rules).toEqual([expect.objectContaining({
            action: "block",
            expression: "starts_with(http.request.uri.path, \"/api/\")",
            ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 10, requestsPerPeriod: 17, mitigationTimeout: 10 },
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
                blue: { releaseVersion: "2026.11.3", mode: "active", gatewayOrigin: "203.0.113.10", previewHostname: "blue.blkoutuk.com" },
                green: { releaseVersion: "2026.12.0", mode: "active", gatewayOrigin: "203.0.113.20", previewHostname: "green.blkoutuk.com" },
            },
        });
        // The monitor tokens stay in the monitors' (secret) inputs; no output carries them or turns secret.
        expect(Object.values(evaluation.outputs).some(output => output.secret)).toBe(false);
        expect(JSON.stringify(values)).not.toContain(monitorToken("blue"));
    });
});

describe("the monitor path", () => {
    it("comes from config when set, for both colours", async () => {
        const evaluation = await evaluateTraffic(canaryConfig({ monitor: { path: "/status" } }));
        expect(ofType(evaluation.resources, MONITOR).map(m => m.inputs.path)).toEqual(["/status", "/status"]);
    });
});
