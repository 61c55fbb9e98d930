import { readFileSync } from "fs";
import * as path from "path";
import { guardPreview } from "../../policies/changeGuard";
import { main } from "../../policies/guard-cli";
import { parsePreviewText } from "../../policies/lib/plan";

/**
 * Crafted preview documents the older guard let through, each refused with its reason: a rename of
 * the database firewall, a ceiling raised together with a jump, a canary's colour called idle by CI,
 * and routing changed beside the weights.
 */

const FIXTURES = path.join(__dirname, "fixtures");
const load = (file: string) => parsePreviewText(readFileSync(path.join(FIXTURES, file), "utf8")) as any;
const FIREWALL = "digitalocean:index/databaseFirewall:DatabaseFirewall";
const urn = (name: string, type = FIREWALL) => `urn:pulumi:blue::blkout-platform::blkout:platform:DataPlane$${type}::${name}`;
const firewallState = (name: string) => ({ type: FIREWALL, inputs: { clusterId: "1d6e0c4a", rules: [{ type: "k8s", value: "65a4e0b6" }] }, outputs: {}, urn: urn(name) });

/** A traffic step from the fixture's old weights to `after`, with the previewed config's ceiling. */
function step(after: { blue: number; green: number }, ceiling?: string, extra: Record<string, unknown> = {}) {
    const document = load("preview-traffic-step.json");
    const next = document.steps[0].newState.inputs;
    const [bluePool, greenPool] = next.defaultPools;
    document.steps[0].oldState.inputs.randomSteering.poolWeights = { [bluePool]: 1, [greenPool]: 0 };
    next.randomSteering.poolWeights = { [bluePool]: after.blue / 100, [greenPool]: after.green / 100 };
    Object.assign(next, extra);
    if (ceiling === undefined) {
        delete document.config["blkout-traffic:maxStepShare"];
    } else {
        document.config["blkout-traffic:maxStepShare"] = ceiling;
    }
    return document;
}

const rulesOf = (document: unknown, options = {}) => guardPreview(document, options).refused.map(f => f.rule);

describe("crafted previews the change guard refuses", () => {
    it("a renamed database firewall: the old one's delete is refused although a create accompanies it", () => {
        const document = { steps: [
            { op: "create", urn: urn("blue-data-pg-trusted"), newState: firewallState("blue-data-pg-trusted") },
            { op: "delete", urn: urn("blue-data-pg-firewall"), oldState: firewallState("blue-data-pg-firewall") },
        ] };
        const refused = guardPreview(document).refused;
        expect(refused).toEqual([expect.objectContaining({ rule: "protection-delete", name: "blue-data-pg-firewall", message: expect.stringMatching(/a create beside it, as in a rename, does not make that safe/) })]);
    });

    it("a firewall replaced in place is refused too", () => {
        const document = { steps: [{ op: "replace", urn: urn("blue-data-pg-firewall"), oldState: firewallState("blue-data-pg-firewall"), newState: firewallState("blue-data-pg-firewall") }] };
        expect(rulesOf(document)).toEqual(["protection-delete"]);
    });

    it("0 -> 100 in the same change that raises maxStepShare to 100", () => {
        expect(rulesOf(step({ blue: 0, green: 100 }, "100"))).toEqual(["ceiling-raised-with-step", "traffic-step-too-large"]);
    });

    it("the deployed ceiling wins over the change's config and the CI flag", () => {
        expect(rulesOf(step({ blue: 70, green: 30 }, "50"), { deployed: { liveColour: "blue", weights: { blue: 100, green: 0 }, maxStepShare: 20 }, maxStepShare: 50 }))
            .toEqual(["ceiling-raised-with-step", "traffic-step-too-large"]);
        expect(rulesOf(step({ blue: 80, green: 20 }, "20"), { deployed: { liveColour: "blue", weights: { blue: 100, green: 0 }, maxStepShare: 20 } })).toEqual([]);
    });

    it("raising the ceiling alone (weights unchanged) is not refused", () => {
        expect(rulesOf(step({ blue: 100, green: 0 }, "100"))).toEqual([]);
    });

    it("during a canary, the canary colour's gateway cannot be deleted although CI calls only the old colour live", () => {
        const document = load("preview-delete.json");
        document.steps.forEach((entry: any) => { entry.urn = entry.urn.replace(/blue/g, "green"); });
        const canary = { liveColour: "blue", weights: { blue: 80, green: 20 } };
        expect(rulesOf(document, { liveColours: ["blue"] })).not.toContain("live-colour-loss");
        expect(rulesOf(document, { liveColours: ["blue"], deployed: canary })).toContain("live-colour-loss");
    });

    it.each([
        ["steering switched off", { steeringPolicy: "off" }],
        ["a rule added", { rules: [{ name: "all-green", condition: "true", overrides: { defaultPools: ["x"] } }] }],
        ["geo pools added", { countryPools: [{ country: "GB", poolIds: ["x"] }] }],
    ])("routing changed beside the weights: %s", (_title, extra) => {
        expect(rulesOf(step({ blue: 100, green: 0 }, undefined, extra))).toContain("routing-changed");
    });
});

describe("guard-cli --deployed", () => {
    function run(args: string[], files: Record<string, string>) {
        const err: string[] = [];
        const code = main(args, { readFile: file => files[file] ?? readFileSync(file, "utf8"), readStdin: () => "", out: () => undefined, err: line => err.push(line) });
        return { code, err: err.join("\n") };
    }
    const deletePreview = readFileSync(path.join(FIXTURES, "preview-delete.json"), "utf8").replace(/blue/g, "green");

    it("reads the live colours from the deployed outputs, so --live cannot hide a canary", () => {
        const files = { "p.json": deletePreview, "deployed.json": JSON.stringify({ liveColour: "blue", weights: { blue: 80, green: 20 } }) };
        const result = run(["p.json", "--deployed", "deployed.json", "--live", "blue"], files);
        expect(result.code).toBe(1);
        expect(result.err).toMatch(/live-colour-loss: .*while green serves traffic/);
    });

    it("exits 2 on deployed outputs that are not the traffic stack's", () => {
        const result = run(["p.json", "--deployed", "deployed.json"], { "p.json": deletePreview, "deployed.json": JSON.stringify({ liveColour: 3, weights: "all", maxStepShare: 500 }) });
        expect(result.code).toBe(2);
        expect(result.err).toContain("--deployed: liveColour: expected a colour name, got 3");
        expect(result.err).toContain('--deployed: weights: expected percent per colour, got "all"');
        expect(result.err).toContain("--deployed: maxStepShare: expected an integer 1-100, got 500");
    });
});
