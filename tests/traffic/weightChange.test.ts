import { isDeepStrictEqual } from "util";
import { RecordedResource } from "../support/pulumi";
import { canaryConfig, evaluateTraffic } from "./fixtures";

/** Everything the engine would diff for a resource: its inputs and the options that shape its plan. */
function plannedShape(resource: RecordedResource) {
    const { inputs, parent, protect, deleteBeforeReplace, retainOnDelete, ignoreChanges, provider, secretInputPaths, custom } = resource;
    return { inputs, parent, protect, deleteBeforeReplace, retainOnDelete, ignoreChanges, provider, secretInputPaths, custom };
}

/** For every resource present in either evaluation (by type and name), the top-level inputs that differ. */
async function changesBetween(before: Record<string, unknown>, after: Record<string, unknown>): Promise<Record<string, string[]>> {
    const [a, b] = [await evaluateTraffic(before), await evaluateTraffic(after)];
    const key = (r: RecordedResource) => `${r.type}::${r.name}`;
    const byKey = (resources: readonly RecordedResource[]) => new Map(resources.map(r => [key(r), r]));
    const [mapA, mapB] = [byKey(a.resources), byKey(b.resources)];
    const changes: Record<string, string[]> = {};
    for (const name of new Set([...mapA.keys(), ...mapB.keys()])) {
        const [ra, rb] = [mapA.get(name), mapB.get(name)];
        if (!ra || !rb) {
            changes[name] = [ra ? "(deleted)" : "(created)"];
            continue;
        }
        const [sa, sb] = [plannedShape(ra), plannedShape(rb)];
        const optionChanges = Object.keys(sa).filter(k => k !== "inputs" && !isDeepStrictEqual(sa[k as keyof typeof sa], sb[k as keyof typeof sb]));
        const inputChanges = [...new Set([...Object.keys(ra.inputs), ...Object.keys(rb.inputs)])]
            .filter(k => !isDeepStrictEqual(ra.inputs[k], rb.inputs[k]));
        if (optionChanges.length + inputChanges.length > 0) {
            changes[name] = [...optionChanges.map(k => `(option ${k})`), ...inputChanges].sort();
        }
    }
    return changes;
}

const LB = "cloudflare:index/loadBalancer:LoadBalancer::traffic-lb";

describe("a change of weights", () => {
    it("updates only the load balancer's weights when the larger colour stays the same (95/5 -> 80/20)", async () => {
        const changes = await changesBetween(canaryConfig({ weights: { blue: 95, green: 5 } }), canaryConfig({ weights: { blue: 80, green: 20 } }));
        expect(changes).toEqual({ [LB]: ["randomSteering"] });
    });

    it("also moves the fallback pool when the larger colour changes (80/20 -> 20/80), and touches nothing else", async () => {
        const changes = await changesBetween(canaryConfig({ weights: { blue: 80, green: 20 } }), canaryConfig({ weights: { blue: 20, green: 80 } }));
        expect(changes).toEqual({ [LB]: ["fallbackPool", "randomSteering"] });
    });
});
