import { EDGE_ENTRY_POINTS } from "../../components/edgeHardening";
import { edgeUrn, entryPointConflicts, readZoneRulesets } from "../../infra/traffic/rulesets";
import { evaluate } from "../../infra/offline/evaluate";
import { named } from "../support/pulumi";

const ZONE = "3f2a9c4e8b1d4f6a9e0c7b5d2a1f8e3c";

describe("entryPointConflicts", () => {
    it("names each dashboard entry point in a phase the stack declares, with the exact import command", () => {
        const existing = [
            { id: "a".repeat(32), kind: "zone", phase: "http_request_firewall_managed", name: "default" },
            { id: "b".repeat(32), kind: "zone", phase: "http_request_firewall_custom", name: "default" },
            { id: "c".repeat(32), kind: "managed", phase: "http_request_firewall_managed", name: "Cloudflare Managed Ruleset" },
        ];
        const conflicts = entryPointConflicts(existing, ZONE, "production", "blkout-traffic");
        expect(conflicts).toHaveLength(1);
        expect(conflicts[0]).toContain(`zone ${ZONE} already has the http_request_firewall_managed entry-point ruleset ${"a".repeat(32)} ("default")`);
        expect(conflicts[0]).toContain("pulumi import --stack production --yes --generate-code=false "
            + "--parent 'edge=urn:pulumi:production::blkout-traffic::blkout:platform:EdgeHardening::edge' "
            + `'cloudflare:index/ruleset:Ruleset' edge-waf 'zones/${ZONE}/${"a".repeat(32)}'`);
    });

    it("is silent once the entry points carry this stack's names (after the adopting update)", () => {
        const ours = EDGE_ENTRY_POINTS.map((entry, i) => ({ id: String(i).repeat(32), kind: "zone", phase: entry.phase, name: entry.rulesetName }));
        expect(entryPointConflicts(ours, ZONE, "production", "blkout-traffic")).toEqual([]);
    });

    it("builds the URN the import's --parent needs from the component the stack really registers", async () => {
        const { EdgeHardening } = await import("../../components/edgeHardening");
        const evaluation = await evaluate({ project: "blkout-traffic", stack: "production" }, () => {
            new EdgeHardening("edge", { zoneId: ZONE, plan: "free", apiRateLimit: { requestsPerPeriod: 17, period: 10, mitigationTimeout: 10 } });
            return {};
        });
        expect(named(evaluation.resources, "edge").urn).toBe(edgeUrn("production", "blkout-traffic"));
        expect(EDGE_ENTRY_POINTS.map(entry => named(evaluation.resources, `edge-${entry.suffix}`).inputs.phase)).toEqual(EDGE_ENTRY_POINTS.map(entry => entry.phase));
    });

    it("reads the zone's rulesets through the provider's getRulesets, for the configured zone", async () => {
        const asked: unknown[] = [];
        const evaluation = await evaluate({
            project: "blkout-traffic", stack: "production",
            invokes: { "cloudflare:index/getRulesets:getRulesets": args => { asked.push(args); return { rulesets: [{ id: "d".repeat(32), kind: "zone", phase: "http_ratelimit", name: "x", description: "", lastUpdated: "", version: "1" }] }; } },
        }, async () => ({ rulesets: await readZoneRulesets(ZONE) }));
        expect(asked).toEqual([expect.objectContaining({ zoneId: ZONE })]);
        expect(evaluation.outputs.rulesets.value).toEqual([{ id: "d".repeat(32), kind: "zone", phase: "http_ratelimit", name: "x" }]);
    });
});
