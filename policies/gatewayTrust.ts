import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { CLOUDFLARE_RANGES } from "../components/cloudflareRanges";
import { insideAny, parseRange } from "./lib/cidr";
import { resourcePolicy, stackPolicy } from "./lib/define";
import { listOf, recordOf, show, TYPES } from "./lib/resources";
import { isGateway } from "./exposure";

/**
 * Who may claim a client address at the gateway, and how much a client may send, locked in so a
 * later edit cannot quietly widen them (components/nginxClientAddress.ts, gateway.ts,
 * gatewayRateLimit.ts say why each rule is what it is):
 *
 * - only private (VPC) peers may send a PROXY header, nginx takes the address from it, and only
 *   Cloudflare's published ranges are believed about CF-Connecting-IP;
 * - the gateway's pods admit connections only from the load balancer's path, and other pods only
 *   on the metrics port;
 * - the limit keys on the client (IPv4 address, IPv6 /64), and each pod's share times the
 *   replicas it starts with stays within the per-client limit.
 *
 * All of it reads the gateway ConfigMap's client-policy file and the NetworkPolicy and HPA specs,
 * which depend on no other resource and so are known at preview.
 */

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const CLIENT_POLICY_KEY = "client-policy.conf";

const GATEWAY = {
    gatewayLabelKey: { type: "string", minLength: 1, default: "app.kubernetes.io/component", description: "Label key that marks the gateway's resources." },
    gatewayLabelValue: { type: "string", minLength: 1, default: "gateway", description: "Value of that label on the gateway's resources." },
} as const;


const directives = (text: string, name: string) => [...text.matchAll(new RegExp(`^\\s*${name}\\s+([^;]+);`, "gm"))].map(m => m[1].trim());

/** The ranges listed in the `geo ... $peer_is_cloudflare { ... }` block. */
function cloudflareGeo(text: string): string[] | undefined {
    const block = /geo\s+\$remote_addr\s+\$peer_is_cloudflare\s*\{([^}]*)\}/.exec(text);
    return block ? [...block[1].matchAll(/^\s*([0-9a-fA-F.:/]+)\s+1;/gm)].map(m => m[1]) : undefined;
}

const gatewayClientTrust = resourcePolicy({
    name: "gateway-client-trust",
    description: "Only the load balancer (private VPC peers) may tell nginx the client's address, through the PROXY protocol, and only Cloudflare's ranges are believed about CF-Connecting-IP: a widened range lets anyone choose their address and reset their rate limit.",
    severity: "critical",
    remediationSteps: "Render the gateway with components/gateway.ts: loadBalancerPeerRanges is the VPC CIDR only, and CLOUDFLARE_RANGES vouch for CF-Connecting-IP.",
    types: [CONFIG_MAP],
    config: GATEWAY,
    check: (props, { args, config, fail }) => {
        // The gateway's nginx config, not its other ConfigMaps (the metrics sidecar's program).
        if (!isGateway(props, config) || !("nginx.conf" in recordOf(props.data))) return;
        const text = recordOf(props.data)[CLIENT_POLICY_KEY];
        if (typeof text !== "string") {
            fail(`gateway ConfigMap "${args.name}" has no ${CLIENT_POLICY_KEY}, so who may claim a client address cannot be checked.`,
                `render the gateway's ${CLIENT_POLICY_KEY} with components/gateway.ts.`);
            return;
        }
        for (const peer of directives(text, "set_real_ip_from")) {
            const range = parseRange(peer);
            if (!range || range.family !== 4 || !insideAny(peer, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"])) {
                fail(`gateway ConfigMap "${args.name}" believes PROXY headers from ${show(peer)}, which is not a private VPC range.`,
                    "list only the VPC CIDR in loadBalancerPeerRanges.");
            }
        }
        const headers = directives(text, "real_ip_header");
        if (headers.some(header => header !== "proxy_protocol")) {
            fail(`gateway ConfigMap "${args.name}" takes the client address from the header ${show(headers)}, which a client can send.`,
                "take it from the PROXY protocol only (real_ip_header proxy_protocol).");
        }
        const geo = cloudflareGeo(text);
        if (!geo || geo.length === 0) {
            fail(`gateway ConfigMap "${args.name}" names no Cloudflare ranges to believe CF-Connecting-IP from.`, "render it with CLOUDFLARE_RANGES.");
        }
        const outside = (geo ?? []).filter(range => !insideAny(range, CLOUDFLARE_RANGES));
        if (outside.length > 0) {
            fail(`gateway ConfigMap "${args.name}" believes CF-Connecting-IP from ${show(outside)}, outside Cloudflare's ranges.`,
                "believe CF-Connecting-IP only from CLOUDFLARE_RANGES.");
        }
    },
});

const gatewayIngressFromLoadBalancer = resourcePolicy({
    name: "gateway-ingress-load-balancer-only",
    description: "The gateway's pods admit connections only from the load balancer's path (private VPC ranges); other pods reach them only on the metrics port. A pod that can open the gateway's port can try to claim an address.",
    severity: "critical",
    remediationSteps: "Build the gateway's NetworkPolicy with gatewayIngressRules() from components/gateway.ts.",
    types: [TYPES.networkPolicy],
    config: GATEWAY,
    check: (props, { args, config, fail }) => {
        if (!isGateway(props, config)) return;
        const spec = recordOf(props.spec);
        if (!listOf(spec.policyTypes).includes("Ingress")) {
            fail(`gateway NetworkPolicy "${args.name}" does not restrict ingress.`, 'add "Ingress" to spec.policyTypes.');
        }
        listOf(spec.ingress).forEach((item, index) => {
            const rule = recordOf(item);
            const where = `gateway NetworkPolicy "${args.name}" ingress[${index}]`;
            const peers = listOf(rule.from).map(recordOf);
            const ports = listOf(rule.ports).map(port => recordOf(port).port);
            if (peers.length === 0) fail(`${where} admits every source.`, "name the load balancer's VPC range (ipBlock) as the only source.");
            if (ports.length === 0) fail(`${where} admits every port.`, "name the ports.");
            for (const peer of peers) {
                const cidr = recordOf(peer.ipBlock).cidr;
                if (cidr !== undefined && !insideAny(String(cidr), ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"])) {
                    fail(`${where} admits ${show(cidr)}, which is not a private VPC range.`, "admit only the VPC CIDR the load balancer connects from.");
                }
                if (cidr === undefined && ports.some(port => port !== "metrics")) {
                    fail(`${where} admits pods on ${show(ports)}: only the metrics port may be open to other pods.`, 'restrict pod and namespace selectors to the "metrics" port.');
                }
            }
        });
    },
});

const gatewayRateLimit = stackPolicy({
    name: "gateway-rate-limit-per-client",
    description: "The gateway's backstop limit keys on the client (IPv4 address, IPv6 /64, never a whole IPv6 address or a header) and each pod's share times the replicas it starts with stays within the per-client limit; the edge (Cloudflare) is the authority.",
    severity: "high",
    remediationSteps: "Set gateway.rateLimitPerMinute; components/gateway.ts divides it over the minimum replica count (gatewayRateLimit.ts).",
    config: {
        ...GATEWAY,
        perClientPerMinute: { type: "integer", minimum: 1, default: 100, description: "Requests per minute per client the platform allows (the seeds: 100)." },
    },
    check: ({ config, fail, ofType }) => {
        const gateway = (type: string) => ofType(type).filter(resource => isGateway(resource.props, config));
        const minReplicas = Math.max(1, ...gateway(TYPES.hpa).map(hpa => Number(recordOf(hpa.props.spec).minReplicas) || 1));
        for (const configMap of gateway(CONFIG_MAP)) {
            const text = recordOf(configMap.props.data)[CLIENT_POLICY_KEY];
            if (typeof text !== "string") continue;
            const zone = /limit_req_zone\s+(\S+)\s+zone=per_client:\S+\s+rate=(\d+)r\/m;/.exec(text);
            if (!zone) {
                fail(`gateway ConfigMap "${configMap.name}" has no per_client limit.`, "render it with components/gateway.ts.", configMap.urn);
                continue;
            }
            if (zone[1] !== "$client_key" || !text.includes("::/64")) {
                fail(`gateway ConfigMap "${configMap.name}" limits on ${show(zone[1])}, not the client's address or IPv6 /64.`,
                    "key the limit on $client_key as components/nginxClientAddress.ts renders it.", configMap.urn);
            }
            const share = Number(zone[2]);
            const most = Math.ceil(config.perClientPerMinute / minReplicas);
            if (share > most) {
                fail(`gateway ConfigMap "${configMap.name}" lets each of ${minReplicas} pods pass ${share} requests a minute per client: ${share * minReplicas} in all, above ${config.perClientPerMinute}.`,
                    `hold each pod to ${most} (the per-client limit divided over the minimum replicas).`, configMap.urn);
            }
        }
    },
});

export const gatewayTrustPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [gatewayClientTrust, gatewayIngressFromLoadBalancer, gatewayRateLimit];
