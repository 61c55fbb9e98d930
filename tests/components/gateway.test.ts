import { metricsIngressRule } from "../../components/gatewayMetrics";
import { createHash } from "crypto";
import { CLOUDFLARE_RANGES } from "../../components/cloudflareRanges";
import { Gateway, GATEWAY_IMAGE, LOAD_BALANCER_ID_ANNOTATION } from "../../components/gateway";
import { loadBalancerAnnotationProblems } from "../../components/loadBalancerAnnotations";
import { GATEWAY_SELECTOR, InvalidArgsError } from "../../components/platformNames";
import { evaluateTest, named, ofType, RecordedResource } from "../support/pulumi";
import { colourWorkloads, gatewayArgs, registrationsOnFailure, testProvider, uniqueName } from "../support/workloadFixtures";

async function evaluateColour(overrides: Parameters<typeof gatewayArgs>[2]) {
    const prefix = uniqueName("gw");
    const evaluation = await evaluateTest(() => {
        const { apis, gateway } = colourWorkloads(prefix);
        const custom = new Gateway(`${prefix}-custom`, gatewayArgs(testProvider(`${prefix}-custom`), apis, overrides));
        return { origin: gateway.originAddress, loadBalancerId: gateway.loadBalancerId, healthPath: gateway.healthPath, customConfig: custom.config };
    });
    const child = (kind: string, suffix = "gateway") => named(evaluation.resources, `${prefix}-${suffix}-${kind}`);
    return { prefix, ...evaluation, child };
}

/** One colour evaluated once: the default gateway, and a custom one with other limits and scaling. */
let colour: Awaited<ReturnType<typeof evaluateColour>>;
beforeAll(async () => {
    colour = await evaluateColour({ limits: { rateLimitPerMinute: 30 }, scaling: { minReplicas: 3, maxReplicas: 7 } });
});

const podSpec = (deployment: RecordedResource) => deployment.inputs.spec.template.spec;
const container = (deployment: RecordedResource) => podSpec(deployment).containers[0];

describe("Gateway", () => {
    it("registers every child under the component with the caller's provider", () => {
        const { resources, prefix } = colour;
        const component = named(resources, `${prefix}-gateway`);
        expect(component.type).toBe("blkout:platform:Gateway");
        const children = resources.filter(r => r.parent === component.urn);
        expect(children.map(r => r.type).sort()).toEqual([
            "kubernetes:apps/v1:Deployment", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:core/v1:ConfigMap",
            // The metrics sidecar's program and headless Service (#8).
            "kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Service",
            "kubernetes:core/v1:Service", "kubernetes:networking.k8s.io/v1:NetworkPolicy", "kubernetes:policy/v1:PodDisruptionBudget",
        ]);
        expect(new Set(children.map(r => r.provider.split("::")[3]))).toEqual(new Set([`${prefix}-k8s`]));
        expect(children.every(r => r.inputs.metadata.namespace === "blkout-blue")).toBe(true);
    });

    it("runs the pinned unprivileged nginx under Pod Security restricted", () => {
        const { child } = colour;
        const deployment = child("deployment");
        expect(container(deployment).image).toBe(GATEWAY_IMAGE);
        expect(GATEWAY_IMAGE).toMatch(/^nginxinc\/nginx-unprivileged:\d+\.\d+\.\d+-alpine$/);
        expect(podSpec(deployment)).toMatchObject({
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 101, seccompProfile: { type: "RuntimeDefault" } },
        });
        expect(container(deployment).securityContext).toEqual({
            runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false,
            capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
        });
        expect(container(deployment).volumeMounts).toEqual([
            { name: "config", mountPath: "/etc/nginx/blkout", readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
            { name: "metrics-log", mountPath: "/var/log/gateway" },
        ]);
        expect(podSpec(deployment).volumes[1]).toMatchObject({ name: "tmp", emptyDir: {} });
    });

    it("probes /healthz, sets requests and limits, spreads over nodes and rolls without losing capacity", () => {
        const { child } = colour;
        const deployment = child("deployment");
        // The kubelet sends no PROXY header: it probes nginx's plain-HTTP probe port.
        const probe = { httpGet: { path: "/healthz", port: 8081 } };
        expect(container(deployment)).toMatchObject({ readinessProbe: probe, livenessProbe: probe });
        expect(container(deployment).ports).toEqual([
            { name: "http", containerPort: 8080, protocol: "TCP" }, { name: "probe", containerPort: 8081, protocol: "TCP" },
        ]);
        expect(container(deployment).resources).toEqual({ requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } });
        expect(podSpec(deployment).topologySpreadConstraints).toEqual([{
            maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: GATEWAY_SELECTOR },
        }]);
        expect(deployment.inputs.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        expect(deployment.ignoreChanges).toEqual(["spec.replicas"]);
    });

    it("mounts the rendered config, upstreams resolved from the APIs, and rolls pods by its hash", () => {
        const { child, prefix } = colour;
        const config: string = child("config").inputs.data["nginx.conf"];
        const clientPolicy: string = child("config").inputs.data["client-policy.conf"];
        expect(config).toContain("include /etc/nginx/blkout/client-policy.conf;");
        expect(config).toContain(`server ${prefix}-ivor.blkout-blue.svc.cluster.local:8080;`);
        expect(config).toContain('add_header X-Blkout-Colour "blue" always;');
        // Only the VPC (the load balancer) may send a PROXY header; Cloudflare's ranges vouch for CF-Connecting-IP.
        expect([...clientPolicy.matchAll(/set_real_ip_from (\S+);/g)].map(m => m[1])).toEqual(["10.20.0.0/16"]);
        expect(clientPolicy).toContain(`    ${CLOUDFLARE_RANGES[0]} 1;`);
        expect(config).toContain("listen 8080 proxy_protocol;");
        expect(config).toContain("listen 8081;");
        expect(config).toMatch(/map \$host \$host_allowed \{\n\s+default 0;\n\s+blkoutuk\.com 1;\n\s+blue\.blkoutuk\.com 1;\n/);
        const annotation = child("deployment").inputs.spec.template.metadata.annotations["blkout.org/config-hash"];
        expect(annotation).toBe(createHash("sha256").update(config + clientPolicy).digest("hex"));
    });

    it("changes the config hash when the config changes", () => {
        const { outputs, child } = colour;
        // 30 a minute per client over 3 pods: each pod holds 10.
        expect(child("config", "custom").inputs.data["client-policy.conf"]).toContain("zone=per_client:10m rate=10r/m;");
        expect(outputs.customConfig.value).not.toBe(child("config").inputs.data["nginx.conf"]);
        expect(child("deployment", "custom").inputs.spec.template.metadata.annotations["blkout.org/config-hash"])
            .not.toBe(child("deployment").inputs.spec.template.metadata.annotations["blkout.org/config-hash"]);
    });

    it("exposes a DigitalOcean load balancer that only Cloudflare can reach, over TLS on 443, health-checked on /healthz", () => {
        const { child, outputs } = colour;
        const service = child("service");
        expect(service.inputs.spec).toMatchObject({
            type: "LoadBalancer", selector: GATEWAY_SELECTOR, externalTrafficPolicy: "Local",
            ports: [{ name: "https", port: 443, targetPort: 8080, protocol: "TCP" }],
        });
        expect(service.inputs.spec.loadBalancerSourceRanges).toEqual([...CLOUDFLARE_RANGES]);
        expect(service.inputs.metadata.annotations).toMatchObject({
            // Pinned: the controller's default type forwards TCP as is and ignores the TLS annotations.
            "service.beta.kubernetes.io/do-loadbalancer-type": "REGIONAL",
            // Cloudflare's "Full (strict)" mode reaches the origin over HTTPS only: TLS ends here.
            "service.beta.kubernetes.io/do-loadbalancer-protocol": "http",
            "service.beta.kubernetes.io/do-loadbalancer-tls-ports": "443",
            "service.beta.kubernetes.io/do-loadbalancer-certificate-id": "5b1c0e7e-origin-ca-blue",
            "service.beta.kubernetes.io/do-loadbalancer-enable-proxy-protocol": "true",
        });
        expect(loadBalancerAnnotationProblems(service.inputs.metadata.annotations)).toEqual([]);
        // Without the override annotation these would be ignored: the default check is the effective one.
        expect(Object.keys(service.inputs.metadata.annotations).filter(key => /healthcheck-(path|protocol|port)$|override-health-check/.test(key))).toEqual([]);
        expect(outputs.origin).toEqual({ value: service.state.status.loadBalancer.ingress[0].ip, secret: false });
        expect(outputs.origin.value).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(outputs.healthPath.value).toBe("/healthz");
    });

    it("reads its load balancer's id from the annotation DigitalOcean's cloud controller writes", () => {
        const { child, outputs } = colour;
        const state = child("service").state.metadata.annotations;
        expect(outputs.loadBalancerId).toEqual({ value: state[LOAD_BALANCER_ID_ANNOTATION], secret: false });
        expect(outputs.loadBalancerId.value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        // The controller adds its annotation; the ones the gateway set are still there.
        expect(state).toMatchObject(child("service").inputs.metadata.annotations);
        expect(child("service").inputs.metadata.annotations[LOAD_BALANCER_ID_ANNOTATION]).toBeUndefined();
        // Only a LoadBalancer Service gets one: an API's ClusterIP Service has no load balancer.
        expect(child("service", "ivor").state.metadata?.annotations?.[LOAD_BALANCER_ID_ANNOTATION]).toBeUndefined();
    });

    it("scales on CPU between the given bounds and keeps all but one pod through disruptions", () => {
        const { child } = colour;
        expect(child("hpa", "custom").inputs.spec).toEqual({
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: child("deployment", "custom").inputs.metadata.name },
            minReplicas: 3, maxReplicas: 7,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
        });
        expect(child("hpa").inputs.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
        expect(child("deployment", "custom").inputs.spec.replicas).toBe(3);
        expect(child("pdb").inputs.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: GATEWAY_SELECTOR } });
    });

    it("refuses a public or pod-wide peer range for the PROXY header", async () => {
        const { error } = await registrationsOnFailure(() => {
            const prefix = uniqueName("gwpeer");
            new Gateway(`${prefix}-gateway`, gatewayArgs(testProvider(prefix), {}, { loadBalancerPeerRanges: ["0.0.0.0/0", "10.20.0.7"] }));
        });
        expect((error as InvalidArgsError).problems).toEqual([
            'loadBalancerPeerRanges[0]: expected a private IPv4 CIDR (the VPC), got "0.0.0.0/0"',
            'loadBalancerPeerRanges[1]: expected a private IPv4 CIDR (the VPC), got "10.20.0.7"',
        ]);
    });

    it("admits traffic on 8080 and lets the gateway reach only the API pods and DNS", () => {
        const { child } = colour;
        expect(child("netpol").inputs.spec).toEqual({
            podSelector: { matchLabels: GATEWAY_SELECTOR },
            policyTypes: ["Ingress", "Egress"],
            // Only the load balancer's path (the VPC range) reaches the PROXY port: no pod can claim an
            // address; the metrics sidecar's port admits Prometheus only.
            ingress: [{ from: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ protocol: "TCP", port: 8080 }] }, metricsIngressRule()],
            egress: [
                {
                    to: [{ podSelector: { matchLabels: { "app.kubernetes.io/component": "api", "app.kubernetes.io/part-of": "blkout-platform" } } }],
                    ports: [{ protocol: "TCP", port: 8080 }],
                },
                {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
                },
            ],
        });
    });

    it("refuses bad args with every problem named, before registering anything", async () => {
        const prefix = uniqueName("gwbad");
        const { error, resources } = await registrationsOnFailure(() => {
            const provider = testProvider(prefix);
            new Gateway(`${prefix}-gateway`, gatewayArgs(provider, {}, {
                image: "nginxinc/nginx-unprivileged:latest",
                loadBalancerPeerRanges: [],
                domain: "Not A Domain",
                routes: [{ prefix: "/api/chat", api: "chat" }],
                scaling: { minReplicas: 4, maxReplicas: 2 },
            }));
        });
        expect(error).toBeInstanceOf(InvalidArgsError);
        expect((error as InvalidArgsError).problems).toEqual([
            'routes[0].api: unknown API "chat" (upstreams has ivor, events, newsroom)',
            "loadBalancerPeerRanges: expected the VPC CIDR the load balancer connects from, got none",
            'domain: expected a lower-case domain like "blkoutuk.com", got "Not A Domain"',
            'image: expected an image pinned by tag or digest (not "latest", not untagged), got "nginxinc/nginx-unprivileged:latest"',
            "scaling.maxReplicas: expected an integer from minReplicas (4) to 100, got 2",
        ]);
        expect(ofType(resources, "blkout:platform:Gateway")).toEqual([]);
        expect(resources.filter(r => r.type.startsWith("kubernetes:"))).toEqual([]);
    });
});
