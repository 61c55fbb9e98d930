import { apiRateLimitProblems, EdgeHardening } from "../../components/edgeHardening";
import { evaluateTest, named } from "../support/pulumi";

describe("apiRateLimitProblems", () => {
    it("accepts the seeds' 100 requests a minute", () => {
        expect(apiRateLimitProblems({ requestsPerPeriod: 100, period: 60, mitigationTimeout: 60 })).toEqual([]);
    });

    it("names every value Cloudflare would reject", () => {
        expect(apiRateLimitProblems({ requestsPerPeriod: 0, period: 45, mitigationTimeout: 30 })).toEqual([
            "apiRateLimit.requestsPerPeriod: expected a positive integer, got 0",
            "apiRateLimit.period: expected one of 10, 60, 120, 300, 600, 3600, got 45",
            "apiRateLimit.mitigationTimeout: expected one of 0, 10, 60, 120, 300, 600, 3600, 86400, got 30",
        ]);
    });
});

describe("EdgeHardening", () => {
    it("takes a shorter HSTS max-age and a different rate limit", async () => {
        const evaluation = await evaluateTest(() => {
            new EdgeHardening("edge-short", { zoneId: "0123456789abcdef0123456789abcdef", apiRateLimit: { requestsPerPeriod: 20, period: 10, mitigationTimeout: 10 }, hstsMaxAge: 86400 });
            return {};
        });
        expect(named(evaluation.resources, "edge-short-hsts").inputs.value.strict_transport_security.max_age).toBe(86400);
        expect(named(evaluation.resources, "edge-short-api-rate-limit").inputs.rules[0].ratelimit)
            .toMatchObject({ requestsPerPeriod: 20, period: 10, mitigationTimeout: 10 });
    });

    it("refuses a rate limit Cloudflare would reject", async () => {
        const run = evaluateTest(() => {
            new EdgeHardening("edge-bad", { zoneId: "0123456789abcdef0123456789abcdef", apiRateLimit: { requestsPerPeriod: 100, period: 30, mitigationTimeout: 60 } });
            return {};
        });
        await expect(run).rejects.toThrow("apiRateLimit.period: expected one of 10, 60, 120, 300, 600, 3600, got 30");
    });
});
