import { MANAGED_RULESETS } from "../../components/cloudflarePlan";
import { TYPES } from "../../policies/lib/resources";
import { deployment, kubernetesCluster } from "./compliant";
import { loadBalancer, managedWaf, monitor } from "./compliantEdge";
import { PolicyCase, resource, withProp } from "./helpers";

/** Cases for the policies of issue #7: plan limits (policies/cloudflarePlan.ts; the default plan is Free) and pullable images. */

const plan = (cloudflarePlan: string) => ({ "cloudflare-plan-limits": { cloudflarePlan } });

export const rateLimit = (ratelimit: Record<string, unknown> = {}) => resource(TYPES.ruleset, "edge-api-rate-limit", {
    zoneId: "3f2a9c4e8b1d4f6a9e0c7b5d2a1f8e3c", kind: "zone", phase: "http_ratelimit", name: "blkout API rate limit",
    rules: [{ action: "block", expression: "starts_with(http.request.uri.path, \"/api/\")", enabled: true,
        ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 10, requestsPerPeriod: 17, mitigationTimeout: 10, ...ratelimit } }],
}, { stack: "production" });

const previewRule = (colour: string) => ({ name: `preview-${colour}`, condition: "true", terminates: true });

export const PLAN_CASES: PolicyCase[] = [{
    policy: "cloudflare-plan-limits",
    compliant: () => [
        monitor("blue", { interval: 60 }), loadBalancer(undefined, undefined, { rules: [previewRule("green")] }),
        rateLimit(), managedWaf({ actionParameters: { id: MANAGED_RULESETS.freeManaged } }),
    ],
    violations: [
        { title: "a 15 s monitor on Free", resources: () => [monitor("blue", { interval: 15 })], message: /monitor\.interval: 15 s is below the free plan's minimum of 60 s/ },
        { title: "a 10 s monitor on Business", resources: () => [monitor("blue", { interval: 10 })], config: plan("business"), message: /below the business plan's minimum of 15 s/ },
        { title: "two preview rules below Enterprise", resources: () => [loadBalancer(undefined, undefined, { rules: [previewRule("blue"), previewRule("green")] })],
            config: plan("business"), message: /2 rules exceed the business plan's limit of 1 rule per load balancer/ },
        { title: "a 60 s rate-limit window on Free", resources: () => [rateLimit({ period: 60, mitigationTimeout: 60 })], message: /apiRateLimit\.period: 60 s exceeds the free plan's longest counting period of 10 s/ },
        { title: "a day-long block on Pro", resources: () => [rateLimit({ period: 60, mitigationTimeout: 86400 })], config: plan("pro"), message: /mitigationTimeout: 86400 s exceeds the pro plan's longest mitigation timeout of 3600 s/ },
        { title: "IP with NAT support on Pro", resources: () => [rateLimit({ characteristics: ["cf.colo.id", "cf.unique_visitor_id"] })], config: plan("pro"),
            message: /"cf\.unique_visitor_id" is not available on the pro plan/ },
        { title: "the Cloudflare Managed Ruleset on Free", resources: () => [managedWaf()], message: /cloudflareManaged is not the managed ruleset of the free plan/ },
        { title: "the Free Managed Ruleset on Pro", resources: () => [managedWaf({ actionParameters: { id: MANAGED_RULESETS.freeManaged } })], config: plan("pro"),
            message: /freeManaged is not the managed ruleset of the pro plan/ },
    ],
}];

/** The image-registry policy's cases (policies/imageRegistry.ts). */
const integratedCluster = () => withProp(kubernetesCluster(), "registryIntegration", true);
const gatewayImage = () => withProp(deployment("blue-gateway-deployment"), "spec.template.spec.containers.0.image", "nginxinc/nginx-unprivileged:1.27.3-alpine");

export const REGISTRY_CASES: PolicyCase[] = [{
    policy: "images-pullable",
    compliant: () => [integratedCluster(), deployment(), gatewayImage(),
        withProp(withProp(deployment("blue-other-deployment"), "spec.template.spec.containers.0.image", "ghcr.io/blkout/x:1.0.0"), "spec.template.spec.imagePullSecrets", [{ name: "ghcr" }])],
    violations: [
        { title: "a private image without registry integration", resources: () => [kubernetesCluster(), deployment()],
            message: /blue-ivor-deployment spec\.template\.spec\.containers\[0\] \("ivor"\) pulls "registry\.digitalocean\.com\/blkout\/ivor:2026\.11\.2", but the cluster's registry integration is off/ },
        { title: "an unlisted registry without a pull secret", resources: () => [integratedCluster(), withProp(deployment(), "spec.template.spec.containers.0.image", "ghcr.io/blkout/ivor:1.0.0")],
            message: /ghcr\.io is not a listed public registry and the pod has no pull secret/ },
    ],
}];
