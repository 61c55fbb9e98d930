import { Cluster, ClusterArgs, podSecurityLabels, versionSlugFor } from "../../components/cluster";
import { Network } from "../../components/network";
import { settle } from "../../infra/offline/evaluate";
import { installMockRuntime } from "../../infra/offline/mockRuntime";
import { evaluateTest, named, ofType } from "../support/pulumi";

const VERSIONS_INVOKE = "digitalocean:index/getKubernetesVersions:getKubernetesVersions";
const CLUSTER_INVOKE = "digitalocean:index/getKubernetesCluster:getKubernetesCluster";

/** DigitalOcean's answer for the minors it offers; anything else gets the empty answer DO gives. */
const invokes = {
    /** A freshly issued kubeconfig, distinguishable from the one returned at creation. */
    [CLUSTER_INVOKE]: (inputs: Record<string, any>) => ({
        name: inputs.name,
        kubeConfigs: [{ rawConfig: `apiVersion: v1\nkind: Config\ncurrent-context: ${inputs.name}\n# fresh token for ${inputs.name}` }],
    }),
    [VERSIONS_INVOKE]: (inputs: Record<string, any>) => {
        const offered: Record<string, string[]> = {
            "1.33.": ["1.33.4-do.1", "1.33.1-do.3"],
            "1.34.": ["1.34.1-do.0"],
        };
        const valid = offered[inputs.versionPrefix] ?? [];
        return { id: "versions", latestVersion: valid[0] ?? "", validVersions: valid };
    },
};

const args: ClusterArgs = {
    colour: "green",
    region: "lon1",
    vpcId: "vpc-placeholder",
    vpcIpRange: "10.120.0.0/20",
    kubernetesVersion: "1.33",
    clusterSubnet: "10.122.0.0/16",
    serviceSubnet: "10.123.0.0/16",
    maintenance: { day: "tuesday", startTime: "04:30" },
    nodePool: { size: "s-4vcpu-8gb", minNodes: 3, maxNodes: 7, tags: ["blkout-data-client"], labels: { "blkout.org/pool": "default" } },
    tags: ["blkout", "colour-green"],
};

describe("Cluster", () => {
    test("sends the cluster DOKS needs: newest patch of the minor, upgrades on, autoscaled pool, in the colour's VPC", async () => {
        const { resources, outputs } = await evaluateTest(() => {
            const network = new Network("c1-net", { colour: "green", region: "lon1", ipRange: "10.120.0.0/20" });
            const cluster = new Cluster("c1", { ...args, vpcId: network.vpcId, vpcIpRange: network.ipRange });
            return { clusterId: cluster.clusterId, clusterUrn: cluster.clusterUrn, versionSlug: cluster.versionSlug };
        }, { invokes });
        const component = named(resources, "c1");
        expect(component.type).toBe("blkout:platform:Cluster");
        const cluster = named(resources, "c1-cluster");
        expect(cluster.type).toBe("digitalocean:index/kubernetesCluster:KubernetesCluster");
        expect(cluster.parent).toBe(component.urn);
        expect(cluster.inputs).toMatchObject({
            name: "blkout-green",
            region: "lon1",
            version: "1.33.4-do.1",
            vpcUuid: named(resources, "c1-net-vpc").id,
            clusterSubnet: "10.122.0.0/16",
            serviceSubnet: "10.123.0.0/16",
            ha: true,
            autoUpgrade: true,
            surgeUpgrade: true,
            maintenancePolicy: { day: "tuesday", startTime: "04:30" },
            destroyAllAssociatedResources: false,
            registryIntegration: false,
            tags: ["blkout", "colour-green"],
        });
        expect(cluster.inputs.nodePool).toEqual({
            name: "blkout-green-default",
            size: "s-4vcpu-8gb",
            autoScale: true,
            minNodes: 3,
            maxNodes: 7,
            labels: { "blkout.org/pool": "default", "blkout.org/colour": "green" },
            tags: ["blkout-data-client"],
        });
        expect(outputs.versionSlug.value).toBe("1.33.4-do.1");
        expect(outputs.clusterId.value).toBe(cluster.id);
        // DigitalOcean's own URN (trusted sources, projects), not Pulumi's URN of the resource.
        expect(outputs.clusterUrn.value).toBe(`do:kubernetes:${cluster.id}`);
    });

    test("defaults: HA control plane, Sunday 03:00 window, seed node counts 2-10, namespace blkout", async () => {
        const { resources, outputs } = await evaluateTest(() => {
            const cluster = new Cluster("c2", { ...args, kubernetesVersion: "1.34", maintenance: undefined, nodePool: { size: "s-2vcpu-4gb" }, tags: undefined });
            return { namespace: cluster.namespace };
        }, { invokes });
        const cluster = named(resources, "c2-cluster");
        expect(cluster.inputs).toMatchObject({ version: "1.34.1-do.0", ha: true, maintenancePolicy: { day: "sunday", startTime: "03:00" }, tags: [] });
        expect(cluster.inputs.nodePool).toMatchObject({ autoScale: true, minNodes: 2, maxNodes: 10, tags: [] });
        expect(outputs.namespace.value).toBe("blkout");
    });

    test("ha false and registry integration are passed through", async () => {
        const { resources } = await evaluateTest(() => {
            new Cluster("c3", { ...args, ha: false, registryIntegration: true });
            return {};
        }, { invokes });
        expect(named(resources, "c3-cluster").inputs).toMatchObject({ ha: false, registryIntegration: true });
    });

    test("the Kubernetes provider gets a freshly read kubeconfig of the running cluster, as a tracked secret", async () => {
        const { resources, outputs } = await evaluateTest(() => {
            const cluster = new Cluster("c4", args);
            return { kubeconfig: cluster.kubeconfig };
        }, { invokes });
        const provider = named(resources, "c4-k8s");
        expect(provider.type).toBe("pulumi:providers:kubernetes");
        expect(provider.parent).toBe(named(resources, "c4").urn);
        expect(provider.secretInputPaths).toContain("kubeconfig");
        expect(provider.inputs.enableServerSideApply).toBe("true");
        // The mock cluster reports "running", so the week-old token saved at creation is not used.
        expect(named(resources, "c4-cluster").state.status).toBe("running");
        expect(outputs.kubeconfig.secret).toBe(true);
        expect(outputs.kubeconfig.value).toContain("# fresh token for blkout-green");
    });

    test("the namespace enforces, audits and warns at Pod Security restricted, pinned to the minor version, through the cluster's provider", async () => {
        const { resources } = await evaluateTest(() => {
            new Cluster("c5", { ...args, namespace: "platform" });
            return {};
        }, { invokes });
        const namespace = named(resources, "c5-namespace");
        expect(namespace.type).toBe("kubernetes:core/v1:Namespace");
        expect(namespace.provider).toContain("c5-k8s");
        expect(namespace.inputs.metadata.name).toBe("platform");
        expect(namespace.inputs.metadata.labels).toEqual({
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "v1.33",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/audit-version": "v1.33",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/warn-version": "v1.33",
            "app.kubernetes.io/part-of": "blkout-platform",
            "blkout.org/colour": "green",
        });
        expect(ofType(resources, "kubernetes:core/v1:Namespace")).toHaveLength(1);
    });

    test("bad args: one error naming every argument, and nothing registered", async () => {
        const mocks = installMockRuntime({ project: "blkout-platform", stack: "test", invokes });
        expect(() => new Cluster("c-bad", {
            ...args,
            kubernetesVersion: "1.33.1-do.0",
            maintenance: { day: "someday" as never, startTime: "25:00" },
            clusterSubnet: "10.120.8.0/21",
            serviceSubnet: "100.64.0.0/16",
            nodePool: { size: "S 4GB", minNodes: 5, maxNodes: 3, tags: ["has space"], labels: { "-bad": "ok" } },
            namespace: "Blkout",
        })).toThrow(expect.objectContaining({
            name: "InvalidArgsError",
            problems: [
                `kubernetesVersion: expected a Kubernetes minor version like "1.33" (DigitalOcean upgrades patches itself), got "1.33.1-do.0"`,
                `maintenance.day: expected one of monday, tuesday, wednesday, thursday, friday, saturday, sunday, any, got "someday"`,
                `maintenance.startTime: expected a UTC time HH:MM, got "25:00"`,
                `serviceSubnet: expected a private (RFC 1918) range, got "100.64.0.0/16"`,
                `clusterSubnet (10.120.8.0/21) overlaps vpcIpRange (10.120.0.0/20)`,
                `nodePool.size: expected a Droplet size slug like "s-4vcpu-8gb", got "S 4GB"`,
                `nodePool.maxNodes: expected at least nodePool.minNodes (5), got 3`,
                `nodePool.labels: expected Kubernetes label syntax, got "-bad": "ok"`,
                `nodePool.tags: expected tags of letters, digits, "_", ":" or "-", got "has space"`,
                `namespace: expected a DNS label (lowercase letters, digits, "-", at most 63), got "Blkout"`,
            ],
        }));
        await settle();
        expect(mocks.resources).toHaveLength(0);
    });

    test.each([
        [{ minNodes: 0 }, `nodePool.minNodes: expected an integer 1-100, got 0`],
        [{ maxNodes: 2.5 }, `nodePool.maxNodes: expected an integer 1-100, got 2.5`],
        [{ maxNodes: 101 }, `nodePool.maxNodes: expected an integer 1-100, got 101`],
    ])("node counts %j are refused", async (counts, message) => {
        const mocks = installMockRuntime({ project: "blkout-platform", stack: "test", invokes });
        expect(() => new Cluster("c-counts", { ...args, nodePool: { ...args.nodePool, ...counts } })).toThrow(message);
        await settle();
        expect(mocks.resources).toHaveLength(0);
    });

    test("pod and service subnets must not overlap each other", async () => {
        installMockRuntime({ project: "blkout-platform", stack: "test", invokes });
        expect(() => new Cluster("c-overlap", { ...args, serviceSubnet: "10.122.128.0/17" }))
            .toThrow("serviceSubnet (10.122.128.0/17) overlaps clusterSubnet (10.122.0.0/16)");
    });
});

describe("podSecurityLabels", () => {
    test("pins every mode's version to the given minor", () => {
        const labels = podSecurityLabels("1.34");
        expect(Object.entries(labels).filter(([key]) => key.endsWith("-version")).map(([, value]) => value)).toEqual(["v1.34", "v1.34", "v1.34"]);
        expect(Object.keys(labels)).toHaveLength(6);
    });
});

describe("versionSlugFor", () => {
    test("takes DigitalOcean's newest release of the minor", () => {
        expect(versionSlugFor("1.33", "1.33.4-do.1")).toBe("1.33.4-do.1");
    });

    test.each([[""], [undefined], ["1.330.1-do.0"]])("refuses an answer %j that is not a release of the minor, naming the argument", (latest) => {
        expect(() => versionSlugFor("1.33", latest)).toThrow("kubernetesVersion: DigitalOcean offers no release of Kubernetes 1.33");
    });
});
