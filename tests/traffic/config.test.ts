import * as pulumi from "@pulumi/pulumi";
import { installMockRuntime } from "../../infra/offline/mockRuntime";
import { ConfigError } from "../../infra/config/validators";
import { loadTrafficConfig } from "../../infra/traffic/config";
import { runTrafficProgram } from "../../infra/traffic/program";
import { canaryConfig, productionConfig } from "./fixtures";

function problemsOf(raw: Record<string, unknown>): readonly string[] {
    try {
        loadTrafficConfig(raw);
    } catch (error) {
        if (error instanceof ConfigError) {
            return error.problems;
        }
        throw error;
    }
    return [];
}

function without(raw: Record<string, unknown>, key: string): Record<string, unknown> {
    const { [key]: _dropped, ...rest } = raw;
    return rest;
}

describe("the committed production config", () => {
    it("validates on the Free plan, carries no weights and no live colour (the load balancer's last update holds them), and starts on blue", () => {
        const cfg = loadTrafficConfig(productionConfig());
        expect(cfg.cloudflarePlan).toBe("free");
        expect(cfg.weights).toBeUndefined();
        expect(cfg.liveColour).toBeUndefined();
        expect(cfg.initialLiveColour).toBe("blue");
        expect(cfg.colourStacks).toEqual({ blue: "organization/blkout-platform/blue", green: "organization/blkout-platform/green" });
        expect(cfg.monitor).toMatchObject({ expectedCodes: "200", interval: 60, timeout: 5, retries: 2 });
        expect(cfg.monitor.path).toBeUndefined();
        expect(cfg.apiRateLimit).toEqual({ requestsPerPeriod: 17, period: 10, mitigationTimeout: 10 });
        expect(cfg.maxStepShare).toBe(50);
    });
});

describe("defaults", () => {
    it("fills the tuning knobs from the seeds when only the required keys are set", () => {
        const required = ["hostname", "zoneId", "accountId", "initialLiveColour", "colourStacks", "notificationEmail", "maxStepShare"];
        const minimal = Object.fromEntries(Object.entries(canaryConfig()).filter(([key]) => required.includes(key)));
        const cfg = loadTrafficConfig(minimal);
        expect(cfg.cloudflarePlan).toBe("free");
        expect(cfg.monitor).toEqual({ expectedCodes: "200", interval: 60, timeout: 5, retries: 2, consecutiveDown: 2, consecutiveUp: 2, checkRegions: ["WEU", "EEU"] });
        expect(cfg.sessionAffinity).toEqual({ type: "cookie", ttl: 1800 });
        expect(cfg.apiRateLimit).toEqual({ requestsPerPeriod: 17, period: 10, mitigationTimeout: 10 });
        expect([cfg.previewCookie, cfg.previewHeader]).toEqual(["blkout_preview", "X-Blkout-Preview"]);
    });
});

describe("bad config", () => {
    const base = canaryConfig();
    it.each([
        ["a sum other than 100", { ...base, weights: { blue: 90, green: 15 } }, ["weights: must sum to 100, got 105"]],
        ["a weight over 100", { ...base, weights: { blue: 95, green: 120 } }, ["weights.green: expected an integer 0-100, got 120"]],
        ["a negative weight", { ...base, weights: { blue: 100, green: -5 } }, ["weights.green: expected an integer 0-100, got -5"]],
        ["fractional weights", { ...base, weights: { blue: 94.5, green: 5.5 } },
            ["weights.blue: expected an integer 0-100, got 94.5", "weights.green: expected an integer 0-100, got 5.5"]],
        ["an unknown colour", { ...base, weights: { blue: 95, green: 5, red: 0 } }, ["weights.red: unknown colour (expected blue or green)"]],
        ["a missing colour", { ...base, weights: { blue: 100 } }, ["weights.green: expected an integer 0-100, got nothing"]],
        ["weights as text", { ...base, weights: "95/5" }, ["weights: expected a mapping { blue, green } of integer percentages, got \"95/5\""]],
        ["no hostname", without(base, "hostname"), ["hostname: expected a DNS hostname like blkoutuk.com, got nothing"]],
        ["a URL for the hostname", { ...base, hostname: "https://blkoutuk.com" },
            ["hostname: expected a DNS hostname like blkoutuk.com, got \"https://blkoutuk.com\""]],
        ["a short zone id", { ...base, zoneId: "3f2a9c" }, ["zoneId: expected a Cloudflare zone id (32 lowercase hex digits), got \"3f2a9c\""]],
        ["an unknown live colour", { ...base, liveColour: "purple" }, ["liveColour: expected one of \"blue\", \"green\", got \"purple\""]],
        ["an unqualified stack", { ...base, colourStacks: { blue: "blue", green: "organization/blkout-platform/green" } },
            ["colourStacks.blue: expected a fully qualified stack name like organization/blkout-platform/blue, got \"blue\""]],
        ["one stack for both colours", { ...base, colourStacks: { blue: "organization/blkout-platform/blue", green: "organization/blkout-platform/blue" } },
            ["colourStacks: blue and green both name \"organization/blkout-platform/blue\"; each colour needs its own stack"]],
        ["a timeout as long as the interval", { ...base, cloudflarePlan: "enterprise", monitor: { interval: 10, timeout: 10 } },
            ["monitor.timeout: must be shorter than monitor.interval (10 s), got 10"]],
        ["an interval with a unit", { ...base, monitor: { interval: "15s" } }, ["monitor.interval: expected an integer 10-3600, got \"15s\""]],
        ["a misspelt monitor key", { ...base, monitor: { intervall: 15 } }, ["monitor.intervall: unknown key (did you mean \"interval\"?)"]],
        ["a session shorter than Cloudflare allows", { ...base, sessionAffinity: { ttl: 60 } },
            ["sessionAffinity.ttl: expected an integer 1800-604800, got 60"]],
        ["a header name with a space", { ...base, previewHeader: "X Preview" },
            ["previewHeader: expected an HTTP header name (letters, digits and -), got \"X Preview\""]],
        ["no notification address", without(base, "notificationEmail"), ["notificationEmail: expected an email address, got nothing"]],
        ["a rate-limit period Cloudflare rejects", { ...base, apiRateLimit: { period: 50 } },
            ["apiRateLimit.period: expected one of 10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600, 65535, 86400, got 50"]],
        ["a step share of 0", { ...base, maxStepShare: 0 }, ["maxStepShare: expected an integer 1-100, got 0"]],
        ["a misspelt top-level key", { ...base, weight: { blue: 95, green: 5 } }, ["weight: unknown key (did you mean \"weights\"?)"]],
    ])("rejects %s", (_case, raw, expected) => {
        expect(problemsOf(raw)).toEqual(expected);
    });

    it("lists every problem at once in one message", () => {
        const raw = { ...without(base, "hostname"), weights: { blue: 90, green: 15 }, maxStepShare: 101, liveColour: "red" };
        expect(() => loadTrafficConfig(raw)).toThrow([
            "the traffic stack's config has 4 problems:",
            "  - hostname: expected a DNS hostname like blkoutuk.com, got nothing",
            "  - weights: must sum to 100, got 105",
            "  - liveColour: expected one of \"blue\", \"green\", got \"red\"",
            "  - maxStepShare: expected an integer 1-100, got 101",
        ].join("\n"));
    });
});

describe("more than the plan allows", () => {
    it.each([
        ["free", { monitor: { interval: 15 } }, ["monitor.interval: 15 s is below the free plan's minimum of 60 s"]],
        ["pro", { monitor: { interval: 30 } }, ["monitor.interval: 30 s is below the pro plan's minimum of 60 s"]],
        ["business", { monitor: { interval: 10 } }, ["monitor.interval: 10 s is below the business plan's minimum of 15 s"]],
        ["free", { apiRateLimit: { period: 60, mitigationTimeout: 60 } }, [
            "apiRateLimit.period: 60 s exceeds the free plan's longest counting period of 10 s",
            "apiRateLimit.mitigationTimeout: 60 s exceeds the free plan's longest mitigation timeout of 10 s",
        ]],
        ["pro", { apiRateLimit: { period: 120, mitigationTimeout: 86400 } }, [
            "apiRateLimit.period: 120 s exceeds the pro plan's longest counting period of 60 s",
            "apiRateLimit.mitigationTimeout: 86400 s exceeds the pro plan's longest mitigation timeout of 3600 s",
        ]],
        ["business", { apiRateLimit: { period: 900 } }, ["apiRateLimit.period: 900 s exceeds the business plan's longest counting period of 600 s"]],
    ])("on %s, %j is a config error naming the key, the plan and the limit", (plan, overrides, expected) => {
        expect(problemsOf({ ...canaryConfig(), cloudflarePlan: plan, ...overrides })).toEqual(expected);
    });

    it.each(["free", "pro", "business", "enterprise"])("on %s, the plan's own defaults are within its limits", plan => {
        expect(problemsOf({ ...canaryConfig(), cloudflarePlan: plan })).toEqual([]);
    });

    it("allows Enterprise's 10 s monitor and a day-long rate-limit window", () => {
        const cfg = loadTrafficConfig({ ...canaryConfig(), cloudflarePlan: "enterprise", monitor: { interval: 10 }, apiRateLimit: { period: 3600, mitigationTimeout: 86400 } });
        expect([cfg.monitor.interval, cfg.apiRateLimit]).toEqual([10, { period: 3600, mitigationTimeout: 86400, requestsPerPeriod: 6000 }]);
    });
});

describe("the entry point", () => {
    it("turns bad config into a RunError (no stack trace) before any resource is registered", async () => {
        const mocks = installMockRuntime({
            project: "blkout-traffic",
            stack: "production",
            config: { ...canaryConfig(), weights: { blue: 95, green: 10 }, monitor: { retries: 9 } },
        });
        const thrown = await runTrafficProgram().then(() => undefined, (error: unknown) => error);
        expect(pulumi.RunError.isInstance(thrown)).toBe(true);
        expect((thrown as Error).message).toBe([
            "stack production's traffic config has 2 problems:",
            "  - weights: must sum to 100, got 105",
            "  - monitor.retries: expected an integer 0-5, got 9",
        ].join("\n"));
        expect(mocks.resources).toEqual([]);
    });

    it("reads every blkout-traffic: key as the engine stores it (objects as JSON text)", async () => {
        const mocks = installMockRuntime({ project: "blkout-traffic", stack: "production", config: { ...canaryConfig(), colourStacks: "organization/x/blue" } });
        await expect(runTrafficProgram()).rejects.toThrow("colourStacks: expected a section (a YAML mapping), got \"organization/x/blue\"");
        expect(mocks.resources).toEqual([]);
    });
});
