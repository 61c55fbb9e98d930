import { readFileSync } from "fs";
import * as path from "path";
import { guardPreview, GuardOptionsError } from "../../policies/changeGuard";
import { main } from "../../policies/guard-cli";
import { parsePreviewText, PlanFormatError } from "../../policies/lib/plan";

const FIXTURES = path.join(__dirname, "fixtures");
const text = (file: string) => readFileSync(path.join(FIXTURES, file), "utf8");
const preview = (file: string) => parsePreviewText(text(file));
const rules = (file: string, options = {}) => guardPreview(preview(file), options).refused.map(f => `${f.rule} ${f.name}`);

/** A traffic preview whose load balancer goes from `before` to `after` (percent for blue/green) and whose fallback becomes `fallback`. */
function trafficStep(after: { blue: number; green: number }, fallback: "blue" | "green" = "blue") {
    const document = preview("preview-traffic-step.json") as any;
    const next = document.steps[0].newState.inputs;
    const [bluePool, greenPool] = next.defaultPools;
    next.randomSteering.poolWeights = { [bluePool]: after.blue / 100, [greenPool]: after.green / 100 };
    next.fallbackPool = fallback === "blue" ? bluePool : greenPool;
    return document;
}

describe("the change guard on `pulumi preview --json` documents", () => {
    it("refuses replacing the primary database, naming what forces it", () => {
        const result = guardPreview(preview("preview-replace-database.json"));
        expect(result.refused).toEqual([expect.objectContaining({
            rule: "stateful-replace", op: "replace", name: "blue-data-pg", type: "digitalocean:index/databaseCluster:DatabaseCluster",
            message: 'DatabaseCluster "blue-data-pg" would be replaced (changing region forces it), and it holds data: a replacement deletes the original.',
        })]);
    });

    it("refuses deleting a bucket, and the live colour's gateway Service", () => {
        expect(rules("preview-delete.json")).toEqual(["stateful-delete blue-data-documents", "live-colour-loss blue-gateway-service"]);
    });

    it("lets the idle colour lose serving resources when told which colour is live", () => {
        expect(rules("preview-delete.json", { liveColours: ["green"] })).toEqual(["stateful-delete blue-data-documents"]);
    });

    it("refuses removing protect, which a policy cannot see", () => {
        expect(guardPreview(preview("preview-protect-removed.json")).refused).toEqual([expect.objectContaining({
            rule: "protect-removed", op: "same", name: "blue-data-valkey", message: expect.stringMatching(/would lose `protect`/),
        })]);
    });

    it("passes a harmless release update", () => {
        expect(guardPreview(preview("preview-harmless-update.json"))).toEqual({ refused: [], allowed: [], unusedOverrides: [], stepsChecked: 2 });
    });

    it("reads Automation API event logs too, reporting a replacement once for its three steps", () => {
        expect(rules("events-replace-replica.ndjson")).toEqual(["stateful-replace green-data-pg-replica"]);
        const events = (preview("events-replace-replica.ndjson") as unknown[]);
        expect(guardPreview({ events }).refused).toHaveLength(1);
    });
});

describe("traffic steps", () => {
    it("refuses moving more than the maximum share at once", () => {
        expect(guardPreview(preview("preview-traffic-step.json")).refused).toEqual([expect.objectContaining({
            rule: "traffic-step-too-large", message: expect.stringMatching(/would move 75 % of traffic in one step; at most 50 % may move per step/),
        })]);
    });

    it("allows a step within the maximum and a larger maximum from the option, but never from the previewed change's own config", () => {
        expect(guardPreview(trafficStep({ blue: 50, green: 50 })).refused).toEqual([]);
        expect(guardPreview(preview("preview-traffic-step.json"), { maxStepShare: 80 }).refused).toEqual([]);
        const document = preview("preview-traffic-step.json") as { config: Record<string, string> };
        document.config["blkout-traffic:maxStepShare"] = "80";
        expect(guardPreview(document).refused.map(f => f.rule)).toEqual(["ceiling-raised-with-step", "traffic-step-too-large"]);
        document.config["blkout-traffic:maxStepShare"] = "most";
        expect(() => guardPreview(document)).toThrow(/blkout-traffic:maxStepShare: expected an integer 1-100, got "most"/);
    });

    it("allows a rollback to the live colour in one step, but not a jump to the other colour", () => {
        expect(guardPreview(trafficStep({ blue: 100, green: 0 })).refused).toEqual([]);
        expect(guardPreview(trafficStep({ blue: 0, green: 100 }, "green")).refused.map(f => f.rule)).toEqual(["traffic-step-too-large"]);
    });
});

describe("overrides", () => {
    it("move a named change from refused to allowed with its reason, by name or URN", () => {
        const byName = guardPreview(preview("preview-delete.json"), { allow: { "blue-data-documents": "documents moved to the owner's bucket, ticket 412" } });
        expect(byName.refused.map(f => f.name)).toEqual(["blue-gateway-service"]);
        expect(byName.allowed).toEqual([expect.objectContaining({ name: "blue-data-documents", reason: "documents moved to the owner's bucket, ticket 412" })]);
        const urn = byName.refused[0].urn;
        expect(guardPreview(preview("preview-delete.json"), { allow: { [urn]: "gateway moves to ingress", "blue-data-documents": "moved" } }).refused).toEqual([]);
    });

    it("report overrides that matched nothing, and refuse an override without a reason", () => {
        expect(guardPreview(preview("preview-delete.json"), { allow: { "blue-data-document": "typo" } }).unusedOverrides).toEqual(["blue-data-document"]);
        expect(() => guardPreview(preview("preview-delete.json"), { allow: { "blue-data-documents": " " }, maxStepShare: 0 }))
            .toThrow(new GuardOptionsError(["allow.blue-data-documents: an override needs a reason, got none", "maxStepShare: expected an integer 1-100, got 0"]));
    });
});

describe("input that is not a preview", () => {
    it("says what was expected", () => {
        expect(() => guardPreview({ resources: [] })).toThrow(PlanFormatError);
        expect(() => guardPreview({ resources: [] })).toThrow(/the object has no "steps" or "events" list \(keys: resources\)/);
        expect(() => guardPreview({ steps: [{ op: 3 }] })).toThrow(/steps\[0\] has no string "op" and "urn"/);
        expect(() => parsePreviewText("")).toThrow(/the input is empty/);
    });
});

describe("guard-cli", () => {
    function run(args: string[], stdin = "") {
        const out: string[] = [];
        const err: string[] = [];
        const code = main(args, { readFile: file => readFileSync(file, "utf8"), readStdin: () => stdin, out: line => out.push(line), err: line => err.push(line) });
        return { code, out: out.join("\n"), err: err.join("\n") };
    }

    it("exits 1 listing each refused operation, and 0 once each is overridden by name", () => {
        const refused = run([path.join(FIXTURES, "preview-delete.json")]);
        expect(refused.code).toBe(1);
        expect(refused.err).toMatch(/refused 2 operation\(s\):\n {2}- stateful-delete: SpacesBucket "blue-data-documents" would be deleted, and it holds data\./);
        expect(refused.err).toMatch(/--allow <urn-or-name>=<reason>/);
        const deployed = path.join(FIXTURES, "deployed-green-live.json");
        const allowed = run([path.join(FIXTURES, "preview-delete.json"), "--allow", "blue-data-documents=moved, ticket 412", "--deployed", deployed]);
        expect(allowed).toMatchObject({ code: 0, err: "" });
        const told = run([path.join(FIXTURES, "preview-delete.json"), "--allow", "blue-data-documents=moved, ticket 412", "--live", "green"]);
        expect(told.code).toBe(1);
        expect(told.err).toContain("warning: --live is ignored without --deployed");
        expect(allowed.out).toMatch(/allowed {2}stateful-delete: .* Override: moved, ticket 412/);
    });

    it("reads stdin and exits 0 on a harmless preview", () => {
        expect(run(["-"], text("preview-harmless-update.json"))).toMatchObject({ code: 0, out: "change guard: 2 planned step(s) checked, nothing refused" });
    });

    it("exits 2 with every argument problem and the usage", () => {
        const result = run(["--allow", "blue-data-documents", "--max-step", "lots", "--live", "Blue!", "--frobnicate"]);
        expect(result.code).toBe(2);
        expect(result.err).toContain('--allow "blue-data-documents": expected <urn-or-name>=<reason>, with a reason');
        expect(result.err).toContain('--max-step: expected an integer percent, got "lots"');
        expect(result.err).toContain('--live "Blue!": expected a colour name like blue');
        expect(result.err).toContain("--frobnicate: unknown option");
        expect(result.err).toMatch(/usage: guard-cli/);
    });

    it("exits 2 on a missing file or a non-preview input", () => {
        expect(run([path.join(FIXTURES, "nope.json")]).code).toBe(2);
        expect(run(["-"], "{\"hello\": 1}")).toMatchObject({ code: 2, err: expect.stringMatching(/not a Pulumi preview/) });
    });
});
