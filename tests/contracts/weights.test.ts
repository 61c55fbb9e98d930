import {
    ColourPoolIds, fallbackColour, formatWeights, fromCloudflareWeights, toCloudflareWeights, weightProblems, weightsMismatch,
} from "../../contracts/weights";

const POOLS: ColourPoolIds = { blue: "17b5962d775c646f3f9725cbc7a53df4", green: "9290f38c5d07c2e2f4df57b1f61d4196" };

describe("toCloudflareWeights", () => {
    it("turns percentages into 0-1 weights keyed by pool id", () => {
        expect(toCloudflareWeights({ blue: 95, green: 5 }, POOLS)).toEqual({ [POOLS.blue]: 0.95, [POOLS.green]: 0.05 });
        expect(toCloudflareWeights({ blue: 0, green: 100 }, POOLS)).toEqual({ [POOLS.blue]: 0, [POOLS.green]: 1 });
    });
});

describe("fromCloudflareWeights", () => {
    it("round-trips every split of 100", () => {
        for (let green = 0; green <= 100; green++) {
            const weights = { blue: 100 - green, green };
            expect(fromCloudflareWeights(toCloudflareWeights(weights, POOLS), POOLS)).toEqual(weights);
        }
    });

    it("absorbs float drift in what Cloudflare returns", () => {
        expect(fromCloudflareWeights({ [POOLS.blue]: 0.9500000000000001, [POOLS.green]: 0.049999999999999996 }, POOLS)).toEqual({ blue: 95, green: 5 });
        expect(fromCloudflareWeights({ [POOLS.blue]: 0.7999999999, [POOLS.green]: 0.2000000001 }, POOLS)).toEqual({ blue: 80, green: 20 });
    });

    it("reads weights as relative shares, as Cloudflare applies them", () => {
        expect(fromCloudflareWeights({ [POOLS.blue]: 1, [POOLS.green]: 1 }, POOLS)).toEqual({ blue: 50, green: 50 });
        expect(fromCloudflareWeights({ [POOLS.blue]: 2, [POOLS.green]: 1 }, POOLS)).toEqual({ blue: 67, green: 33 });
    });

    it("gives a pool missing from the map the default weight", () => {
        expect(fromCloudflareWeights({ [POOLS.blue]: 0.95 }, POOLS, 0)).toEqual({ blue: 100, green: 0 });
        expect(fromCloudflareWeights({}, POOLS)).toEqual({ blue: 50, green: 50 });
        expect(fromCloudflareWeights(undefined, POOLS, 1)).toEqual({ blue: 50, green: 50 });
    });

    it("reports no traffic at all when every weight is zero", () => {
        expect(fromCloudflareWeights({ [POOLS.blue]: 0, [POOLS.green]: 0 }, POOLS)).toEqual({ blue: 0, green: 0 });
    });
});

describe("fallbackColour", () => {
    it.each([
        [{ blue: 95, green: 5 }, "green", "blue"],
        [{ blue: 20, green: 80 }, "blue", "green"],
        [{ blue: 100, green: 0 }, "green", "blue"],
        [{ blue: 50, green: 50 }, "blue", "blue"],
        [{ blue: 50, green: 50 }, "green", "green"],
    ] as const)("%j with %s live falls back to %s", (weights, live, expected) => {
        expect(fallbackColour(weights, live)).toBe(expected);
    });
});

describe("weightProblems", () => {
    it("accepts integers summing to 100", () => {
        expect(weightProblems({ blue: 95, green: 5 })).toEqual([]);
        expect(weightProblems({ blue: 0, green: 100 })).toEqual([]);
    });

    it("names the key of every bad weight, and checks the sum only once each weight is valid", () => {
        expect(weightProblems({ blue: 95, green: 120, red: 1 })).toEqual([
            { path: ["red"], message: "unknown colour (expected blue or green)" },
            { path: ["green"], message: "expected an integer 0-100, got 120" },
        ]);
        expect(weightProblems({ blue: 90, green: 15 })).toEqual([{ path: [], message: "must sum to 100, got 105" }]);
        expect(weightProblems({ green: 5 })).toEqual([{ path: ["blue"], message: "expected an integer 0-100, got nothing" }]);
        expect(weightProblems([95, 5])).toEqual([{ path: [], message: "expected a mapping { blue, green } of integer percentages, got [95,5]" }]);
    });
});

describe("weightsMismatch", () => {
    it("is silent when Cloudflare holds the requested weights", () => {
        expect(weightsMismatch({ blue: 80, green: 20 }, { blue: 80, green: 20 })).toBeUndefined();
    });

    it("says what was asked for and what Cloudflare holds", () => {
        const message = weightsMismatch({ blue: 80, green: 20 }, { blue: 50, green: 50 });
        expect(message).toContain("requested blue 80 / green 20, Cloudflare reports blue 50 / green 50");
        expect(message).toContain("failed");
    });

    it("formats weights colour by colour", () => {
        expect(formatWeights({ blue: 5, green: 95 })).toBe("blue 5 / green 95");
    });
});
