import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ColourOutputName } from "../contracts/colourOutputs";
import { Alerts } from "../components/alerts";
import { ApiService } from "../components/apiService";
import { RFC1918_RANGES } from "../components/cidr";
import { Cluster } from "../components/cluster";
import { DATA_CLIENT_TAG, DataPlane, OwnerData, ownerStackOutputs, readOwnerData, requireStringOutput } from "../components/dataPlane";
import { DataExporters } from "../components/dataExporters";
import { Gateway } from "../components/gateway";
import { Monitoring } from "../components/monitoring";
import { ScalingArgs } from "../components/k8sWorkload";
import { Network } from "../components/network";
import { MEBIBYTE } from "../components/nginxConfig";
import { API_NAMES, ApiName, recordOf } from "../components/platformNames";
import { needsRegistryIntegration } from "../components/imageRegistry";
import { MONITOR_TOKEN_LENGTH } from "../components/monitorAuth";
import { PreviewHostname, previewHostnameFor } from "../components/previewHostname";
import { StaticSite } from "../components/staticSite";
import { ColourConfig } from "./config/colourConfig";
import { ColourSecrets } from "./config/fromPulumi";

/**
 * What the traffic stack, the switch tool and people read from a colour stack; the keys every reader
 * relies on are the contract's (contracts/colourOutputs.ts), which this type must export.
 */
export interface ColourStackOutputs extends Record<ColourOutputName, unknown>, Record<string, unknown> {
    readonly colour: string;
    readonly releaseVersion: string;
    readonly mode: string;
    readonly gatewayOrigin: pulumi.Output<string>;
    readonly healthPath: string;
    readonly previewHostname: string;
    /** Secret: the token Cloudflare's monitors must send to this colour's gateway. */
    readonly monitorToken: pulumi.Output<string>;
    readonly previewUrl: string;
    readonly siteUrl: string;
    readonly dataRole: string;
    readonly vpcId: pulumi.Output<string>;
    readonly clusterId: pulumi.Output<string>;
}

/** The tag on a colour's DOKS nodes, so its node alerts watch its nodes and not the other colour's. */
export function colourNodeTag(colour: string): string {
    return `blkout-${colour}-nodes`;
}

/**
 * DigitalOcean tag on a standby colour's cluster: the policy pack reads it (a standby cluster may run
 * one node and a non-HA control plane), and it is visible on the bill. HA is never switched off by
 * the mode: "Once HA is enabled on a cluster, it can't be disabled"
 * (https://www.digitalocean.com/blog/k8s-ha-control-plane-reliability). See docs/operations.md.
 */
export const STANDBY_CLUSTER_TAG = "blkout-standby";

/** Nodes a standby colour runs: one holds every standby replica (2 per workload, requests ~2.2 vCPU / 2.2 GiB of s-4vcpu-8gb). */
export const STANDBY_NODES = 1;

/** Replica and node bounds after the colour's mode: a standby colour keeps the minimum and does not scale out. */
export interface EffectiveScaling {
    readonly nodes: { readonly minNodes: number; readonly maxNodes: number };
    readonly gateway: Required<ScalingArgs>;
    readonly apis: Readonly<Record<ApiName, Required<ScalingArgs>>>;
}

/**
 * Standby is cheap but never below two replicas: a PodDisruptionBudget needs a second pod to keep
 * serving through a node drain, and a standby colour must still answer its health checks.
 */
export function effectiveScaling(cfg: ColourConfig): EffectiveScaling {
    const standby = cfg.mode === "standby";
    const bounds = (scaled: { replicas: number; maxReplicas: number }, cpuTargetPercent: number): Required<ScalingArgs> => ({
        minReplicas: standby ? Math.min(scaled.replicas, 2) : scaled.replicas,
        maxReplicas: standby ? Math.min(scaled.replicas, 2) : scaled.maxReplicas,
        cpuTargetPercent,
    });
    return {
        nodes: standby ? { minNodes: STANDBY_NODES, maxNodes: STANDBY_NODES } : { minNodes: cfg.cluster.minNodes, maxNodes: cfg.cluster.maxNodes },
        gateway: bounds(cfg.gateway, 70),
        apis: recordOf(API_NAMES, api => bounds(cfg.apis[api], cfg.apis[api].cpuTargetPercent)),
    };
}

function createApis(cfg: ColourConfig, secrets: ColourSecrets, cluster: Cluster, data: DataPlane, scaling: EffectiveScaling): Record<ApiName, ApiService> {
    const extraSecretEnv: Partial<Record<ApiName, Record<string, pulumi.Input<string>>>> = { ivor: { MODEL_API_KEY: secrets.ivorModelApiKey } };
    return recordOf(API_NAMES, api => {
        const apiConfig = cfg.apis[api];
        return new ApiService(`${cfg.colour}-${api}`, {
            provider: cluster.provider,
            namespace: cluster.namespace,
            api,
            image: apiConfig.image,
            colour: cfg.colour,
            release: cfg.releaseVersion,
            port: apiConfig.port,
            // The owner's databases sit in its VPC; a follower also reaches the owner's across the
            // peering, in a VPC whose range it does not know, so it is held to private ranges.
            dataPlaneCidrs: cfg.data.role === "owner" ? [cfg.network.vpcCidr] : RFC1918_RANGES,
            env: { PUBLIC_ORIGIN: `https://${cfg.domain}` },
            scaling: scaling.apis[api],
            resources: {
                requests: { cpu: apiConfig.cpuRequest, memory: apiConfig.memoryRequest },
                limits: { cpu: apiConfig.cpuLimit, memory: apiConfig.memoryLimit },
            },
            credentials: {
                databaseUrl: data.databases[api].databaseUrl,
                readReplicaUrl: data.databases[api].readDatabaseUrl,
                redisUrl: data.redisUrl,
                sessionSecret: data.sessionSecret,
                bucketNames: data.bucketNames,
                extraSecretEnv: extraSecretEnv[api] ?? {},
            },
        });
    });
}

/**
 * What this colour's Prometheus scrapes of the data: the read replica it has of its own (the owner's,
 * or a follower's), where replication lag is measured; Valkey only on the owner, whose cluster it is,
 * so one colour alerts on it. A standby follower has no replica: the owner's exporter covers the one it reads.
 */
function createDataExporters(cfg: ColourConfig, cluster: Cluster, data: DataPlane): DataExporters | undefined {
    const redisUrl = cfg.data.role === "owner" ? data.redisUrl : undefined;
    if (data.metricsDatabaseUrl === undefined && redisUrl === undefined) return undefined;
    return new DataExporters(`${cfg.colour}-data-exporters`, {
        provider: cluster.provider,
        namespace: cluster.namespace,
        colour: cfg.colour,
        postgresUrl: data.metricsDatabaseUrl,
        redisUrl,
        // Both the owner's clusters and a follower's own replica sit in the colour's own VPC.
        databaseCidrs: [cfg.network.vpcCidr],
    });
}

/** The colour's own Prometheus, Alertmanager and Grafana, scraping its gateway's metrics sidecar and data exporters. */
function createMonitoring(cfg: ColourConfig, secrets: ColourSecrets, cluster: Cluster, gatewayName: string, exporters?: DataExporters): Monitoring {
    return new Monitoring(`${cfg.colour}-monitoring`, {
        provider: cluster.provider,
        namespace: cluster.namespace,
        colour: cfg.colour,
        mode: cfg.mode,
        gatewayName,
        apis: API_NAMES,
        dataExporters: exporters?.targets,
        scrapeInterval: cfg.monitoring.scrapeInterval,
        nodeExporter: { kubernetesVersion: cfg.cluster.kubernetesVersion },
        receivers: {
            pagerDutyRoutingKey: secrets.alertPagerDutyRoutingKey,
            slackWebhookUrl: secrets.alertSlackWebhookUrl,
            smtpPassword: secrets.alertSmtpPassword,
            slackChannel: cfg.monitoring.slackChannel,
            smtp: { smarthost: cfg.monitoring.smtpSmarthost, from: cfg.monitoring.smtpFrom, username: cfg.monitoring.smtpUsername },
            emails: cfg.alerts.emails,
        },
    });
}

/** The owner colour's data, read from its stack outputs: the one StackReference of a colour stack lives here, in the entry point. */
function readOwner(colour: string, ownerStack: string): OwnerData {
    const reference = new pulumi.StackReference(`${colour}-data-owner`, { name: ownerStack });
    return readOwnerData(key => requireStringOutput(reference, key));
}

function createDataPlane(cfg: ColourConfig, network: Network, cluster: Cluster): DataPlane {
    const common = { region: cfg.region, vpcId: network.vpcId };
    return new DataPlane(`${cfg.colour}-data`, cfg.data.role === "owner"
        ? {
            ...common,
            role: "owner",
            kubernetesClusterId: cluster.clusterId,
            siteOrigin: `https://${cfg.domain}`,
            postgres: cfg.data.postgres,
            valkey: cfg.data.valkey,
            buckets: cfg.data.buckets,
            poolSizes: recordOf(API_NAMES, api => cfg.apis[api].poolSize),
        }
        : cfg.data.role === "candidate"
            ? {
                ...common, role: "candidate", owner: readOwner(cfg.colour, cfg.data.ownerStack), replicaSize: cfg.data.replicaSize,
                kubernetesClusterId: cluster.clusterId, postgres: cfg.data.postgres, valkey: cfg.data.valkey,
            }
            // A standby follower reads through the owner's replica; warming it up creates its own.
            : { ...common, role: "follower", owner: readOwner(cfg.colour, cfg.data.ownerStack), replicaSize: cfg.data.replicaSize, standby: cfg.mode === "standby" });
}

/**
 * One colour of the platform, in dependency order (the seeds' levels): network and cluster, the
 * data plane, the APIs, the site (whose certificate the gateway shares), the gateway in front of
 * the APIs, the alerts on all of them, then the preview hostname.
 */
export function createColourStack(cfg: ColourConfig, secrets: ColourSecrets): ColourStackOutputs {
    const scaling = effectiveScaling(cfg);
    const network = new Network(`${cfg.colour}-network`, { colour: cfg.colour, region: cfg.region, ipRange: cfg.network.vpcCidr });
    const cluster = new Cluster(`${cfg.colour}-cluster`, {
        colour: cfg.colour,
        region: cfg.region,
        vpcId: network.vpcId,
        vpcIpRange: cfg.network.vpcCidr,
        kubernetesVersion: cfg.cluster.kubernetesVersion,
        ha: cfg.cluster.haControlPlane,
        tags: cfg.mode === "standby" ? [STANDBY_CLUSTER_TAG] : [],
        maintenance: cfg.cluster.maintenance,
        clusterSubnet: cfg.network.clusterSubnet,
        serviceSubnet: cfg.network.serviceSubnet,
        // The APIs' images are in the account's private registry: the nodes need its pull secret.
        registryIntegration: needsRegistryIntegration([cfg.gateway.image, ...API_NAMES.map(api => cfg.apis[api].image)]),
        // Both colours' nodes carry the data-client tag: the owner's database firewall trusts it.
        nodePool: { size: cfg.cluster.nodeSize, ...scaling.nodes, tags: [DATA_CLIENT_TAG, colourNodeTag(cfg.colour)] },
    });
    const data = createDataPlane(cfg, network, cluster);
    const apis = createApis(cfg, secrets, cluster, data, scaling);
    // One Origin CA certificate per colour, uploaded once: the CDN and the gateway's load balancer both present it.
    const site = new StaticSite(`${cfg.colour}-site`, {
        colour: cfg.colour,
        region: cfg.region,
        domain: cfg.domain,
        zoneId: cfg.cloudflare.zoneId,
        cdnTtlSeconds: cfg.site.cdnTtlSeconds,
        originCertificate: { leafCertificate: secrets.originCertificate, privateKey: secrets.originPrivateKey },
    });
    // Letters and digits only (special: false), so the token can sit in the gateway's nginx map.
    const monitorToken = new random.RandomPassword(`${cfg.colour}-monitor-token`, { length: MONITOR_TOKEN_LENGTH, special: false });
    const gatewayName = `${cfg.colour}-gateway`;
    const gateway = new Gateway(gatewayName, {
        provider: cluster.provider,
        namespace: cluster.namespace,
        colour: cfg.colour,
        release: cfg.releaseVersion,
        image: cfg.gateway.image,
        upstreams: Object.fromEntries(API_NAMES.map(api => [api, { host: apis[api].serviceHost, port: apis[api].port }])),
        // The load balancer sits in the VPC; the pod subnet is never trusted to vouch for an address.
        loadBalancerPeerRanges: [cfg.network.vpcCidr],
        domain: cfg.domain,
        tlsCertificateId: site.certificateId,
        monitorAuth: { token: monitorToken.result, hostname: previewHostnameFor(cfg.colour, cfg.domain) },
        scaling: scaling.gateway,
        limits: {
            rateLimitPerMinute: cfg.gateway.rateLimitPerMinute,
            rateLimitBurst: cfg.gateway.rateLimitBurst,
            maxBodyBytes: cfg.gateway.maxBodyMegabytes * MEBIBYTE,
            timeouts: { readSeconds: cfg.gateway.upstreamTimeoutSeconds, sendSeconds: cfg.gateway.upstreamTimeoutSeconds },
        },
    });
    const { emails, window, ...thresholds } = cfg.alerts;
    new Alerts(`${cfg.colour}-alerts`, {
        colour: cfg.colour,
        emails,
        nodeTag: colourNodeTag(cfg.colour),
        loadBalancerId: gateway.loadBalancerId,
        // Only the owner has a PostgreSQL cluster of its own to watch.
        databaseClusterId: cfg.data.role === "owner" ? data.postgresClusterId : undefined,
        thresholds,
        window,
    });
    createMonitoring(cfg, secrets, cluster, gatewayName, createDataExporters(cfg, cluster, data));
    const preview = new PreviewHostname(`${cfg.colour}-preview`, {
        colour: cfg.colour,
        domain: cfg.domain,
        zoneId: cfg.cloudflare.zoneId,
        originAddress: gateway.originAddress,
        release: cfg.releaseVersion,
    });
    return {
        colour: cfg.colour,
        releaseVersion: cfg.releaseVersion,
        mode: cfg.mode,
        dataRole: cfg.data.role,
        gatewayOrigin: gateway.originAddress,
        healthPath: gateway.healthPath,
        previewHostname: preview.hostname,
        monitorToken: monitorToken.result,
        previewUrl: preview.url,
        siteUrl: site.url,
        vpcId: network.vpcId,
        clusterId: cluster.clusterId,
        // The blue/green checks read who a follower follows from its own outputs.
        ...(cfg.data.role !== "owner" ? { dataOwnerStack: cfg.data.ownerStack } : {}),
        // The data tool's target: the candidate's own cluster (its URLs stay secret config of the tool).
        ...(data.candidate ? { dataCandidatePostgresClusterId: data.candidate.postgresClusterId } : {}),
        ...ownerStackOutputs(data),
    };
}
