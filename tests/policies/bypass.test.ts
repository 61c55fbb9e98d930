import { runPolicies } from "../../policies/harness";
import { blocking } from "../../policies/lib/violation";
import { deployment, networkPolicy, pdb } from "./compliant";
import { resource, withProp } from "./helpers";

/**
 * Indirect edits run through the whole pack (not one policy): each must be stopped by the named
 * mandatory policies, in whatever kind or namespace the pod hides.
 */

const privilegedHostPod = () => {
    const spec = withProp(withProp(deployment(), "spec.template.spec.containers.0.securityContext.privileged", true), "spec.template.spec.hostNetwork", true).props.spec as Record<string, any>;
    return spec.template as Record<string, any>;
};

const EDITS: ReadonlyArray<[string, () => ReturnType<typeof resource>, readonly string[], unknown?]> = [
    ["a privileged hostNetwork pod in default through a ReplicationController",
        () => resource("kubernetes:core/v1:ReplicationController", "blue-rc", { metadata: { namespace: "default" }, spec: { replicas: 1, template: privilegedHostPod() } }),
        ["resource-type-known", "pod-not-privileged", "pod-no-host-namespaces", "k8s-not-default-namespace"]],
    ["a DeploymentPatch making the API privileged",
        () => resource("kubernetes:apps/v1:DeploymentPatch", "blue-ivor-patch", { metadata: { name: "blue-ivor", namespace: "blkout" }, spec: { template: privilegedHostPod() } }),
        ["resource-type-known", "pod-not-privileged", "pod-no-host-namespaces"]],
    ["a privileged pod inside an allow-listed ConfigGroup",
        () => resource("kubernetes:yaml/v2:ConfigGroup", "blue-extras", { objs: [{ apiVersion: "v1", kind: "Pod", metadata: { name: "debug" }, spec: privilegedHostPod().spec }] }),
        ["resource-type-known", "pod-not-privileged", "pod-no-host-namespaces"],
        { "resource-type-known": { allowedTypes: [{ type: "kubernetes:yaml/v2:ConfigGroup", reason: "vendor manifests reviewed in #42" }] } }],
    ["a privileged pod in a ConfigGroup's YAML text",
        () => resource("kubernetes:yaml/v2:ConfigGroup", "blue-extras", { yaml: `apiVersion: v1\nkind: Pod\nmetadata: {name: debug}\nspec: ${JSON.stringify(privilegedHostPod().spec)}\n` }),
        ["resource-type-known", "pod-not-privileged"]],
    ["the namespace relabelled privileged",
        () => resource("kubernetes:core/v1:Namespace", "blue-ns", { metadata: { name: "blkout", labels: { "pod-security.kubernetes.io/enforce": "privileged" } } }),
        ["namespace-pod-security-restricted"]],
];

describe("the bypass suite: indirect edits stopped by the whole pack", () => {
    it.each(EDITS.map(edit => [edit[0], edit] as const))("%s", async (_title, [, build, policies, config]) => {
        const stopped = blocking(await runPolicies([build()], config ? { config } : {}));
        expect(stopped.every(v => v.enforcementLevel === "mandatory")).toBe(true);
        for (const policy of policies) {
            expect(stopped.map(v => v.policyName)).toContain(policy);
        }
    });

    it("the untouched compliant Deployment is not stopped", async () => {
        expect(blocking(await runPolicies([deployment(), pdb(), networkPolicy()]))).toEqual([]);
    });
});
