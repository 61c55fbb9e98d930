import { TYPES } from "../../policies/lib/resources";
import { deployment } from "./compliant";
import { HSTS, loadBalancer, managedWaf, rateLimit, zoneSetting } from "./compliantEdge";
import { PolicyCase, resource, withProp } from "./helpers";

/**
 * The bypass suite: small indirect edits of the compliant fixtures, the kind a careless contributor
 * makes, each of which passed every older rule. Every one must be caught by a named mandatory policy.
 */

const template = () => (deployment().props.spec as Record<string, any>).template;
const privilegedTemplate = () => withProp(deployment(), "spec.template.spec.containers.0.securityContext.privileged", true).props.spec as Record<string, any>;
const kind = (type: string, name: string, props: Record<string, unknown>) => resource(type, name, props);

const namespace = (labels: Record<string, string>, type: string = TYPES.namespace) => kind(type, "blue-namespace", { metadata: { name: "blkout", labels } });
const RESTRICTED = {
    "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.33",
    "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/warn": "restricted",
};

const configGroup = (objs: unknown[]) => kind("kubernetes:yaml/v2:ConfigGroup", "blue-extras", { objs });
const podObject = (spec: unknown) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "debug", namespace: "default" }, spec });
const ALLOW_CONFIG_GROUP = { "resource-type-known": { allowedTypes: [{ type: "kubernetes:yaml/v2:ConfigGroup", reason: "vendor manifests reviewed in #42" }] } };

const previewRule = { name: "preview-green", priority: 1, condition: '(http.request.headers["x-blkout-preview"][0] eq "green") or (http.cookie contains "blkout_preview=green")', terminates: true, overrides: { defaultPools: ["g"], fallbackPool: "g", steeringPolicy: "off", sessionAffinity: "none" } };

export const GUARD_RAIL_CASES: PolicyCase[] = [
    {
        policy: "resource-type-known",
        compliant: () => [deployment(), namespace(RESTRICTED), kind("blkout:platform:Gateway", "blue-gateway", {}), kind("pulumi:providers:kubernetes", "blue-k8s", {})],
        violations: [
            { title: "a ReplicationController", resources: () => [kind("kubernetes:core/v1:ReplicationController", "blue-rc", { metadata: { namespace: "default" }, spec: { template: template() } })], message: /"blue-rc" is a kubernetes:core\/v1:ReplicationController, a type no rule of this pack checks/ },
            { title: "a DeploymentPatch", resources: () => [kind("kubernetes:apps/v1:DeploymentPatch", "blue-patch", { metadata: { name: "blue-ivor" }, spec: privilegedTemplate() })], message: /kubernetes:apps\/v1:DeploymentPatch/ },
            { title: "a ServicePatch", resources: () => [kind("kubernetes:core/v1:ServicePatch", "blue-svc-patch", { metadata: { name: "blue-ivor" }, spec: { type: "LoadBalancer" } })], message: /kubernetes:core\/v1:ServicePatch/ },
            { title: "a bare Pod", resources: () => [kind(TYPES.pod, "blue-debug", podObject(template().spec))], message: /kubernetes:core\/v1:Pod, a type/ },
            { title: "a ConfigGroup", resources: () => [configGroup([])], message: /kubernetes:yaml\/v2:ConfigGroup/ },
            { title: "a Helm release", resources: () => [kind("kubernetes:helm.sh/v3:Release", "blue-chart", { chart: "nginx", values: {} })], message: /kubernetes:helm\.sh\/v3:Release/ },
            { title: "a Page Rule", resources: () => [kind("cloudflare:index/pageRule:PageRule", "edge-page", { target: "blkoutuk.com/*", actions: { ssl: "flexible" } })], message: /cloudflare:index\/pageRule:PageRule/ },
            { title: "an allow-listed ConfigGroup holding a ReplicaSet", resources: () => [configGroup([{ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "x" }, spec: { template: template() } }])], config: ALLOW_CONFIG_GROUP, message: /"blue-extras" declares objects\[0\], a kubernetes:apps\/v1:ReplicaSet/ },
            { title: "an allow-listed ConfigGroup's YAML holding a Pod", resources: () => [kind("kubernetes:yaml/v2:ConfigGroup", "blue-extras", { yaml: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n" })], config: ALLOW_CONFIG_GROUP, message: /declares objects\[0\], a kubernetes:core\/v1:Pod/ },
        ],
    },
    {
        policy: "namespace-pod-security-restricted",
        compliant: () => [namespace(RESTRICTED), namespace({ "pod-security.kubernetes.io/enforce": "restricted" }, "kubernetes:core/v1:NamespacePatch")],
        violations: [
            { title: "enforce switched to privileged", resources: () => [namespace({ ...RESTRICTED, "pod-security.kubernetes.io/enforce": "privileged" })], message: /sets pod-security\.kubernetes\.io\/enforce to "privileged"/ },
            { title: "the enforce label removed", resources: () => [namespace({ "pod-security.kubernetes.io/warn": "restricted" })], message: /sets pod-security\.kubernetes\.io\/enforce to nothing/ },
            { title: "a NamespacePatch relabelling to baseline", resources: () => [namespace({ "pod-security.kubernetes.io/enforce": "baseline" }, "kubernetes:core/v1:NamespacePatch")], message: /to "baseline"/ },
            { title: "audit lowered to privileged", resources: () => [namespace({ ...RESTRICTED, "pod-security.kubernetes.io/audit": "privileged" })], message: /audit to "privileged"/ },
        ],
    },
    {
        policy: "waf-executes-on-all-traffic",
        compliant: () => [managedWaf(), rateLimit()],
        violations: [
            { title: "the execute rule's expression false", resources: () => [managedWaf({ expression: "false" })], message: /runs the managed WAF only where "false" matches/ },
            { title: "managed rules overridden off", resources: () => [managedWaf({ actionParameters: { id: "efb7b8c949ac4650a09736fc376e9aee", overrides: { enabled: false } } })], message: /overrides\.enabled is false/ },
            { title: "managed rules overridden to log", resources: () => [managedWaf({ actionParameters: { id: "efb7b8c949ac4650a09736fc376e9aee", overrides: { action: "log" } } })], message: /overrides\.action is "log"/ },
            { title: "one category overridden off", resources: () => [managedWaf({ actionParameters: { id: "efb7b8c949ac4650a09736fc376e9aee", overrides: { categories: [{ category: "wordpress", enabled: false }] } } })], message: /categories\[0\] turns "wordpress" off/ },
            { title: "a skip rule in the WAF phase", resources: () => [resource(TYPES.ruleset, "edge-skip", { phase: "http_request_firewall_managed", rules: [{ action: "skip", actionParameters: { ruleset: "current" }, expression: "true", enabled: true }] })], message: /skips/ },
            { title: "a custom rule skipping the WAF phase", resources: () => [resource(TYPES.ruleset, "edge-custom", { phase: "http_request_firewall_custom", rules: [{ action: "skip", actionParameters: { phases: ["http_request_firewall_managed"] }, expression: "true" }] })], message: /skips \["http_request_firewall_managed"\]/ },
        ],
    },
    {
        policy: "ssl-strict-everywhere",
        compliant: () => [resource(TYPES.ruleset, "edge-config", { phase: "http_config_settings", rules: [{ action: "set_config", actionParameters: { ssl: "strict", polish: "lossless" }, expression: "true" }] })],
        violations: [
            { title: "SSL flexible through a configuration rule", resources: () => [resource(TYPES.ruleset, "edge-config", { phase: "http_config_settings", rules: [{ action: "set_config", actionParameters: { ssl: "flexible" }, expression: "true" }] })], message: /"edge-config" sets SSL to "flexible"/ },
            { title: "SSL flexible through a Page Rule", resources: () => [resource("cloudflare:index/pageRule:PageRule", "edge-page", { target: "blkoutuk.com/*", actions: { ssl: "flexible" } })], message: /"edge-page" sets SSL to "flexible"/ },
            { title: "always-HTTPS off through a Page Rule", resources: () => [resource("cloudflare:index/pageRule:PageRule", "edge-page", { actions: { alwaysUseHttps: false } })], message: /sets alwaysUseHttps to false/ },
        ],
    },
    {
        policy: "hsts-enabled",
        compliant: () => [zoneSetting("security_header", HSTS), zoneSetting("ssl", "strict")],
        violations: [
            { title: "HSTS disabled", resources: () => [zoneSetting("security_header", { strict_transport_security: { ...HSTS.strict_transport_security, enabled: false } })], message: /HSTS is/ },
            { title: "HSTS for a minute", resources: () => [zoneSetting("security_header", { strict_transport_security: { ...HSTS.strict_transport_security, max_age: 60 } })], message: /HSTS is/ },
        ],
    },
    {
        policy: "lb-routes-by-weights",
        compliant: () => [loadBalancer(), loadBalancer({ blue: 95, green: 5 }, "blue", { rules: [previewRule] })],
        violations: [
            { title: "a rule sending everyone to the standby colour", resources: () => [loadBalancer(undefined, "blue", { rules: [{ ...previewRule, condition: "true" }] })], message: /rules\[0\] \("preview-green"\) routes "true" around the weights/ },
            { title: "a preview rule that also overrides the weights", resources: () => [loadBalancer(undefined, "blue", { rules: [{ ...previewRule, overrides: { ...previewRule.overrides, randomSteering: { poolWeights: {} } } }] })], message: /around the weights/ },
            { title: "steering switched to off (failover order)", resources: () => [loadBalancer(undefined, "blue", { steeringPolicy: "off" })], message: /steers with "off", which ignores the weights/ },
            { title: "geo steering pools", resources: () => [loadBalancer(undefined, "blue", { countryPools: [{ country: "GB", poolIds: ["g"] }] })], message: /sets countryPools/ },
        ],
    },
];
