import { InvalidArgsError } from "../../components/platformNames";
import { previewRuleCondition, TrafficSwitch, TrafficSwitchArgs } from "../../components/trafficSwitch";
import { loadTrafficConfig } from "../../infra/traffic/config";
import { evaluateTest, named } from "../support/pulumi";
import { canaryConfig } from "./fixtures";

function switchArgs(overrides: Partial<TrafficSwitchArgs> = {}): TrafficSwitchArgs {
    const cfg = loadTrafficConfig(canaryConfig());
    return {
        accountId: cfg.accountId,
        zoneId: cfg.zoneId,
        hostname: cfg.hostname,
        origins: { blue: { address: "203.0.113.10", healthPath: "/healthz" }, green: { address: "203.0.113.20", healthPath: "/healthz" } },
        weights: { blue: 50, green: 50 },
        liveColour: "green",
        monitor: cfg.monitor,
        sessionAffinityTtl: 3600,
        previewCookie: cfg.previewCookie,
        previewHeader: cfg.previewHeader,
        notificationEmail: cfg.notificationEmail,
        ...overrides,
    };
}

describe("previewRuleCondition", () => {
    it("matches the header (lower-cased, as Cloudflare keys it) or the cookie naming the colour", () => {
        expect(previewRuleCondition("green", "blkout_preview", "X-Blkout-Preview"))
            .toBe("(http.request.headers[\"x-blkout-preview\"][0] eq \"green\") or (http.cookie contains \"blkout_preview=green\")");
    });

    it("refuses names that would break out of the expression", () => {
        expect(() => previewRuleCondition("green", "a\" or true or \"", "X-Preview")).toThrow(InvalidArgsError);
        expect(() => previewRuleCondition("green", "preview", "X-Preview\"]")).toThrow("previewHeader: expected a header name, got \"X-Preview\\\"]\"");
    });
});

describe("TrafficSwitch", () => {
    it("breaks a 50/50 tie towards the colour that was live, and takes the session length given", async () => {
        const evaluation = await evaluateTest(() => {
            const traffic = new TrafficSwitch("tie", switchArgs());
            return { fallback: traffic.fallbackColour, poolIds: traffic.poolIds, applied: traffic.appliedWeights };
        });
        const lb = named(evaluation.resources, "tie-lb");
        const poolIds = evaluation.outputs.poolIds.value as Record<string, string>;
        expect(evaluation.outputs.fallback.value).toBe("green");
        expect(lb.inputs.fallbackPool).toBe(poolIds.green);
        expect(lb.inputs.sessionAffinityTtl).toBe(3600);
        expect(evaluation.outputs.applied.value).toEqual({ blue: 50, green: 50 });
    });

    it("refuses weights that do not add up, naming the key", async () => {
        const run = evaluateTest(() => {
            new TrafficSwitch("bad", switchArgs({ weights: { blue: 60, green: 60 } }));
            return {};
        });
        await expect(run).rejects.toThrow("invalid TrafficSwitch \"bad\" args:\n  - weights: must sum to 100, got 120");
    });
});
