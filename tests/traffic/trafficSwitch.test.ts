import { InvalidArgsError } from "../../components/platformNames";
import { MONITOR_HEALTH_PATH, MONITOR_TOKEN_HEADER } from "../../components/monitorAuth";
import { previewRuleColours, previewRuleCondition, TrafficSwitch, TrafficSwitchArgs } from "../../components/trafficSwitch";
import { loadTrafficConfig } from "../../infra/traffic/config";
import { evaluateTest, named } from "../support/pulumi";
import { canaryConfig, monitorToken } from "./fixtures";

function switchArgs(overrides: Partial<TrafficSwitchArgs> = {}): TrafficSwitchArgs {
    const cfg = loadTrafficConfig(canaryConfig());
    return {
        plan: "free",
        accountId: cfg.accountId,
        zoneId: cfg.zoneId,
        hostname: cfg.hostname,
        origins: { blue: { address: "203.0.113.10", hostname: "blue.blkoutuk.com" }, green: { address: "203.0.113.20", hostname: "green.blkoutuk.com" } },
        monitorTokens: { blue: monitorToken("blue"), green: monitorToken("green") },
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

describe("previewRuleColours", () => {
    it("gives Enterprise a rule per colour and every other plan one rule, for the colour that is not live", () => {
        expect(previewRuleColours("enterprise", "blue")).toEqual(["blue", "green"]);
        for (const plan of ["free", "pro", "business"] as const) {
            expect(previewRuleColours(plan, "blue")).toEqual(["green"]);
            expect(previewRuleColours(plan, "green")).toEqual(["blue"]);
        }
    });
});

describe("TrafficSwitch", () => {
    it("monitors each colour on the authenticated path with its token and its own Host, skipping chain validation, as secrets", async () => {
        const evaluation = await evaluateTest(() => {
            new TrafficSwitch("auth", switchArgs());
            return {};
        });
        for (const colour of ["blue", "green"] as const) {
            const monitor = named(evaluation.resources, `auth-${colour}-monitor`);
            expect(monitor.inputs).toMatchObject({
                type: "https", method: "GET", path: MONITOR_HEALTH_PATH, allowInsecure: true, followRedirects: false,
            });
            // Only the token travels as a secret (the wire form keeps it under `value`); the Host is public.
            // The engine sends the header as a secret (the wire form keeps it under `value`), but only the
            // token is recorded as a secret path: the Host is the colour's public preview hostname.
            expect(monitor.inputs.header.value).toEqual({ Host: [`${colour}.blkoutuk.com`], [MONITOR_TOKEN_HEADER]: [monitorToken(colour)] });
            expect(monitor.secretInputPaths).toEqual([`header.${MONITOR_TOKEN_HEADER}.0`]);
        }
    });

    it("declares one preview rule below Enterprise (the candidate colour) and one per colour on Enterprise", async () => {
        const evaluation = await evaluateTest(() => {
            new TrafficSwitch("rules-free", switchArgs({ liveColour: "blue", weights: { blue: 95, green: 5 } }));
            new TrafficSwitch("rules-ent", switchArgs({ plan: "enterprise", liveColour: "blue", weights: { blue: 95, green: 5 } }));
            return {};
        });
        expect(named(evaluation.resources, "rules-free-lb").inputs.rules.map((rule: { name: string }) => rule.name)).toEqual(["preview-green"]);
        expect(named(evaluation.resources, "rules-ent-lb").inputs.rules.map((rule: { name: string }) => rule.name)).toEqual(["preview-blue", "preview-green"]);
    });

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
