/**
 * The DigitalOcean load balancer in front of the gateway, as the cloud controller manager (CCM)
 * reads it from the Service's annotations. Every rule here mirrors the CCM's source or docs:
 *
 * - annotation names: digitalocean/digitalocean-cloud-controller-manager
 *   cloud-controller-manager/do/lb_annotations.go, docs/controllers/services/annotations.md
 * - the type: current CCMs default to REGIONAL_NETWORK (`defaultLBType` in do/loadbalancers.go),
 *   whose forwarding rules are plain TCP/UDP same-port passthrough
 *   (`buildRegionalNetworkForwardingRule`): protocol, TLS ports and certificate are ignored. Only a
 *   pinned REGIONAL load balancer terminates TLS with the origin certificate and speaks HTTP.
 * - TLS: a TLS port needs a certificate id or passthrough, never both (`buildTLSForwardingRule`).
 * - health checks (`buildHealthCheck`): by default the CCM probes the Service's healthCheckNodePort
 *   (`externalTrafficPolicy: Local`) over HTTP with PROXY protocol off; the path, port and protocol
 *   annotations are read only with `do-loadbalancer-override-health-check`, which also turns the
 *   LB's PROXY protocol on for the check (CHANGELOG v0.1.54). Interval, timeout and thresholds are
 *   honoured either way: interval 3-300 s, timeout 3-300 s, thresholds 2-10 (lb_annotations.go).
 *
 * The gateway keeps the default check: it marks a node without a ready gateway pod unhealthy, and
 * the pod's readiness is nginx's own /healthz (the kubelet's probe), so the check is effective and
 * needs no PROXY header. Setting the path annotations would only look like a check.
 */

export const DO_LB_PREFIX = "service.beta.kubernetes.io/do-loadbalancer-";
export const OVERRIDE_HEALTH_CHECK = `${DO_LB_PREFIX}override-health-check`;

/** Every annotation the CCM reads (lb_annotations.go), without the prefix. */
const KNOWN = new Set([
    "name", "protocol", "healthcheck-path", "healthcheck-port", "healthcheck-protocol", "healthcheck-check-interval-seconds",
    "healthcheck-response-timeout-seconds", "healthcheck-unhealthy-threshold", "healthcheck-healthy-threshold", "http-ports",
    "tls-ports", "http2-ports", "http3-port", "tls-passthrough", "certificate-id", "hostname", "size-slug", "size-unit",
    "sticky-sessions-type", "sticky-sessions-cookie-name", "sticky-sessions-cookie-ttl", "redirect-http-to-https",
    "disable-lets-encrypt-dns-records", "enable-proxy-protocol", "enable-backend-keepalive", "http-idle-timeout-seconds",
    "deny-rules", "allow-rules", "type", "network", "override-health-check",
]);

const PROTOCOLS = ["tcp", "http", "https", "http2", "http3"];
const TYPES = ["REGIONAL", "REGIONAL_NETWORK", "GLOBAL"];
/** Annotations that configure layer-7 forwarding, which only a REGIONAL load balancer applies. */
const LAYER7 = ["protocol", "tls-ports", "certificate-id", "http-ports", "http2-ports", "http3-port", "redirect-http-to-https", "enable-proxy-protocol"];
const HEALTH_OVERRIDDEN = ["healthcheck-path", "healthcheck-port", "healthcheck-protocol"];
const RANGES: Readonly<Record<string, readonly [number, number]>> = {
    "healthcheck-check-interval-seconds": [3, 300],
    "healthcheck-response-timeout-seconds": [3, 300],
    "healthcheck-unhealthy-threshold": [2, 10],
    "healthcheck-healthy-threshold": [2, 10],
    "size-unit": [1, 100],
};

export interface GatewayLoadBalancerOptions {
    readonly name: string;
    /** The DigitalOcean certificate id (the colour's Origin CA certificate). */
    readonly certificateId: string;
    readonly sizeUnit: number;
}

/** The gateway's annotation set: a REGIONAL HTTP load balancer ending TLS on 443, PROXY protocol to nginx, the CCM's default health check. */
export function gatewayLoadBalancerAnnotations<C>(o: Omit<GatewayLoadBalancerOptions, "certificateId"> & { certificateId: C }) {
    return {
        [`${DO_LB_PREFIX}name`]: o.name,
        [`${DO_LB_PREFIX}type`]: "REGIONAL",
        // TLS ends at the load balancer; it speaks plain HTTP to nginx inside the VPC.
        [`${DO_LB_PREFIX}protocol`]: "http",
        [`${DO_LB_PREFIX}tls-ports`]: "443",
        [`${DO_LB_PREFIX}certificate-id`]: o.certificateId,
        [`${DO_LB_PREFIX}size-unit`]: String(o.sizeUnit),
        // nginx learns the edge address from the PROXY header, not from headers anyone can send.
        [`${DO_LB_PREFIX}enable-proxy-protocol`]: "true",
        [`${DO_LB_PREFIX}healthcheck-check-interval-seconds`]: "5",
        [`${DO_LB_PREFIX}healthcheck-response-timeout-seconds`]: "3",
        [`${DO_LB_PREFIX}healthcheck-unhealthy-threshold`]: "3",
        [`${DO_LB_PREFIX}healthcheck-healthy-threshold`]: "2",
    };
}

/** Every way an annotation set would not do what it says under the CCM's rules; empty when it would. */
export function loadBalancerAnnotationProblems(annotations: Readonly<Record<string, string>>): string[] {
    const problems: string[] = [];
    const own = Object.fromEntries(Object.entries(annotations)
        .filter(([key]) => key.startsWith(DO_LB_PREFIX)).map(([key, value]) => [key.slice(DO_LB_PREFIX.length), value]));
    const has = (key: string) => own[key] !== undefined;
    for (const key of Object.keys(own).filter(key => !KNOWN.has(key))) {
        problems.push(`${DO_LB_PREFIX}${key}: not an annotation the cloud controller reads (a typo does nothing)`);
    }
    if (!TYPES.includes(own.type ?? "")) {
        problems.push(`${DO_LB_PREFIX}type: expected one of ${TYPES.join(", ")} pinned, got ${JSON.stringify(own.type)} (the controller's default is REGIONAL_NETWORK)`);
    }
    if (own.type !== "REGIONAL") {
        for (const key of LAYER7.filter(has)) {
            problems.push(`${DO_LB_PREFIX}${key}: ignored unless ${DO_LB_PREFIX}type is REGIONAL (a network load balancer forwards TCP as is)`);
        }
    }
    if (has("protocol") && !PROTOCOLS.includes(own.protocol)) {
        problems.push(`${DO_LB_PREFIX}protocol: expected one of ${PROTOCOLS.join(", ")}, got ${JSON.stringify(own.protocol)}`);
    }
    const passthrough = own["tls-passthrough"] === "true";
    if (has("tls-ports") && !has("certificate-id") && !passthrough) {
        problems.push(`${DO_LB_PREFIX}tls-ports: needs ${DO_LB_PREFIX}certificate-id (or TLS passthrough)`);
    }
    if (has("certificate-id") && passthrough) {
        problems.push(`${DO_LB_PREFIX}certificate-id: either a certificate or TLS passthrough, not both`);
    }
    if (!has("override-health-check")) {
        for (const key of HEALTH_OVERRIDDEN.filter(has)) {
            problems.push(`${DO_LB_PREFIX}${key}: ignored without ${OVERRIDE_HEALTH_CHECK}; the controller checks the health check node port`);
        }
    }
    for (const [key, [min, max]] of Object.entries(RANGES).filter(([key]) => has(key))) {
        const value = Number(own[key]);
        if (!/^\d+$/.test(own[key]) || value < min || value > max) {
            problems.push(`${DO_LB_PREFIX}${key}: expected an integer ${min}-${max}, got ${JSON.stringify(own[key])}`);
        }
    }
    if (has("size-unit") && has("size-slug")) {
        problems.push(`${DO_LB_PREFIX}size-slug: only one of size-slug and size-unit may be set`);
    }
    for (const key of ["enable-proxy-protocol", "tls-passthrough", "redirect-http-to-https"].filter(has)) {
        if (!["true", "false"].includes(own[key])) problems.push(`${DO_LB_PREFIX}${key}: expected "true" or "false", got ${JSON.stringify(own[key])}`);
    }
    return problems;
}
