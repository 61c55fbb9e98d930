import { planPolicyConfig } from "../../policies/cloudflarePlan";
import { runPolicies } from "../../policies/harness";
import { blocking } from "../../policies/lib/violation";
import { TYPES } from "../../policies/lib/resources";
import { deployment, networkPolicy, pdb } from "./compliant";
import { loadBalancer, managedWaf, POOL_IDS, rateLimit, trafficStack, zoneSetting } from "./compliantEdge";
import { resource, withProp } from "./helpers";

/**
 * Indirect edits run through the whole pack (not one policy): each must be stopped by the named
 * mandatory policies, in whatever kind or namespace the pod hides.
 */

const privilegedHostPod = () => {
    const spec = withProp(withProp(deployment(), "spec.template.spec.containers.0.securityContext.privileged", true), "spec.template.spec.hostNetwork", true).props.spec as Record<string, any>;
    return spec.template as Record<string, any>;
};

const nodeExporterHostPaths = [{ name: "proc", hostPath: { path: "/proc", type: "Directory" } }, { name: "root", hostPath: { path: "/", type: "Directory" } }];

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
    ["node-exporter's exact host paths borrowed by a Deployment of the same name in its namespace",
        () => withProp(withProp(withProp(deployment(), "metadata", { name: "node-exporter", namespace: "node-exporter" }), "spec.template.spec.volumes", nodeExporterHostPaths),
            "spec.template.spec.containers.0.volumeMounts", [{ name: "proc", mountPath: "/host/proc", readOnly: true }, { name: "root", mountPath: "/host/root", readOnly: true }]),
        ["pod-restricted-volumes"]],
    ["node-exporter's host paths in a ConfigGroup's DaemonSet in its namespace",
        () => resource("kubernetes:yaml/v2:ConfigGroup", "blue-extras", { objs: [{
            apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "node-exporter", namespace: "node-exporter" },
            spec: withProp(deployment(), "spec.template.spec.volumes", nodeExporterHostPaths).props.spec,
        }] }),
        ["pod-restricted-volumes"],
        { "resource-type-known": { allowedTypes: [{ type: "kubernetes:yaml/v2:ConfigGroup", reason: "vendor manifests reviewed in #42" }] } }],
    ["another namespace relabelled to enforce privileged like node-exporter's",
        () => resource("kubernetes:core/v1:Namespace", "blue-ns2", { metadata: { name: "node-exporter-2", labels: { "pod-security.kubernetes.io/enforce": "privileged" } } }),
        ["namespace-pod-security-restricted"]],
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

/** The compliant traffic stack with one resource replaced, added or removed: each stopped by the named policies. */
describe("the bypass suite at the edge: the whole traffic stack through the whole pack", () => {
    const without = (name: string) => () => trafficStack().filter(r => r.name !== name);
    const replacing = (name: string, make: () => ReturnType<typeof resource>) => () => trafficStack().map(r => (r.name === name ? make() : r));
    const adding = (make: () => ReturnType<typeof resource>) => () => [...trafficStack(), make()];
    const previewRule = (condition: string) => ({ name: "preview-green", condition, overrides: { defaultPools: [POOL_IDS.green], fallbackPool: POOL_IDS.green, steeringPolicy: "off" } });
    const EDGE_EDITS: ReadonlyArray<[string, () => ReturnType<typeof resource>[], string]> = [
        ["HSTS removed", without("edge-security_header"), "edge-hardening-present"],
        ["always-HTTPS removed", without("edge-always_use_https"), "edge-hardening-present"],
        ["the rate-limit ruleset removed", without("edge-api-rate-limit"), "edge-hardening-present"],
        ["the rate-limit rule disabled", replacing("edge-api-rate-limit", () => rateLimit({ enabled: false })), "edge-hardening-present"],
        ["the WAF's expression false", replacing("edge-waf", () => managedWaf({ expression: "false" })), "waf-executes-on-all-traffic"],
        ["the WAF overridden to log", replacing("edge-waf", () => managedWaf({ actionParameters: { id: "efb7b8c949ac4650a09736fc376e9aee", overrides: { action: "log" } } })), "waf-executes-on-all-traffic"],
        ["SSL flexible on the zone", replacing("edge-ssl", () => zoneSetting("ssl", "flexible")), "zone-tls-settings"],
        ["SSL flexible by a configuration rule", adding(() => resource(TYPES.ruleset, "edge-config", { phase: "http_config_settings", rules: [{ action: "set_config", actionParameters: { ssl: "flexible" }, expression: "true" }] }, { stack: "production" })), "ssl-strict-everywhere"],
        ["SSL flexible by a Page Rule", adding(() => resource("cloudflare:index/pageRule:PageRule", "edge-page", { target: "blkoutuk.com/*", actions: { ssl: "flexible" } }, { stack: "production" })), "ssl-strict-everywhere"],
        ["steering switched to failover order", replacing("traffic-lb", () => loadBalancer(undefined, "blue", { steeringPolicy: "off" })), "lb-routes-by-weights"],
        ["every visitor sent to the standby colour by a rule", replacing("traffic-lb", () => loadBalancer(undefined, "blue", { rules: [previewRule("true")] })), "lb-routes-by-weights"],
        ["a rule keyed on a cookie every visitor has", replacing("traffic-lb", () => loadBalancer(undefined, "blue", { rules: [previewRule('http.cookie contains "session"')] })), "lb-routes-by-weights"],
    ];

    // The compliant edge fixture asks for a 15 s monitor, a 60 s rate-limit window and the Cloudflare
    // Managed Ruleset: a Business zone's, so the pack is told that plan (as `--policy-pack-config` would).
    const businessPlan = { config: planPolicyConfig("business") };

    it("the compliant traffic stack passes", async () => {
        expect(blocking(await runPolicies(trafficStack(), businessPlan))).toEqual([]);
    });

    it.each(EDGE_EDITS.map(edit => [edit[0], edit] as const))("%s", async (_title, [, build, policy]) => {
        const stopped = blocking(await runPolicies(build(), businessPlan));
        expect(stopped.filter(v => v.policyName === policy).every(v => v.enforcementLevel === "mandatory")).toBe(true);
        expect(stopped.map(v => v.policyName)).toContain(policy);
    });
});
