import { checkBlueGreen, colourSummary } from "../../policies/crossStack";
import { runPolicies } from "../../policies/harness";
import { TYPES } from "../../policies/lib/resources";
import { blocking } from "../../policies/lib/violation";
import { fromRecorded } from "../../policies/recorded";
import { outputValues } from "../../infra/offline/evaluate";
import { evaluateStack, StackEvaluation } from "../../infra/offline/stacks";
import { readStackFile, REPO_ROOT } from "../../infra/offline/stackFiles";

/**
 * The committed stacks, evaluated under the mock runtime exactly as the offline preview does, meet
 * every mandatory policy; and the check is not vacuous: the same stack with one safeguard removed
 * fails it.
 */

const cache = new Map<string, StackEvaluation>();

describe.each(["blue", "green", "traffic"])("the %s stack", stack => {
    it("passes every mandatory policy, with no rule left unenforceable at preview", async () => {
        const evaluation = await evaluateStack(stack, cache);
        const violations = await runPolicies(fromRecorded(evaluation.resources));
        expect(blocking(violations).map(v => `${v.policyName} ${v.resourceName ?? ""}: ${v.message}`)).toEqual([]);
    });
});

describe("the real stacks' policy run", () => {
    it("catches a stateful resource of the owner stack losing its protection", async () => {
        const evaluation = await evaluateStack("blue", cache);
        const inputs = fromRecorded(evaluation.resources).map(r => (r.type === TYPES.databaseCluster ? { ...r, opts: { ...r.opts, protect: false } } : r));
        const caught = (await runPolicies(inputs)).filter(v => v.policyName === "stateful-resources-protected");
        expect(caught.map(v => v.resourceName)).toEqual(evaluation.resources.filter(r => r.type === TYPES.databaseCluster).map(r => r.name));
        expect(caught.length).toBeGreaterThanOrEqual(2);
    });

    it("catches the traffic stack sending weight to the standby colour", async () => {
        const evaluation = await evaluateStack("traffic", cache);
        const inputs = fromRecorded(evaluation.resources).map(r => {
            if (r.type !== TYPES.loadBalancer) {
                return r;
            }
            const weights = (r.props.randomSteering as { poolWeights: Record<string, number> }).poolWeights;
            const [live, idle] = Object.keys(weights).sort((a, b) => weights[b] - weights[a]);
            const randomSteering = { defaultWeight: 0, poolWeights: { [live]: 0.8, [idle]: 0.2 } };
            return { ...r, props: { ...r.props, randomSteering }, outputs: { ...r.outputs, randomSteering } };
        });
        const caught = (await runPolicies(inputs)).filter(v => v.policyName === "weight-only-to-active-colours");
        expect(caught.map(v => v.message)).toEqual([expect.stringMatching(/^20 % of traffic goes to green, whose stack reports mode "standby"/)]);
    });

    it("keeps the blue/green invariants across the three stacks", async () => {
        const weights = outputValues((await evaluateStack("traffic", cache)).outputs).weights as Record<string, unknown>;
        const summaries = await Promise.all(["blue", "green"].map(async stack => {
            const data = readStackFile(REPO_ROOT, stack).config.data as { ownerStack?: string } | undefined;
            return colourSummary(stack, outputValues((await evaluateStack(stack, cache)).outputs), weights, data?.ownerStack);
        }));
        expect(summaries.map(s => `${s.colour} ${s.mode} ${s.dataRole} ${s.weight}`)).toEqual(["blue active owner 100", "green standby follower 0"]);
        expect(checkBlueGreen(summaries)).toEqual([]);
    });
});
