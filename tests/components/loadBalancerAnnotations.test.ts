import { DO_LB_PREFIX, gatewayLoadBalancerAnnotations, loadBalancerAnnotationProblems, OVERRIDE_HEALTH_CHECK } from "../../components/loadBalancerAnnotations";

/**
 * The gateway's load balancer annotations against the DigitalOcean cloud controller manager's rules
 * (digitalocean/digitalocean-cloud-controller-manager: cloud-controller-manager/do/lb_annotations.go,
 * do/loadbalancers.go buildHealthCheck / buildTLSForwardingRule / buildRegionalNetworkForwardingRule,
 * docs/controllers/services/annotations.md). Each rule gets a set that breaks it.
 */

const key = (name: string) => `${DO_LB_PREFIX}${name}`;
const gateway: Record<string, string> = gatewayLoadBalancerAnnotations({ name: "blue-gateway", certificateId: "5b1c0e7e", sizeUnit: 1 });
const without = (name: string) => Object.fromEntries(Object.entries(gateway).filter(([k]) => k !== key(name)));

describe("the gateway's DigitalOcean load balancer annotations", () => {
    it("obey every rule the cloud controller applies", () => {
        expect(loadBalancerAnnotationProblems(gateway)).toEqual([]);
    });

    it("pin a REGIONAL load balancer ending TLS on 443 with the certificate and sending PROXY protocol", () => {
        expect(gateway).toMatchObject({
            [key("type")]: "REGIONAL", [key("protocol")]: "http", [key("tls-ports")]: "443",
            [key("certificate-id")]: "5b1c0e7e", [key("enable-proxy-protocol")]: "true",
        });
    });

    it("leave the health check to the controller's default (the health check node port) and tune only what it honours", () => {
        expect(Object.keys(gateway).filter(k => /healthcheck-(path|port|protocol)$/.test(k) || k === OVERRIDE_HEALTH_CHECK)).toEqual([]);
        expect(gateway[key("healthcheck-check-interval-seconds")]).toBe("5");
    });
});

describe("loadBalancerAnnotationProblems", () => {
    it.each([
        ["no pinned type (the controller's default is a network load balancer)", without("type"),
            /type: expected one of REGIONAL, REGIONAL_NETWORK, GLOBAL pinned, got undefined/],
        ["TLS annotations on a network load balancer", { ...gateway, [key("type")]: "REGIONAL_NETWORK" },
            /tls-ports: ignored unless .*type is REGIONAL/],
        ["a TLS port without a certificate", without("certificate-id"), /tls-ports: needs .*certificate-id/],
        ["a certificate and passthrough", { ...gateway, [key("tls-passthrough")]: "true" }, /either a certificate or TLS passthrough/],
        ["a health path without the override", { ...gateway, [key("healthcheck-path")]: "/healthz" }, /healthcheck-path: ignored without .*override-health-check/],
        ["an interval out of range", { ...gateway, [key("healthcheck-check-interval-seconds")]: "1" }, /interval-seconds: expected an integer 3-300, got "1"/],
        ["a threshold out of range", { ...gateway, [key("healthcheck-healthy-threshold")]: "11" }, /healthy-threshold: expected an integer 2-10/],
        ["size slug and size unit", { ...gateway, [key("size-slug")]: "lb-small" }, /only one of size-slug and size-unit/],
        ["a misspelt annotation", { ...gateway, [key("enable-proxy-protcol")]: "true" }, /enable-proxy-protcol: not an annotation the cloud controller reads/],
        ["an unknown protocol", { ...gateway, [key("protocol")]: "https2" }, /protocol: expected one of tcp, http, https, http2, http3/],
        ["a boolean that is not one", { ...gateway, [key("enable-proxy-protocol")]: "yes" }, /enable-proxy-protocol: expected "true" or "false"/],
    ])("names %s", (_what, annotations, pattern) => {
        const problems = loadBalancerAnnotationProblems(annotations as Record<string, string>);
        expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
    });

    it("accepts health path annotations once the override is set", () => {
        expect(loadBalancerAnnotationProblems({ ...gateway, [key("healthcheck-path")]: "/healthz", [OVERRIDE_HEALTH_CHECK]: "" })).toEqual([]);
    });
});
