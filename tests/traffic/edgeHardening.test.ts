import { MANAGED_RULESETS } from "../../components/cloudflarePlan";
import { apiRateLimitProblems, EdgeHardening } from "../../components/edgeHardening";
import { evaluateTest, named } from "../support/pulumi";

const ZONE = "0123456789abcdef0123456789abcdef";

describe("apiRateLimitProblems", () => {
    it("accepts the seeds' 100 requests a minute on Pro, and 17 per 10 s on Free", () => {
        expect(apiRateLimitProblems({ requestsPerPeriod: 100, period: 60, mitigationTimeout: 60 }, "pro")).toEqual([]);
        expect(apiRateLimitProblems({ requestsPerPeriod: 17, period: 10, mitigationTimeout: 10 }, "free")).toEqual([]);
    });

    it("names every value Cloudflare would reject, and every plan ceiling crossed", () => {
        expect(apiRateLimitProblems({ requestsPerPeriod: 0, period: 50, mitigationTimeout: 25 }, "enterprise")).toEqual([
            "apiRateLimit.requestsPerPeriod: expected a positive integer, got 0",
            "apiRateLimit.period: expected one of 10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600, 65535, 86400, got 50",
            "apiRateLimit.mitigationTimeout: expected one of 10, 15, 20, 30, 40, 45, 60, 90, 120, 180, 240, 300, 480, 600, 900, 1200, 1800, 2400, 3600, 65535, 86400, got 25",
        ]);
        expect(apiRateLimitProblems({ requestsPerPeriod: 100, period: 60, mitigationTimeout: 60 }, "free")).toEqual([
            "apiRateLimit.period: 60 s exceeds the free plan's longest counting period of 10 s",
            "apiRateLimit.mitigationTimeout: 60 s exceeds the free plan's longest mitigation timeout of 10 s",
        ]);
    });
});

describe("EdgeHardening", () => {
    it("takes a shorter HSTS max-age and a different rate limit", async () => {
        const evaluation = await evaluateTest(() => {
            new EdgeHardening("edge-short", { zoneId: ZONE, plan: "pro", apiRateLimit: { requestsPerPeriod: 20, period: 10, mitigationTimeout: 10 }, hstsMaxAge: 86400 });
            return {};
        });
        expect(named(evaluation.resources, "edge-short-hsts").inputs.value.strict_transport_security.max_age).toBe(86400);
        expect(named(evaluation.resources, "edge-short-api-rate-limit").inputs.rules[0].ratelimit)
            .toMatchObject({ requestsPerPeriod: 20, period: 10, mitigationTimeout: 10, characteristics: ["cf.colo.id", "ip.src"] });
    });

    it.each([
        ["free", MANAGED_RULESETS.freeManaged],
        ["pro", MANAGED_RULESETS.cloudflareManaged],
        ["business", MANAGED_RULESETS.cloudflareManaged],
        ["enterprise", MANAGED_RULESETS.cloudflareManaged],
    ] as const)("on %s, the WAF executes the managed ruleset that plan has (%s)", async (plan, id) => {
        const evaluation = await evaluateTest(() => {
            new EdgeHardening(`edge-waf-${plan}`, { zoneId: ZONE, plan, apiRateLimit: { requestsPerPeriod: 17, period: 10, mitigationTimeout: 10 } });
            return {};
        });
        expect(named(evaluation.resources, `edge-waf-${plan}-waf`).inputs.rules[0]).toMatchObject({ action: "execute", actionParameters: { id } });
    });

    it("refuses a rate limit the plan does not allow, before registering anything", async () => {
        const run = evaluateTest(() => {
            new EdgeHardening("edge-bad", { zoneId: ZONE, plan: "free", apiRateLimit: { requestsPerPeriod: 100, period: 60, mitigationTimeout: 60 } });
            return {};
        });
        await expect(run).rejects.toThrow("apiRateLimit.period: 60 s exceeds the free plan's longest counting period of 10 s");
    });
});
