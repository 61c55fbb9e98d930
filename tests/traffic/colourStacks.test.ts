import { colourStackProblems, ColourStacksNotReadyError } from "../../infra/traffic/colourStacks";
import { colourOutputs } from "./fixtures";

const GREEN = "organization/blkout-platform/green";

describe("colourStackProblems", () => {
    it("accepts a deployed, active colour stack", () => {
        expect(colourStackProblems("green", GREEN, colourOutputs("green"), 5)).toEqual([]);
    });

    it("accepts a colour stack without a preview hostname (shown, never routed on)", () => {
        const { previewHostname: _shown, ...outputs } = colourOutputs("green");
        expect(colourStackProblems("green", GREEN, outputs, 5)).toEqual([]);
    });

    it("names the colour, its stack and every missing output when the colour has not been deployed", () => {
        expect(colourStackProblems("green", GREEN, {}, 0)).toEqual([
            "the green colour stack \"organization/blkout-platform/green\" has no outputs colour, releaseVersion, mode, gatewayOrigin, healthPath: "
            + "it has not been deployed yet (or predates these outputs); run `pulumi up --stack organization/blkout-platform/green` for the colour stacks before the traffic stack",
        ]);
        expect(colourStackProblems("green", GREEN, colourOutputs("green", { gatewayOrigin: null }), 0)[0])
            .toMatch(/^the green colour stack "organization\/blkout-platform\/green" has no output gatewayOrigin: /);
    });

    it("catches colour stacks wired to the wrong colour", () => {
        expect(colourStackProblems("green", GREEN, colourOutputs("blue"), 0)).toEqual([
            "colourStacks.green: the green colour stack \"organization/blkout-platform/green\" reports colour \"blue\"; are the blue and green stacks swapped?",
        ]);
    });

    it("refuses traffic for a colour in standby, and only when it would get some", () => {
        const standby = colourOutputs("green", { mode: "standby" });
        expect(colourStackProblems("green", GREEN, standby, 0)).toEqual([]);
        expect(colourStackProblems("green", GREEN, standby, 5)).toEqual([
            "weights.green: 5 % of traffic would go to the green colour stack \"organization/blkout-platform/green\", which runs in standby mode; "
            + "warm it up (mode: active) and update it before it takes traffic",
        ]);
    });

    it("reports every malformed output at once", () => {
        const outputs = colourOutputs("green", { mode: "warm", gatewayOrigin: "gateway.blkoutuk.com", healthPath: "healthz", releaseVersion: "" });
        expect(colourStackProblems("green", GREEN, outputs, 5)).toEqual([
            "the green colour stack \"organization/blkout-platform/green\": output mode: expected \"active\" or \"standby\", got \"warm\"",
            "the green colour stack \"organization/blkout-platform/green\": output gatewayOrigin: expected the gateway's IP address, got \"gateway.blkoutuk.com\"",
            "the green colour stack \"organization/blkout-platform/green\": output healthPath: expected a path starting with /, got \"healthz\"",
            "the green colour stack \"organization/blkout-platform/green\": output releaseVersion: expected a version string, got \"\"",
        ]);
    });

    it("takes IPv6 gateways", () => {
        expect(colourStackProblems("green", GREEN, colourOutputs("green", { gatewayOrigin: "2001:db8::10" }), 5)).toEqual([]);
    });
});

describe("ColourStacksNotReadyError", () => {
    it("keeps its message when the SDK prefixes it at each input it fails", () => {
        const error = new ColourStacksNotReadyError(["first", "second"]);
        error.message = `error serializing property "path": ${error.message}`;
        expect(error.message).toBe("the traffic stack cannot route to the colour stacks yet:\n  - first\n  - second");
        expect(error.problems).toEqual(["first", "second"]);
    });
});
