import { CLOUDFLARE_IPV4_RANGES } from "../../components/cloudflareRanges";
import { PolicyInputResource } from "../../policies/harness";
import { TYPES } from "../../policies/lib/resources";
import { resource } from "./helpers";

/**
 * Minimal resources that pass every policy, one builder per kind; each violating case changes one
 * thing about one of them, so a case fails for exactly the reason it names.
 */

export const vpc = (stack = "blue") => resource(TYPES.vpc, `${stack}-vpc`, { name: `blkout-${stack}`, region: "lon1", ipRange: "10.110.0.0/20" },
    { stack, id: `5f3c2a9e-8d41-4b6f-a1c7-${stack.padEnd(12, "0")}`, protect: true });

export function postgres(network: PolicyInputResource = vpc()): PolicyInputResource {
    return resource(TYPES.databaseCluster, "blue-data-pg", {
        name: "blue-data-pg", engine: "pg", version: "16", size: "db-s-2vcpu-4gb", nodeCount: 2, region: "lon1",
        privateNetworkUuid: network.outputs?.id, maintenanceWindows: [{ day: "sunday", hour: "04:00" }],
    }, { protect: true, id: "1d6e0c4a-7b92-4f3e-a8d5-6c2b9e1f7a30", deps: { privateNetworkUuid: [network] } });
}

export function valkey(network: PolicyInputResource = vpc()): PolicyInputResource {
    return resource(TYPES.databaseCluster, "blue-data-valkey", {
        name: "blue-data-valkey", engine: "valkey", version: "8", size: "db-s-1vcpu-2gb", nodeCount: 1, region: "lon1",
        evictionPolicy: "allkeys_lru", privateNetworkUuid: network.outputs?.id, maintenanceWindows: [{ day: "sunday", hour: "04:00" }],
    }, { protect: true, id: "8a2d7f13-5c64-4e0b-b9a1-e7d3c6f2048b", deps: { privateNetworkUuid: [network] } });
}

export function firewall(cluster: PolicyInputResource, rules: unknown[] = [{ type: "k8s", value: "65a4e0b6-e3c7-1b85-516c-7aad1b9e88d2" }, { type: "tag", value: "blkout-data-client" }]) {
    return resource(TYPES.databaseFirewall, `${cluster.name}-firewall`, { clusterId: cluster.outputs?.id, rules }, { deps: { clusterId: [cluster] } });
}

export function replica(primary: PolicyInputResource, network: PolicyInputResource = vpc()): PolicyInputResource {
    return resource(TYPES.databaseReplica, "blue-data-pg-replica", {
        name: "blue-data-pg-replica", clusterId: primary.outputs?.id, region: "lon1", size: "db-s-2vcpu-4gb", privateNetworkUuid: network.outputs?.id,
    }, { protect: true, id: "4b7d1e90-2c8a-4f63-9d05-e1a3b6c7f248", deps: { clusterId: [primary], privateNetworkUuid: [network] } });
}

/** An owner colour's data plane: VPC, both clusters with firewalls, and a replica. */
export function ownerDataPlane(): PolicyInputResource[] {
    const network = vpc();
    const pg = postgres(network);
    const cache = valkey(network);
    return [network, pg, cache, firewall(pg), firewall(cache), replica(pg, network)];
}

export const bucket = (name = "blue-data-documents") => resource(TYPES.bucket, name, {
    name: `blkout-${name}`, region: "lon1", acl: "private", versioning: { enabled: true },
    lifecycleRules: [{ enabled: true, noncurrentVersionExpiration: { days: 30 } }],
}, { protect: true });

export const bucketPolicy = (statement: Record<string, unknown>) => resource(TYPES.bucketPolicy, "blue-data-documents-policy", {
    bucket: "blkout-blue-documents", region: "lon1",
    policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
});

export const PRIVATE_STATEMENT = { Effect: "Allow", Principal: { AWS: ["arn:aws:iam::1893142:user/blkout-backup"] }, Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::blkout-blue-documents/*"] };

export function kubernetesCluster(network: PolicyInputResource = vpc()): PolicyInputResource {
    return resource(TYPES.kubernetesCluster, "blue-cluster-cluster", {
        name: "blkout-blue", region: "lon1", version: "1.33.1-do.3", vpcUuid: network.outputs?.id, ha: true, autoUpgrade: true, surgeUpgrade: true,
        destroyAllAssociatedResources: false, maintenancePolicy: { day: "sunday", startTime: "03:00" },
        nodePool: { name: "blue-workers", size: "s-4vcpu-8gb", autoScale: true, minNodes: 2, maxNodes: 10, tags: ["blkout-data-client"] },
    }, { id: "65a4e0b6-e3c7-1b85-516c-7aad1b9e88d2", deps: { vpcUuid: [network] } });
}

const LABELS = { "app.kubernetes.io/name": "ivor", "app.kubernetes.io/part-of": "blkout-platform" };

/** A Deployment meeting Pod Security "restricted" and the platform's workload rules. */
export function deployment(name = "blue-ivor-deployment", labels: Record<string, string> = LABELS): PolicyInputResource {
    return resource(TYPES.deployment, name, {
        apiVersion: "apps/v1", kind: "Deployment",
        metadata: { name, namespace: "blkout", labels },
        spec: {
            replicas: 2,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [{
                        name: "ivor",
                        image: "registry.digitalocean.com/blkout/ivor:2026.11.2",
                        ports: [{ name: "http", containerPort: 3000 }],
                        resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
                        readinessProbe: { httpGet: { path: "/health", port: 3000 }, periodSeconds: 5 },
                        livenessProbe: { httpGet: { path: "/health", port: 3000 }, periodSeconds: 10 },
                        securityContext: {
                            runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false,
                            capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
                        },
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    }],
                    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
                },
            },
        },
    });
}

export const pdb = (labels: Record<string, string> = LABELS, spec: Record<string, unknown> = { maxUnavailable: 1 }) =>
    resource(TYPES.podDisruptionBudget, "blue-ivor-pdb", { metadata: { name: "blue-ivor", namespace: "blkout" }, spec: { ...spec, selector: { matchLabels: labels } } });

export const networkPolicy = (podSelector: Record<string, unknown> = { matchLabels: LABELS }) => resource(TYPES.networkPolicy, "blue-ivor-netpol", {
    metadata: { name: "blue-ivor", namespace: "blkout" },
    spec: { podSelector, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "gateway" } } }] }] },
});

export const hpa = (minReplicas: unknown = 2, maxReplicas: unknown = 10) => resource(TYPES.hpa, "blue-ivor-hpa", {
    metadata: { name: "blue-ivor", namespace: "blkout" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "blue-ivor" }, minReplicas, maxReplicas },
});

export const clusterIpService = () => resource(TYPES.service, "blue-ivor-service", {
    metadata: { name: "blue-ivor", namespace: "blkout", labels: LABELS },
    spec: { type: "ClusterIP", selector: LABELS, ports: [{ port: 80, targetPort: 3000 }] },
});

export const gatewayService = (sourceRanges: unknown[] = [...CLOUDFLARE_IPV4_RANGES]) => resource(TYPES.service, "blue-gateway-service", {
    metadata: {
        name: "blue-gateway", namespace: "blkout", labels: { "app.kubernetes.io/name": "gateway", "app.kubernetes.io/component": "gateway" },
        annotations: {
            "service.beta.kubernetes.io/do-loadbalancer-protocol": "http",
            "service.beta.kubernetes.io/do-loadbalancer-tls-ports": "443",
            "service.beta.kubernetes.io/do-loadbalancer-certificate-id": "5b1c0e7e-origin-ca-blue",
        },
    },
    spec: { type: "LoadBalancer", selector: { "app.kubernetes.io/name": "gateway" }, ports: [{ port: 443, targetPort: 8080 }], loadBalancerSourceRanges: sourceRanges },
});
