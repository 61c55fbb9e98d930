import { formatTrafficSummary, trafficSummary } from "../../infra/traffic/summary";
import { outputValues } from "../../infra/offline/evaluate";
import { canaryConfig, evaluateTraffic } from "./fixtures";

describe("trafficSummary", () => {
    it("gives the weights each colour gets, from an evaluation's resolved outputs", async () => {
        const evaluation = await evaluateTraffic(canaryConfig({ weights: { blue: 20, green: 80 } }));
        const values = outputValues(evaluation.outputs);
        const rows = trafficSummary(values);
        expect(rows).toEqual([
            { colour: "blue", weight: 20, appliedWeight: 20, fallback: false, releaseVersion: "2026.11.3", mode: "active" },
            { colour: "green", weight: 80, appliedWeight: 80, fallback: true, releaseVersion: "2026.12.0", mode: "active" },
        ]);
        expect(formatTrafficSummary(rows)).toEqual([
            "blue    20 %  release 2026.11.3, active",
            "green   80 %  release 2026.12.0, active, fallback pool",
        ]);
    });

    it("shows when the load balancer holds other weights than requested", () => {
        const rows = trafficSummary({ weights: { blue: 95, green: 5 }, appliedWeights: { blue: 50, green: 50 }, fallbackColour: "blue" });
        expect(formatTrafficSummary(rows)).toEqual([
            "blue    95 %  fallback pool, load balancer reports 50 %",
            "green    5 %  load balancer reports 50 %",
        ]);
    });

    it("names the output that is not what a traffic stack exports", () => {
        expect(() => trafficSummary({ weights: { blue: 95, green: 5 }, fallbackColour: "blue" }))
            .toThrow("traffic stack output appliedWeights: expected a mapping { blue, green } of integer percentages, got nothing");
        expect(() => trafficSummary({ weights: { blue: 95, green: 5 }, appliedWeights: { blue: 95, green: 5 }, fallbackColour: "red" }))
            .toThrow("traffic stack output fallbackColour: expected blue or green, got \"red\"");
    });
});
