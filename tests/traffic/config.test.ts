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
    it("validates, with blue live and all traffic on it", () => {
        const cfg = loadTrafficConfig(productionConfig());
        expect(cfg.weights).toEqual({ blue: 100, green: 0 });
        expect(cfg.liveColour).toBe("blue");
        expect(cfg.colourStacks).toEqual({ blue: "organization/blkout-platform/blue", green: "organization/blkout-platform/green" });
        expect(cfg.monitor).toMatchObject({ expectedCodes: "200", interval: 15, timeout: 5, retries: 2 });
        expect(cfg.monitor.path).toBeUndefined();
        expect(cfg.maxStepShare).toBe(50);
    });
});

describe("defaults", () => {
    it("fills the tuning knobs from the seeds when only the required keys are set", () => {
        const required = ["hostname", "zoneId", "accountId", "weights", "liveColour", "colourStacks", "notificationEmail", "maxStepShare"];
        const minimal = Object.fromEntries(Object.entries(canaryConfig()).filter(([key]) => required.includes(key)));
        const cfg = loadTrafficConfig(minimal);
        expect(cfg.monitor).toEqual({ expectedCodes: "200", interval: 15, timeout: 5, retries: 2, consecutiveDown: 2, consecutiveUp: 2, checkRegions: ["WEU", "EEU"] });
        expect(cfg.sessionAffinity).toEqual({ type: "cookie", ttl: 1800 });
        expect(cfg.apiRateLimit).toEqual({ requestsPerPeriod: 100, period: 60, mitigationTimeout: 60 });
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
        ["a timeout as long as the interval", { ...base, monitor: { interval: 10, timeout: 10 } },
            ["monitor.timeout: must be shorter than monitor.interval (10 s), got 10"]],
        ["an interval with a unit", { ...base, monitor: { interval: "15s" } }, ["monitor.interval: expected an integer 5-3600, got \"15s\""]],
        ["a misspelt monitor key", { ...base, monitor: { intervall: 15 } }, ["monitor.intervall: unknown key (did you mean \"interval\"?)"]],
        ["a session shorter than Cloudflare allows", { ...base, sessionAffinity: { ttl: 60 } },
            ["sessionAffinity.ttl: expected an integer 1800-604800, got 60"]],
        ["a header name with a space", { ...base, previewHeader: "X Preview" },
            ["previewHeader: expected an HTTP header name (letters, digits and -), got \"X Preview\""]],
        ["no notification address", without(base, "notificationEmail"), ["notificationEmail: expected an email address, got nothing"]],
        ["a rate-limit period Cloudflare rejects", { ...base, apiRateLimit: { period: 30 } },
            ["apiRateLimit.period: expected one of 10, 60, 120, 300, 600, 3600, got 30"]],
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

describe("the entry point", () => {
    it("turns bad config into a RunError (no stack trace) before any resource is registered", () => {
        const mocks = installMockRuntime({
            project: "blkout-traffic",
            stack: "production",
            config: { ...canaryConfig(), weights: { blue: 95, green: 10 }, monitor: { retries: 9 } },
        });
        let thrown: unknown;
        try {
            runTrafficProgram();
        } catch (error) {
            thrown = error;
        }
        expect(pulumi.RunError.isInstance(thrown)).toBe(true);
        expect((thrown as Error).message).toBe([
            "stack production's traffic config has 2 problems:",
            "  - weights: must sum to 100, got 105",
            "  - monitor.retries: expected an integer 0-5, got 9",
        ].join("\n"));
        expect(mocks.resources).toEqual([]);
    });

    it("reads every blkout-traffic: key as the engine stores it (objects as JSON text)", () => {
        const mocks = installMockRuntime({ project: "blkout-traffic", stack: "production", config: { ...canaryConfig(), colourStacks: "organization/x/blue" } });
        expect(() => runTrafficProgram()).toThrow("colourStacks: expected a section (a YAML mapping), got \"organization/x/blue\"");
        expect(mocks.resources).toEqual([]);
    });
});
