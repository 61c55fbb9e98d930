import { buildPlan, colourProblems, liveColourOf, parseDuration, parseSteps, stepProblems, weightsFor } from "../../switch/plan";

describe("parseSteps", () => {
    it("accepts the seeds' canary steps", () => {
        expect(parseSteps("--steps", "5,20,50,100")).toEqual({ steps: [5, 20, 50, 100], problems: [] });
    });

    it("refuses an empty list", () => {
        expect(parseSteps("--steps", " ").problems).toEqual(["--steps: expected comma-separated percentages like 5,20,50,100, got an empty list"]);
    });

    it("names every entry that is not a percentage, at once", () => {
        expect(parseSteps("--steps", "5,x,,100").problems).toEqual([
            '--steps[1]: expected an integer percentage 1-100, got "x"',
            '--steps[2]: expected an integer percentage 1-100, got ""',
        ]);
    });

    it("refuses steps that do not increase, go past 100 or stop short of it", () => {
        expect(parseSteps("--steps", "20,20,150").problems).toEqual([
            "--steps[1]: expected steps to increase, got 20 after 20",
            "--steps[2]: expected an integer percentage 1-100, got 150",
            "--steps: expected the last step to be 100, got 150",
        ]);
        expect(parseSteps("--steps", "50,20").problems).toContain("--steps[1]: expected steps to increase, got 20 after 50");
        expect(parseSteps("--steps", "5,20,50").problems).toEqual(["--steps: expected the last step to be 100, got 50"]);
    });
});

describe("stepProblems with the traffic stack's maxStepShare", () => {
    it("refuses a step that moves more than the stack allows and names it", () => {
        expect(stepProblems("steps", [5, 20, 50, 100], 30)).toEqual(["steps[3]: moves 50 points, more than the traffic stack's maxStepShare 30"]);
        expect(stepProblems("steps", [5, 20, 50, 100], 50)).toEqual([]);
    });

    // The ceiling's boundary: a step moving 29, 30 or 31 points against maxStepShare 30.
    it.each([[29, []], [30, []], [31, ["steps[1]: moves 31 points, more than the traffic stack's maxStepShare 30"]]])("a step of %i points against maxStepShare 30", (moved, problems) => {
        expect(stepProblems("steps", [60, 60 + (moved as number), 100], 30).filter(p => p.startsWith("steps[1]"))).toEqual(problems);
    });

    it.each([[99, []], [100, []], [101, ["steps[0]: expected an integer percentage 1-100, got 101", "steps[0]: moves 101 points, more than the traffic stack's maxStepShare 100"]]])("a first step of %i %% against the 100 %% ceiling", (share, problems) => {
        expect(stepProblems("steps", [share as number], 100).filter(p => p.startsWith("steps[0]"))).toEqual(problems);
    });
});

describe("buildPlan", () => {
    it("walks the target up step by step and rolls back to the live colour in one update", () => {
        const plan = buildPlan("blue", "green", [5, 20, 50, 100], 60_000);
        expect(plan.steps.map(s => s.weights)).toEqual([
            { green: 5, blue: 95 }, { green: 20, blue: 80 }, { green: 50, blue: 50 }, { green: 100, blue: 0 },
        ]);
        expect(plan.rollbackWeights).toEqual({ blue: 100, green: 0 });
    });

    it("works the other way round", () => {
        const plan = buildPlan("green", "blue", [50, 100], 1000);
        expect(plan.steps[0].weights).toEqual({ blue: 50, green: 50 });
        expect(plan.rollbackWeights).toEqual({ green: 100, blue: 0 });
    });
});

describe("colours and weights", () => {
    it("finds the live colour only when one colour holds everything", () => {
        expect(liveColourOf(weightsFor("green", 100))).toBe("green");
        expect(liveColourOf({ blue: 100, green: 0 })).toBe("blue");
        expect(liveColourOf({ blue: 80, green: 20 })).toBeUndefined();
    });

    it("names an unknown colour", () => {
        expect(colourProblems("to <colour>", "purple")).toEqual(['to <colour>: expected blue or green, got "purple"']);
        expect(colourProblems("to <colour>", undefined)).toEqual(["to <colour>: expected a colour (blue or green), got nothing"]);
        expect(colourProblems("to <colour>", "green")).toEqual([]);
    });
});

describe("parseDuration", () => {
    it.each([["60s", 60_000], ["2m", 120_000], ["1500ms", 1500], ["1.5s", 1500], ["45", 45_000]])("%s is %d ms", (raw, ms) => {
        expect(parseDuration("--window", raw)).toEqual({ ms });
    });

    it("names the flag on a bad duration", () => {
        expect(parseDuration("--window", "soon").problem).toBe('--window: expected a duration like 60s, 2m or 1500ms, got "soon"');
    });
});
