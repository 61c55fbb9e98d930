import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isCidrOrAddress, isPrivateCidr } from "./cidr";
import { CLOUDFLARE_RANGES } from "./cloudflareRanges";
import { backstopShare } from "./gatewayRateLimit";
import {
    ContainerResources, createScalingAndBudget, DNS_EGRESS, httpProbes, imageProblem, resolveScaling, restrictedContainerSecurity,
    restrictedPodSecurity, ScalingArgs, scalingProblems, spreadOverNodes, ZERO_DOWNTIME_STRATEGY,
} from "./k8sWorkload";
import { gatewayLoadBalancerAnnotations, loadBalancerAnnotationProblems } from "./loadBalancerAnnotations";
import { createGatewayMetrics, METRICS_LOG_MOUNT, metricsIngressRule, metricsSidecar, metricsVolumes } from "./gatewayMetrics";
import { METRICS_LOG_FILE } from "./metricsLog";
import { MONITOR_AUTH_DIR } from "./monitorAuth";
import { monitorAuthSecret } from "./monitorAuthSecret";
import { DEFAULT_GATEWAY_ROUTES, GatewayRenderOptions, GatewayRoute, renderClientPolicy, renderNginxConfig, validateGatewayOptions } from "./nginxConfig";
import { API_COMPONENT, assertNoProblems, GATEWAY_HEALTH_PATH, GATEWAY_SELECTOR, LABELS, PART_OF } from "./platformNames";

export const GATEWAY_IMAGE = "nginxinc/nginx-unprivileged:1.27.3-alpine";
/** The uid the unprivileged nginx image runs as. */
const NGINX_UID = 101;
/** Where the load balancer's PROXY-protocol connections arrive. */
const CONTAINER_PORT = 8080;
/** Plain HTTP for the kubelet's probes, which send no PROXY header. */
const PROBE_PORT = 8081;
const CONFIG_DIR = "/etc/nginx/blkout";
/** The ConfigMap key (and file) holding who may claim an address and the per-client limits; policies read it. */
export const CLIENT_POLICY_KEY = "client-policy.conf";
/** DigitalOcean's cloud controller writes the id of the load balancer it made for a Service here. */
export const LOAD_BALANCER_ID_ANNOTATION = "kubernetes.digitalocean.com/load-balancer-id";

/** One API behind the gateway: its Service host (an ApiService's `serviceHost`) and port. */
export interface GatewayUpstream {
    readonly host: pulumi.Input<string>;
    readonly port: number;
}

export interface GatewayArgs {
    readonly provider: k8s.Provider;
    readonly namespace: pulumi.Input<string>;
    readonly colour: string;
    readonly release: string;
    /** API name -> where it listens. */
    readonly upstreams: Readonly<Record<string, GatewayUpstream>>;
    /**
     * Where the load balancer's connections come from: the VPC CIDR (the LB sits in the VPC), never
     * the pod subnet, so no pod can send a PROXY header that nginx believes. The LB's PROXY header
     * names the Cloudflare edge that connected; only then is `CF-Connecting-IP` believed.
     */
    readonly loadBalancerPeerRanges: readonly string[];
    /** The zone's domain: the gateway answers Host `<domain>` and the preview hostname `<colour>.<domain>`. @default none (required) */
    readonly domain: string;
    /**
     * The DigitalOcean certificate (the colour's Cloudflare Origin CA certificate) the load balancer
     * terminates TLS with. The zone runs SSL "Full (strict)", so Cloudflare reaches the origin over
     * HTTPS on 443 only and checks this certificate. @default none (required)
     */
    readonly tlsCertificateId: pulumi.Input<string>;
    /** @default DEFAULT_GATEWAY_ROUTES */
    readonly routes?: readonly GatewayRoute[];
    /** @default GATEWAY_IMAGE */
    readonly image?: string;
    /** @default { minReplicas: 2, maxReplicas: 10, cpuTargetPercent: 70 } */
    readonly scaling?: ScalingArgs;
    /** @default { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } } */
    readonly resources?: ContainerResources;
    /**
     * Per-client limit (requests a minute per IPv4 address or IPv6 /64, across every gateway pod),
     * body size and timeouts. Each pod holds `ceil(limit / minReplicas)`: the edge is the authority,
     * the gateway a backstop (components/gatewayRateLimit.ts). @default the config's defaults
     */
    readonly limits?: Pick<GatewayRenderOptions, "rateLimitPerMinute" | "rateLimitBurst" | "maxBodyBytes" | "timeouts">;
    /** DigitalOcean LB size units. @default 1 */
    readonly loadBalancerSizeUnit?: number;
    /** Cloudflare monitors' token (secret) and the Host they must send (components/monitorAuth.ts). @default none: no monitor path */
    readonly monitorAuth?: { readonly token: pulumi.Input<string>; readonly hostname: string };
}

const DEFAULT_RESOURCES: ContainerResources = {
    requests: { cpu: "100m", memory: "64Mi" },
    limits: { cpu: "500m", memory: "128Mi" },
};

/** The nginx API gateway of one colour: config, pods, a Cloudflare-only load balancer, scaling and policy. */
export class Gateway extends pulumi.ComponentResource {
    readonly service: k8s.core.v1.Service;
    /** The load balancer's public IP: the origin Cloudflare sends this colour's traffic to. */
    readonly originAddress: pulumi.Output<string>;
    /** The DigitalOcean load balancer's id, which monitoring alerts name as their entity. */
    readonly loadBalancerId: pulumi.Output<string>;
    readonly healthPath: string = GATEWAY_HEALTH_PATH;
    /** The rendered nginx.conf. */
    readonly config: pulumi.Output<string>;

    constructor(name: string, args: GatewayArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const scaling = resolveScaling(args.scaling);
        assertNoProblems(`Gateway "${name}" args`, gatewayProblems(args, scaling));
        super("blkout:platform:Gateway", name, {}, opts);
        const childOpts = { parent: this, provider: args.provider };
        const labels = { ...GATEWAY_SELECTOR, [LABELS.component]: "gateway", [LABELS.colour]: args.colour, [LABELS.version]: args.release };

        this.config = renderConfig(args, scaling.minReplicas);
        // Depends on no other resource, so it is known at preview, where the policy pack checks it.
        const clientPolicy = renderClientPolicy(toRenderOptions(args, () => "placeholder.invalid", scaling.minReplicas));
        const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, {
            metadata: { name: `${name}-config`, namespace: args.namespace, labels },
            data: { "nginx.conf": this.config, [CLIENT_POLICY_KEY]: clientPolicy },
        }, childOpts);
        const monitorAuth = args.monitorAuth && monitorAuthSecret(`${name}-monitor-auth`, args.namespace, labels, args.monitorAuth.token, childOpts);
        const metrics = createGatewayMetrics(name, {
            namespace: args.namespace, colour: args.colour, release: args.release, routes: args.routes ?? DEFAULT_GATEWAY_ROUTES, selector: GATEWAY_SELECTOR,
        }, labels, childOpts);
        const deployment = createDeployment(name, args, labels, configMap, pulumi.concat(this.config, clientPolicy), scaling, childOpts,
            { metricsProgram: metrics.configMap, monitorAuth });
        createScalingAndBudget(name, { namespace: args.namespace, deploymentName: deployment.metadata.name, labels, selector: GATEWAY_SELECTOR, scaling }, childOpts);
        createNetworkPolicy(name, args, labels, childOpts);
        this.service = createLoadBalancer(name, args, labels, childOpts);
        this.originAddress = this.service.status.apply(status => status?.loadBalancer?.ingress?.[0]?.ip ?? "");
        this.loadBalancerId = pulumi.all([this.service.metadata.name, this.service.metadata.annotations]).apply(([service, annotations]) =>
            loadBalancerIdOf(service, annotations));
        this.registerOutputs({ service: this.service, originAddress: this.originAddress, loadBalancerId: this.loadBalancerId, healthPath: this.healthPath });
    }
}

/**
 * The controller annotates the Service when it creates the load balancer, before the Service reports
 * an address; a missing id means something else owns the LB, and an alert on "" would watch nothing.
 */
function loadBalancerIdOf(service: string, annotations: Record<string, string> | undefined): string {
    const id = annotations?.[LOAD_BALANCER_ID_ANNOTATION];
    if (!id) {
        throw new Error(`Service ${service} has no ${LOAD_BALANCER_ID_ANNOTATION} annotation: DigitalOcean's cloud controller did not report its load balancer`);
    }
    return id;
}

/** Every problem with the args; the nginx options are checked with placeholder hosts (the real ones may be Outputs). */
export function gatewayProblems(args: GatewayArgs, scaling = resolveScaling(args.scaling)): string[] {
    const renderable = toRenderOptions(args, () => "placeholder.invalid", scaling.minReplicas);
    const problems = validateGatewayOptions(renderable)
        .filter(p => !/^(trustedProxyRanges|loadBalancerRanges|allowedHosts|corsOrigins)/.test(p));
    (args.loadBalancerPeerRanges ?? []).forEach((range, i) => {
        if (!isCidrOrAddress(range) || !range.includes("/") || !isPrivateCidr(range)) {
            problems.push(`loadBalancerPeerRanges[${i}]: expected a private IPv4 CIDR (the VPC), got ${JSON.stringify(range)}`);
        }
    });
    if (!args.loadBalancerPeerRanges?.length) {
        problems.push("loadBalancerPeerRanges: expected the VPC CIDR the load balancer connects from, got none");
    }
    if (typeof args.domain !== "string" || !/^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))+$/.test(args.domain)) {
        problems.push(`domain: expected a lower-case domain like "blkoutuk.com", got ${JSON.stringify(args.domain)}`);
    }
    const image = imageProblem("image", args.image ?? GATEWAY_IMAGE);
    const unit = args.loadBalancerSizeUnit ?? 1;
    if (!Number.isInteger(unit) || unit < 1 || unit > 100) {
        problems.push(`loadBalancerSizeUnit: expected an integer 1-100, got ${JSON.stringify(unit)}`);
    } else {
        problems.push(...loadBalancerAnnotationProblems(gatewayLoadBalancerAnnotations({ name: "gateway", certificateId: "certificate", sizeUnit: unit })));
    }
    return [...problems, ...(image ? [image] : []), ...scalingProblems("scaling", scaling)];
}

/** The zone's hostname and the colour's preview hostname (components/previewHostname.ts names it `<colour>.<domain>`). */
export function gatewayHostnames(domain: string, colour: string): string[] {
    return [domain, `${colour}.${domain}`];
}

function toRenderOptions(args: GatewayArgs, hostOf: (api: string) => string, replicas: number): GatewayRenderOptions {
    const share = backstopShare({ perMinute: args.limits?.rateLimitPerMinute ?? 100, burst: args.limits?.rateLimitBurst ?? 20 }, replicas);
    return {
        ...args.limits,
        rateLimitPerMinute: share.perMinute,
        rateLimitBurst: share.burst,
        upstreams: Object.fromEntries(Object.entries(args.upstreams ?? {}).map(([api, u]) => [api, { host: hostOf(api), port: u.port }])),
        routes: args.routes,
        listenPort: CONTAINER_PORT,
        probePort: PROBE_PORT,
        colour: args.colour,
        release: args.release,
        clientPolicyFile: `${CONFIG_DIR}/${CLIENT_POLICY_KEY}`,
        proxyProtocol: true,
        loadBalancerRanges: args.loadBalancerPeerRanges ?? [],
        trustedProxyRanges: CLOUDFLARE_RANGES,
        allowedHosts: gatewayHostnames(args.domain, args.colour),
        ...(args.monitorAuth ? { monitorAuth: { hostname: args.monitorAuth.hostname } } : {}),
        metricsLogPath: METRICS_LOG_FILE,
    };
}

function renderConfig(args: GatewayArgs, replicas: number): pulumi.Output<string> {
    const apis = Object.keys(args.upstreams);
    return pulumi.all(apis.map(api => args.upstreams[api].host)).apply(hosts =>
        renderNginxConfig(toRenderOptions(args, api => hosts[apis.indexOf(api)], replicas)));
}

function createDeployment(name: string, args: GatewayArgs, labels: Record<string, string>, configMap: k8s.core.v1.ConfigMap,
    config: pulumi.Output<string>, scaling: ReturnType<typeof resolveScaling>, opts: pulumi.CustomResourceOptions,
    mounted: { readonly metricsProgram: k8s.core.v1.ConfigMap; readonly monitorAuth?: k8s.core.v1.Secret }) {
    const { metricsProgram, monitorAuth } = mounted;
    return new k8s.apps.v1.Deployment(`${name}-deployment`, {
        metadata: { name, namespace: args.namespace, labels },
        spec: {
            // The HPA owns the count after creation; ignoreChanges keeps `pulumi up` from resetting it.
            replicas: scaling.minReplicas,
            selector: { matchLabels: GATEWAY_SELECTOR },
            strategy: ZERO_DOWNTIME_STRATEGY,
            template: {
                metadata: {
                    labels,
                    // The ConfigMap updates in place; a new hash in the template is what rolls the pods.
                    annotations: { "blkout.org/config-hash": config.apply(text => createHash("sha256").update(text).digest("hex")) },
                },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: restrictedPodSecurity(NGINX_UID),
                    topologySpreadConstraints: spreadOverNodes(GATEWAY_SELECTOR),
                    containers: [{
                        name: "nginx",
                        image: args.image ?? GATEWAY_IMAGE,
                        // Bypasses the image's entrypoint scripts, which write into the read-only root.
                        command: ["nginx", "-c", `${CONFIG_DIR}/nginx.conf`, "-g", "daemon off;"],
                        ports: [
                            { name: "http", containerPort: CONTAINER_PORT, protocol: "TCP" },
                            { name: "probe", containerPort: PROBE_PORT, protocol: "TCP" },
                        ],
                        resources: args.resources ?? DEFAULT_RESOURCES,
                        securityContext: restrictedContainerSecurity(),
                        ...httpProbes(GATEWAY_HEALTH_PATH, PROBE_PORT),
                        volumeMounts: [
                            { name: "config", mountPath: CONFIG_DIR, readOnly: true },
                            { name: "tmp", mountPath: "/tmp" },
                            ...(monitorAuth ? [{ name: "monitor-auth", mountPath: MONITOR_AUTH_DIR, readOnly: true }] : []),
                            METRICS_LOG_MOUNT,
                        ],
                    }, metricsSidecar()],
                    volumes: [
                        { name: "config", configMap: { name: configMap.metadata.name } },
                        { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                        ...(monitorAuth ? [{ name: "monitor-auth", secret: { secretName: monitorAuth.metadata.name } }] : []),
                        ...metricsVolumes(metricsProgram.metadata.name),
                    ],
                },
            },
        },
    }, { ...opts, ignoreChanges: ["spec.replicas"] });
}

function createNetworkPolicy(name: string, args: GatewayArgs, labels: Record<string, string>, opts: pulumi.CustomResourceOptions) {
    const apiPorts = [...new Set(Object.values(args.upstreams).map(u => u.port))];
    return new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, {
        metadata: { name, namespace: args.namespace, labels },
        spec: {
            podSelector: { matchLabels: GATEWAY_SELECTOR },
            policyTypes: ["Ingress", "Egress"],
            ingress: gatewayIngressRules(args.loadBalancerPeerRanges),
            egress: [
                {
                    to: [{ podSelector: { matchLabels: { [LABELS.component]: API_COMPONENT, [LABELS.partOf]: PART_OF } } }],
                    ports: apiPorts.map(port => ({ protocol: "TCP", port })),
                },
                DNS_EGRESS,
            ],
        },
    }, opts);
}

/**
 * Who may open a connection to nginx: the load balancer's path (the VPC range) on the PROXY port
 * only. Pods have addresses from the pod subnet, outside it, so none can reach the port and claim an
 * address. The kubelet's probes come from the node itself, which NetworkPolicy always admits.
 * Prometheus' rule for the `metrics` port belongs here too (#8's sidecar).
 */
export function gatewayIngressRules(loadBalancerRanges: readonly string[]): k8s.types.input.networking.v1.NetworkPolicyIngressRule[] {
    return [{
        from: loadBalancerRanges.map(cidr => ({ ipBlock: { cidr } })),
        ports: [{ protocol: "TCP", port: CONTAINER_PORT }],
    }, metricsIngressRule()];
}

function createLoadBalancer(name: string, args: GatewayArgs, labels: Record<string, string>, opts: pulumi.CustomResourceOptions) {
    return new k8s.core.v1.Service(`${name}-service`, {
        metadata: {
            name,
            namespace: args.namespace,
            labels,
            annotations: gatewayLoadBalancerAnnotations({ name, certificateId: args.tlsCertificateId, sizeUnit: args.loadBalancerSizeUnit ?? 1 }),
        },
        spec: {
            type: "LoadBalancer",
            selector: GATEWAY_SELECTOR,
            ports: [{ name: "https", port: 443, targetPort: CONTAINER_PORT, protocol: "TCP" }],
            // Only Cloudflare reaches the origin, so the WAF and the weighted switch cannot be bypassed.
            loadBalancerSourceRanges: [...CLOUDFLARE_RANGES],
            // Nodes without a gateway pod fail the LB health check instead of forwarding a second hop.
            externalTrafficPolicy: "Local",
        },
    }, opts);
}
