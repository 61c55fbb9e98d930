import { POLICIES } from "../../policies/catalogue";
import { PLAN_CASES, REGISTRY_CASES } from "./cloudflarePlanCases";
import { CLUSTER_CASES } from "./clusterCases";
import { DATA_CASES } from "./dataCases";
import { EDGE_CASES } from "./edgeCases";
import { GATEWAY_TRUST_CASES } from "./gatewayTrustCases";
import { GUARD_RAIL_CASES } from "./guardRailCases";
import { verdicts } from "./helpers";
import { WORKLOAD_CASES } from "./workloadCases";
import { DATA_ROLE_CASES } from "../data/dataRoleCases";

const CASES = [
    ...DATA_CASES,
    ...CLUSTER_CASES,
    ...WORKLOAD_CASES,
    ...EDGE_CASES,
    ...GATEWAY_TRUST_CASES,
    ...GUARD_RAIL_CASES,
    ...PLAN_CASES,
    ...REGISTRY_CASES,
    ...DATA_ROLE_CASES,
];

describe("the policy catalogue", () => {
    it("has a case for every policy of the pack, and no case for a policy it lacks", () => {
        expect(CASES.map(c => c.policy).sort()).toEqual(POLICIES.map(p => p.name).sort());
    });

    describe.each(CASES.map(c => [c.policy, c] as const))("%s", (_name, policyCase) => {
        const policy = POLICIES.find(p => p.name === policyCase.policy)!;

        it("passes its compliant resources", async () => {
            expect(await verdicts(policyCase.policy, policyCase.compliant())).toEqual([]);
        });

        it.each(policyCase.violations.map(v => [v.title, v] as const))("catches %s", async (_title, violation) => {
            const found = await verdicts(policyCase.policy, violation.resources(), violation.config);
            expect(found.map(v => v.message)).toContainEqual(expect.stringMatching(violation.message));
            for (const v of found) {
                expect(v).toMatchObject({ policyName: policyCase.policy, enforcementLevel: policy.enforcementLevel, severity: policy.severity });
                expect(v.message).toMatch(/ Fix: \S/);
                expect(v.unknownAtPreview).toBeUndefined();
            }
        });
    });
});
