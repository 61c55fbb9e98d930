import { colourStackProblems, ColourStacksNotReadyError } from "../../infra/traffic/colourStacks";
import { colourOutputs } from "./fixtures";

const GREEN = "organization/blkout-platform/green";

describe("colourStackProblems", () => {
    it("accepts a deployed, active colour stack", () => {
        expect(colourStackProblems("green", GREEN, colourOutputs("green"), 5)).toEqual([]);
    });

    it("refuses a colour stack without a preview hostname or monitor token: the monitors need both (one contract, contracts/colourOutputs.ts)", () => {
        const { previewHostname: _shown, monitorToken: _token, ...outputs } = colourOutputs("green");
        expect(colourStackProblems("green", GREEN, outputs, 5)).toEqual([
            "the green colour stack \"organization/blkout-platform/green\" has no outputs previewHostname, monitorToken: it has not been deployed yet "
            + "(or predates these outputs); run `pulumi up --stack organization/blkout-platform/green` for the colour stacks before the traffic stack",
        ]);
    });

    it("never echoes a malformed monitor token", () => {
        const problems = colourStackProblems("green", GREEN, colourOutputs("green", { monitorToken: "short-secret-value" }), 5);
        expect(problems).toEqual(["the green colour stack \"organization/blkout-platform/green\": output monitorToken: expected 32-128 letters and digits (the value is not shown)"]);
        expect(problems.join()).not.toContain("short-secret-value");
    });

    it("names the colour, its stack and every missing output when the colour has not been deployed", () => {
        expect(colourStackProblems("green", GREEN, {}, 0)).toEqual([
            "the green colour stack \"organization/blkout-platform/green\" has no outputs colour, releaseVersion, mode, gatewayOrigin, healthPath, previewHostname, monitorToken: "
            + "it has not been deployed yet (or predates these outputs); run `pulumi up --stack organization/blkout-platform/green` for the colour stacks before the traffic stack",
        ]);
        expect(colourStackProblems("green", GREEN, colourOutputs("green", { gatewayOrigin: null }), 0)[0])
            .toMatch(/^the green colour stack "organization\/blkout-platform\/green" has no output gatewayOrigin: /);
    });

    it("catches colour stacks wired to the wrong colour", () => {
        expect(colourStackProblems("green", GREEN, colourOutputs("blue"), 0)).toEqual([
            "the green colour stack \"organization/blkout-platform/green\": output colour: reports \"blue\" where green was expected; are the blue and green stacks swapped?",
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
            "the green colour stack \"organization/blkout-platform/green\": output releaseVersion: expected a release version, got \"\"",
            "the green colour stack \"organization/blkout-platform/green\": output mode: expected \"active\" or \"standby\", got \"warm\"",
            "the green colour stack \"organization/blkout-platform/green\": output gatewayOrigin: expected the gateway's IP address, got \"gateway.blkoutuk.com\"",
            "the green colour stack \"organization/blkout-platform/green\": output healthPath: expected a path starting with /, got \"healthz\"",
        ]);
    });

    it("refuses a gateway address with a port: a Cloudflare pool takes a bare address", () => {
        expect(colourStackProblems("green", GREEN, colourOutputs("green", { gatewayOrigin: "203.0.113.20:8443" }), 5)).toEqual([
            "the green colour stack \"organization/blkout-platform/green\": output gatewayOrigin: a Cloudflare pool takes a bare address, got \"203.0.113.20:8443\"",
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
