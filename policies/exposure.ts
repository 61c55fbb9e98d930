import type { ResourceValidationPolicy } from "@pulumi/policy";
import { CLOUDFLARE_RANGES } from "../components/cloudflareRanges";
import { insideAny } from "./lib/cidr";
import { resourcePolicy } from "./lib/define";
import { listOf, recordOf, show, TYPES } from "./lib/resources";

/**
 * What the internet can reach: only the nginx gateway, only through a cloud load balancer, and
 * only from Cloudflare, so every request passes the WAF, the rate limits and the weighted switch.
 */

/** The label that marks the gateway's Service (components/gateway.ts sets it). */
const GATEWAY_LABEL = {
    gatewayLabelKey: { type: "string", minLength: 1, default: "app.kubernetes.io/component", description: "Label key that marks the gateway Service." },
    gatewayLabelValue: { type: "string", minLength: 1, default: "gateway", description: "Value of that label on the gateway Service." },
} as const;

/** Whether a Kubernetes object carries the gateway's label (the policies' `gatewayLabelKey`/`gatewayLabelValue`). */
export function isGateway(props: any, config: Record<string, any>): boolean {
    return recordOf(recordOf(props?.metadata).labels)[config.gatewayLabelKey] === config.gatewayLabelValue;
}

/** The spec of the gateway's LoadBalancer Service, or undefined for any other Service. */
function gatewayLoadBalancerSpec(props: any, config: Record<string, any>): Record<string, any> | undefined {
    const spec = recordOf(props.spec);
    return spec.type === "LoadBalancer" && isGateway(props, config) ? spec : undefined;
}

const onlyGatewayExposed = resourcePolicy({
    name: "only-gateway-exposed",
    description: "Only the gateway Service may be a LoadBalancer; no Service may be a NodePort (DOKS nodes have public addresses) or claim externalIPs. Everything else is reached through the gateway.",
    severity: "critical",
    remediationSteps: "Make the Service type ClusterIP and route to it through the gateway.",
    types: [TYPES.service],
    config: GATEWAY_LABEL,
    check: (props, { args, config, fail }) => {
        const spec = recordOf(props.spec);
        if (spec.type === "NodePort") {
            fail(`Service "${args.name}" is a NodePort, open on every node's public address.`, "use type ClusterIP (or the gateway's LoadBalancer).");
        }
        if (spec.type === "LoadBalancer" && !isGateway(props, config)) {
            fail(`Service "${args.name}" is a LoadBalancer but is not the gateway (label ${config.gatewayLabelKey}=${config.gatewayLabelValue}).`,
                "use type ClusterIP and route to it through the gateway.");
        }
        if (listOf(spec.externalIPs).length > 0) {
            fail(`Service "${args.name}" claims externalIPs ${show(spec.externalIPs)}.`, "remove spec.externalIPs.");
        }
    },
});

const gatewayCloudflareOnly = resourcePolicy({
    name: "gateway-cloudflare-only",
    description: "The gateway's load balancer admits only Cloudflare's published ranges, so nobody can bypass the WAF, the rate limits or the traffic switch by calling the origin directly.",
    severity: "critical",
    remediationSteps: "Set spec.loadBalancerSourceRanges to CLOUDFLARE_RANGES from components/cloudflareRanges.ts.",
    types: [TYPES.service],
    config: GATEWAY_LABEL,
    check: (props, { args, config, fail }) => {
        const spec = gatewayLoadBalancerSpec(props, config);
        if (!spec) {
            return;
        }
        const ranges = listOf(spec.loadBalancerSourceRanges);
        if (ranges.length === 0) {
            fail(`gateway Service "${args.name}" admits every address.`, "set spec.loadBalancerSourceRanges to Cloudflare's ranges.");
        }
        const outside = ranges.filter(range => !insideAny(String(range), CLOUDFLARE_RANGES));
        if (outside.length > 0) {
            fail(`gateway Service "${args.name}" admits ${show(outside)}, outside Cloudflare's ranges.`, "list only Cloudflare's ranges in spec.loadBalancerSourceRanges.");
        }
    },
});

const DO_LB = "service.beta.kubernetes.io/do-loadbalancer-";

const gatewayTerminatesTls = resourcePolicy({
    name: "gateway-terminates-tls",
    description: "The zone runs SSL \"Full (strict)\": Cloudflare reaches the origin only over HTTPS on 443 and checks its certificate. A gateway load balancer that listens on plain HTTP, or on 443 without a certificate, takes the colour off the air the moment it receives traffic.",
    severity: "critical",
    remediationSteps: "Expose only port 443 and set the do-loadbalancer-tls-ports \"443\" and do-loadbalancer-certificate-id annotations (the colour's Origin CA certificate).",
    types: [TYPES.service],
    config: GATEWAY_LABEL,
    check: (props, { args, config, fail }) => {
        const spec = gatewayLoadBalancerSpec(props, config);
        if (!spec) {
            return;
        }
        const annotations = recordOf(recordOf(props.metadata).annotations);
        const ports = listOf(spec.ports).map(port => recordOf(port).port);
        if (ports.length === 0 || ports.some(port => port !== 443)) {
            fail(`gateway Service "${args.name}" listens on ${show(ports)}, not 443 alone.`, "expose only port 443 (TLS ends at the load balancer).");
        }
        if (annotations[`${DO_LB}tls-ports`] !== "443" || !annotations[`${DO_LB}certificate-id`]) {
            fail(`gateway Service "${args.name}" does not terminate TLS on 443 with a certificate.`,
                `set the ${DO_LB}tls-ports annotation to "443" and ${DO_LB}certificate-id to the colour's origin certificate.`);
        }
    },
});

export const exposurePolicies: ResourceValidationPolicy[] = [onlyGatewayExposed, gatewayCloudflareOnly, gatewayTerminatesTls];
