import { gatewayIngressRules } from "../../components/gateway";
import { backstopShare } from "../../components/gatewayRateLimit";
import { renderClientPolicy } from "../../components/nginxConfig";
import { TYPES } from "../../policies/lib/resources";
import { PolicyCase, resource } from "./helpers";

/** Cases for the gateway's client trust, its NetworkPolicy and the per-client limit (policies/gatewayTrust.ts), rendered as the gateway renders them. */

const LABELS = { "app.kubernetes.io/component": "gateway" };

function clientPolicy(extra: Record<string, unknown> = {}, replicas = 2): string {
    const share = backstopShare({ perMinute: 100, burst: 20 }, replicas);
    return renderClientPolicy({
        upstreams: { ivor: { host: "ivor.blkout-blue.svc.cluster.local", port: 8080 } }, routes: [{ prefix: "/api/chat", api: "ivor" }],
        allowedHosts: ["blkoutuk.com"], loadBalancerRanges: ["10.20.0.0/16"], rateLimitPerMinute: share.perMinute, rateLimitBurst: share.burst, ...extra,
    });
}

const configMap = (text: string | null = clientPolicy()) => resource("kubernetes:core/v1:ConfigMap", "blue-gateway-config", {
    metadata: { name: "blue-gateway-config", namespace: "blkout", labels: LABELS },
    data: { "nginx.conf": "# main", ...(text === null ? {} : { "client-policy.conf": text }) },
});
const hpa = (minReplicas = 2) => resource(TYPES.hpa, "blue-gateway-hpa", { metadata: { name: "blue-gateway", namespace: "blkout", labels: LABELS }, spec: { minReplicas, maxReplicas: 10 } });
const netpol = (ingress: unknown = gatewayIngressRules(["10.20.0.0/16"])) => resource(TYPES.networkPolicy, "blue-gateway-netpol", {
    metadata: { name: "blue-gateway", namespace: "blkout", labels: LABELS },
    spec: { podSelector: { matchLabels: { "app.kubernetes.io/name": "gateway" } }, policyTypes: ["Ingress", "Egress"], ingress },
});

export const GATEWAY_TRUST_CASES: PolicyCase[] = [
    {
        policy: "gateway-client-trust",
        compliant: () => [configMap()],
        violations: [
            { title: "a public PROXY peer", resources: () => [configMap(clientPolicy({ loadBalancerRanges: ["0.0.0.0/0"] }))], message: /believes PROXY headers from "0\.0\.0\.0\/0"/ },
            { title: "a client-sent header as the address", resources: () => [configMap(clientPolicy().replace("real_ip_header proxy_protocol;", "real_ip_header X-Forwarded-For;"))], message: /takes the client address from the header \["X-Forwarded-For"\]/ },
            { title: "CF-Connecting-IP believed from a wider range", resources: () => [configMap(clientPolicy({ trustedProxyRanges: ["104.16.0.0/12"] }))], message: /believes CF-Connecting-IP from \["104\.16\.0\.0\/12"\], outside Cloudflare's ranges/ },
            { title: "no client-policy file", resources: () => [configMap(null)], message: /has no client-policy\.conf/ },
        ],
    },
    {
        policy: "gateway-ingress-load-balancer-only",
        compliant: () => [netpol([...gatewayIngressRules(["10.20.0.0/16"]), { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ port: "metrics" }] }])],
        violations: [
            { title: "every source", resources: () => [netpol([{ ports: [{ protocol: "TCP", port: 8080 }] }])], message: /ingress\[0\] admits every source/ },
            { title: "the internet", resources: () => [netpol(gatewayIngressRules(["0.0.0.0/0"]))], message: /admits "0\.0\.0\.0\/0", which is not a private VPC range/ },
            { title: "pods on the PROXY port", resources: () => [netpol([{ from: [{ podSelector: {} }], ports: [{ port: 8080 }] }])], message: /admits pods on \[8080\]/ },
        ],
    },
    {
        policy: "gateway-rate-limit-per-client",
        compliant: () => [configMap(clientPolicy({}, 2)), hpa(2)],
        violations: [
            { title: "each pod holding the whole limit", resources: () => [configMap(clientPolicy({ rateLimitPerMinute: 100 })), hpa(2)], message: /lets each of 2 pods pass 100 requests a minute per client: 200 in all, above 100/ },
            { title: "a share sized for fewer pods than start", resources: () => [configMap(clientPolicy({}, 2)), hpa(4)], message: /each of 4 pods pass 50/ },
            { title: "a limit keyed on the whole address", resources: () => [configMap(clientPolicy().replace("limit_req_zone $client_key zone=per_client", "limit_req_zone $binary_remote_addr zone=per_client")), hpa()], message: /limits on "\$binary_remote_addr"/ },
        ],
    },
];
