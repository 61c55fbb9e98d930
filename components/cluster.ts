import * as digitalocean from "@pulumi/digitalocean";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ipv4CidrProblem, isPrivateCidr, overlapProblems } from "./cidr";
import { colourProblems, regionProblems } from "./network";
import { assertNoProblems, Colour, LABELS, PART_OF } from "./platformNames";

export const MAINTENANCE_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "any"] as const;
export type MaintenanceDay = (typeof MAINTENANCE_DAYS)[number];

export interface MaintenanceWindow {
    /** @default "sunday" */
    readonly day: MaintenanceDay;
    /** UTC, HH:MM. @default "03:00" */
    readonly startTime: string;
}

export interface NodePoolArgs {
    /** Droplet size slug of the workers, e.g. "s-4vcpu-8gb". @default none (required) */
    readonly size: string;
    /** The autoscaler's floor; standby colours run at it. @default 2 (seed) */
    readonly minNodes?: number;
    /** The autoscaler's ceiling. @default 10 (seed) */
    readonly maxNodes?: number;
    /** Extra Kubernetes labels on every node; the colour label is always added. @default {} */
    readonly labels?: Readonly<Record<string, string>>;
    /**
     * DigitalOcean tags on the worker Droplets. Database firewalls trust a tag, so the lead passes
     * the data-client tag here rather than this component choosing one. @default []
     */
    readonly tags?: readonly string[];
}

export interface ClusterArgs {
    /** The colour stack; the cluster is named `blkout-<colour>`. @default none (required) */
    readonly colour: Colour;
    /** Region slug; must be the VPC's region. @default none (required) */
    readonly region: string;
    /** The colour's VPC (`Network.vpcId`). @default none (required) */
    readonly vpcId: pulumi.Input<string>;
    /** The VPC's range (`Network.ipRange`), so the pod and service subnets can be checked against it. @default none (required) */
    readonly vpcIpRange: string;
    /**
     * Kubernetes minor version, e.g. "1.33". Not a full slug: DigitalOcean upgrades patch releases
     * itself (`autoUpgrade`), and a pinned slug would then read as a downgrade, which the provider
     * plans as a replacement of the whole cluster. The newest `1.33.x-do.y` is looked up instead,
     * as DigitalOcean recommends for auto-upgraded clusters. @default none (required)
     */
    readonly kubernetesVersion: string;
    /** High-availability control plane; once on, DigitalOcean cannot turn it off. @default true */
    readonly ha?: boolean;
    /** When DigitalOcean may apply patch upgrades. @default { day: "sunday", startTime: "03:00" } */
    readonly maintenance?: MaintenanceWindow;
    /** Pod network (VPC-native); private, disjoint from every VPC and the service subnet. @default none (required) */
    readonly clusterSubnet: string;
    /** Service network; private, disjoint from every VPC and the pod subnet. @default none (required) */
    readonly serviceSubnet: string;
    /** The default worker pool, always autoscaled. @default none (required) */
    readonly nodePool: NodePoolArgs;
    /** DigitalOcean tags on the cluster itself. @default [] */
    readonly tags?: readonly string[];
    /** Pull from the account's DigitalOcean registry (its secret goes in every namespace); needs one. @default false */
    readonly registryIntegration?: boolean;
    /** The platform's namespace (Pod Security "restricted"). @default "blkout" */
    readonly namespace?: string;
}

const KUBERNETES_MINOR = /^1\.\d{1,2}$/;
const HOUR_MINUTE = /^([01]\d|2[0-3]):[0-5]\d$/;
/** What DigitalOcean accepts as a tag. */
export const DO_TAG = /^[A-Za-z0-9_:-]{1,255}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function isCount(value: unknown): value is number {
    return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 100;
}

function subnetProblems(key: string, cidr: string): string[] {
    const problem = ipv4CidrProblem(cidr);
    if (problem !== undefined) {
        return [`${key}: ${problem}`];
    }
    return isPrivateCidr(cidr) ? [] : [`${key}: expected a private (RFC 1918) range, got ${JSON.stringify(cidr)}`];
}

function tagProblems(key: string, tags: readonly string[] | undefined): string[] {
    return (tags ?? []).filter(tag => typeof tag !== "string" || !DO_TAG.test(tag))
        .map(tag => `${key}: expected tags of letters, digits, "_", ":" or "-", got ${JSON.stringify(tag)}`);
}

/** Every problem with ClusterArgs, each naming its argument. */
export function clusterArgProblems(args: ClusterArgs): string[] {
    const pool = args.nodePool ?? ({} as NodePoolArgs);
    const minNodes = pool.minNodes ?? 2;
    const maxNodes = pool.maxNodes ?? 10;
    const maintenance = args.maintenance ?? { day: "sunday", startTime: "03:00" };
    const problems = [...colourProblems(args.colour), ...regionProblems("region", args.region)];
    if (typeof args.kubernetesVersion !== "string" || !KUBERNETES_MINOR.test(args.kubernetesVersion)) {
        problems.push(`kubernetesVersion: expected a Kubernetes minor version like "1.33" (DigitalOcean upgrades patches itself), got ${JSON.stringify(args.kubernetesVersion)}`);
    }
    if (!MAINTENANCE_DAYS.includes(maintenance.day)) {
        problems.push(`maintenance.day: expected one of ${MAINTENANCE_DAYS.join(", ")}, got ${JSON.stringify(maintenance.day)}`);
    }
    if (typeof maintenance.startTime !== "string" || !HOUR_MINUTE.test(maintenance.startTime)) {
        problems.push(`maintenance.startTime: expected a UTC time HH:MM, got ${JSON.stringify(maintenance.startTime)}`);
    }
    const ranges = { vpcIpRange: args.vpcIpRange, clusterSubnet: args.clusterSubnet, serviceSubnet: args.serviceSubnet };
    for (const [key, cidr] of Object.entries(ranges)) {
        problems.push(...subnetProblems(key, cidr));
    }
    problems.push(...overlapProblems(ranges));
    if (typeof pool.size !== "string" || !/^[a-z0-9-]+$/.test(pool.size)) {
        problems.push(`nodePool.size: expected a Droplet size slug like "s-4vcpu-8gb", got ${JSON.stringify(pool.size)}`);
    }
    if (!isCount(minNodes)) {
        problems.push(`nodePool.minNodes: expected an integer 1-100, got ${JSON.stringify(minNodes)}`);
    }
    if (!isCount(maxNodes)) {
        problems.push(`nodePool.maxNodes: expected an integer 1-100, got ${JSON.stringify(maxNodes)}`);
    } else if (isCount(minNodes) && maxNodes < minNodes) {
        problems.push(`nodePool.maxNodes: expected at least nodePool.minNodes (${minNodes}), got ${maxNodes}`);
    }
    for (const [key, value] of Object.entries(pool.labels ?? {})) {
        if (!LABEL_KEY.test(key) || typeof value !== "string" || !LABEL_VALUE.test(value)) {
            problems.push(`nodePool.labels: expected Kubernetes label syntax, got ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
        }
    }
    problems.push(...tagProblems("nodePool.tags", pool.tags), ...tagProblems("tags", args.tags));
    if (args.namespace !== undefined && (typeof args.namespace !== "string" || !DNS_LABEL.test(args.namespace))) {
        problems.push(`namespace: expected a DNS label (lowercase letters, digits, "-", at most 63), got ${JSON.stringify(args.namespace)}`);
    }
    return problems;
}

/**
 * The slug to deploy for a minor version, from DigitalOcean's newest release of it. An empty answer
 * means DigitalOcean no longer (or not yet) offers that minor; the deployment stops with the
 * argument named rather than sending an empty version.
 */
export function versionSlugFor(minor: string, latestVersion: string | undefined): string {
    if (!latestVersion || !latestVersion.startsWith(`${minor}.`)) {
        throw new Error(`kubernetesVersion: DigitalOcean offers no release of Kubernetes ${minor}; pick a supported minor version`);
    }
    return latestVersion;
}

/**
 * Pod Security admission labels: every mode at "restricted", pinned to the cluster's minor version
 * so a Kubernetes upgrade cannot tighten or loosen the policy until the version moves here too.
 */
export function podSecurityLabels(kubernetesMinor: string): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const mode of ["enforce", "audit", "warn"]) {
        labels[`pod-security.kubernetes.io/${mode}`] = "restricted";
        labels[`pod-security.kubernetes.io/${mode}-version`] = `v${kubernetesMinor}`;
    }
    return labels;
}

/**
 * One colour's DigitalOcean Kubernetes cluster in its VPC, a Kubernetes provider for it, and the
 * platform namespace. Not protected: it holds no data (that is in managed databases and Spaces),
 * and rebuilding a standby colour's cluster is a normal blue/green operation.
 */
export class Cluster extends pulumi.ComponentResource {
    readonly clusterId: pulumi.Output<string>;
    /** DigitalOcean's URN of the cluster (`do:kubernetes:<id>`), for projects and trusted sources. */
    readonly clusterUrn: pulumi.Output<string>;
    /** The full DOKS version slug the cluster was asked to run, e.g. "1.33.1-do.3". */
    readonly versionSlug: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    /** The platform namespace's name. */
    readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        assertNoProblems(`Cluster "${name}" args`, clusterArgProblems(args));
        super("blkout:platform:Cluster", name, {}, opts);
        this.versionSlug = this.resolveVersion(args.kubernetesVersion);
        const cluster = this.createCluster(name, args, this.versionSlug);
        this.clusterId = cluster.id;
        this.clusterUrn = cluster.clusterUrn;
        this.kubeconfig = this.currentKubeconfig(cluster);
        // Server-side apply stated, not inherited, so a change of the provider's default cannot
        // silently switch how every object of the platform is applied.
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });
        this.namespace = this.createNamespace(name, args).metadata.name;
        this.registerOutputs({ clusterId: this.clusterId, clusterUrn: this.clusterUrn, versionSlug: this.versionSlug, namespace: this.namespace });
    }

    private resolveVersion(minor: string): pulumi.Output<string> {
        return digitalocean.getKubernetesVersionsOutput({ versionPrefix: `${minor}.` }, { parent: this })
            .apply(versions => versionSlugFor(minor, versions.latestVersion));
    }

    /**
     * DigitalOcean's kubeconfig carries a bearer token that expires after seven days, and the copy
     * saved with the cluster is renewed only by a refresh: a week after creation the provider
     * would find the cluster unreachable. So once the cluster runs, each deployment reads a fresh
     * kubeconfig (DigitalOcean expires the old tokens itself); during creation the one the
     * cluster returned is used. Wrapped secret so the token never relies on which inputs were.
     */
    private currentKubeconfig(cluster: digitalocean.KubernetesCluster): pulumi.Output<string> {
        return pulumi.secret(pulumi.all([cluster.status, cluster.name, cluster.kubeConfigs]).apply(([status, clusterName, created]) =>
            status === "running"
                ? digitalocean.getKubernetesClusterOutput({ name: clusterName }, { parent: this }).kubeConfigs.apply(fresh => fresh[0].rawConfig)
                : created[0].rawConfig));
    }

    private createCluster(name: string, args: ClusterArgs, version: pulumi.Output<string>): digitalocean.KubernetesCluster {
        const pool = args.nodePool;
        const maintenance = args.maintenance ?? { day: "sunday", startTime: "03:00" };
        return new digitalocean.KubernetesCluster(`${name}-cluster`, {
            name: `blkout-${args.colour}`,
            region: args.region,
            version,
            vpcUuid: args.vpcId,
            clusterSubnet: args.clusterSubnet,
            serviceSubnet: args.serviceSubnet,
            ha: args.ha ?? true,
            autoUpgrade: true,
            surgeUpgrade: true,
            maintenancePolicy: { day: maintenance.day, startTime: maintenance.startTime },
            // Load balancers and volumes made through the Kubernetes API outlive a cluster rebuild.
            destroyAllAssociatedResources: false,
            registryIntegration: args.registryIntegration ?? false,
            tags: [...(args.tags ?? [])],
            nodePool: {
                name: `blkout-${args.colour}-default`,
                size: pool.size,
                autoScale: true,
                minNodes: pool.minNodes ?? 2,
                maxNodes: pool.maxNodes ?? 10,
                labels: { ...pool.labels, [LABELS.colour]: args.colour },
                tags: [...(pool.tags ?? [])],
            },
        }, { parent: this });
    }

    private createNamespace(name: string, args: ClusterArgs): k8s.core.v1.Namespace {
        return new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: {
                name: args.namespace ?? "blkout",
                labels: { ...podSecurityLabels(args.kubernetesVersion), [LABELS.partOf]: PART_OF, [LABELS.colour]: args.colour },
            },
        }, { parent: this, provider: this.provider });
    }
}
