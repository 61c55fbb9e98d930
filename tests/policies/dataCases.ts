import { TYPES } from "../../policies/lib/resources";
import { bucket, bucketPolicy, firewall, kubernetesCluster, ownerDataPlane, postgres, PRIVATE_STATEMENT, replica, valkey, vpc } from "./compliant";
import { PolicyCase, resource, withProp } from "./helpers";

/** Cases for the data plane: protection, firewalls, PostgreSQL shape, the cache, buckets, placement. */

const unprotected = (input = bucket()) => ({ ...input, opts: { ...input.opts, protect: false } });

export const DATA_CASES: PolicyCase[] = [
    {
        policy: "stateful-resources-protected",
        compliant: () => [...ownerDataPlane(), bucket(), resource(TYPES.databaseDb, "blue-data-ivor-db", { name: "ivor" }, { protect: true })],
        violations: [
            { title: "an unprotected bucket", resources: () => [unprotected()], message: /SpacesBucket "blue-data-documents" is not protected\. Fix: pass `\{ protect: true \}`/ },
            { title: "an unprotected logical database", resources: () => [resource(TYPES.databaseDb, "blue-data-ivor-db", { name: "ivor" })], message: /DatabaseDb "blue-data-ivor-db" is not protected/ },
            { title: "an unprotected volume", resources: () => [resource(TYPES.volume, "blue-scratch", { region: "lon1", size: 10 })], message: /Volume "blue-scratch" is not protected/ },
        ],
    },
    {
        policy: "stateful-no-delete-before-replace",
        compliant: () => [bucket(), postgres()],
        violations: [{
            title: "a database that deletes before replacing",
            resources: () => [resource(TYPES.databaseCluster, "blue-data-pg", postgres().props, { protect: true, deleteBeforeReplace: true })],
            message: /"blue-data-pg" sets deleteBeforeReplace: a replacement would delete its data first\. Fix: remove `deleteBeforeReplace`/,
        }],
    },
    {
        policy: "database-firewall-not-open",
        compliant: () => [firewall(postgres()), firewall(postgres(), [{ type: "ip_addr", value: "198.51.100.7" }])],
        violations: [
            { title: "a firewall without rules", resources: () => [firewall(postgres(), [])], message: /the firewall has no rules, and DigitalOcean then admits every address/ },
            { title: "the whole internet", resources: () => [firewall(postgres(), [{ type: "ip_addr", value: "0.0.0.0/0" }])], message: /rules\[0\] trusts "0\.0\.0\.0\/0", which is the whole internet/ },
            { title: "a broad IPv6 range", resources: () => [firewall(postgres(), [{ type: "k8s", value: "x" }, { type: "ip_addr", value: "2001:db8::/32" }])], message: /rules\[1\] trusts "2001:db8::\/32", which is broader than \/64/ },
        ],
    },
    {
        policy: "postgres-ha-node-count",
        // One node is fine outside production.
        compliant: () => [postgres(), resource(TYPES.databaseCluster, "dev-pg", { ...postgres().props, nodeCount: 1 }, { stack: "dev" })],
        violations: [
            { title: "a single node in production", resources: () => [withProp(postgres(), "nodeCount", 1)], message: /PostgreSQL in production stack "blue" has nodeCount 1, fewer than 2\. Fix: set nodeCount to 2 or more/ },
            { title: "a raised HA count from config", resources: () => [postgres()], config: { "postgres-ha-node-count": { haNodeCount: 3 } }, message: /has nodeCount 2, fewer than 3/ },
        ],
    },
    {
        policy: "postgres-maintenance-window",
        compliant: () => [postgres(), valkey()],
        violations: [
            { title: "no window", resources: () => [withProp(postgres(), "maintenanceWindows", undefined)], message: /PostgreSQL has no complete maintenance window/ },
            { title: "a window without an hour", resources: () => [withProp(postgres(), "maintenanceWindows", [{ day: "sunday" }])], message: /no complete maintenance window/ },
        ],
    },
    {
        policy: "postgres-allowed-version",
        compliant: () => [postgres(), withProp(postgres(), "version", "17")],
        violations: [
            { title: "an old major", resources: () => [withProp(postgres(), "version", "13")], message: /PostgreSQL version "13" is not an allowed major \(16, 17\)\. Fix: set version to one of "16", "17"/ },
            { title: "no version (the provider's latest)", resources: () => [withProp(postgres(), "version", undefined)], message: /PostgreSQL version nothing is not an allowed major/ },
        ],
    },
    {
        policy: "cache-tls",
        compliant: () => [resource(TYPES.valkeyConfig, "blue-data-valkey-config", { clusterId: "8a2d", ssl: true })],
        violations: [{ title: "TLS off", resources: () => [resource(TYPES.valkeyConfig, "blue-data-valkey-config", { clusterId: "8a2d", ssl: false })], message: /"blue-data-valkey-config" turns TLS off for the cache/ }],
    },
    {
        policy: "cache-eviction-policy",
        compliant: () => {
            const cache = valkey();
            const bare = { ...withProp(cache, "evictionPolicy", undefined), name: "blue-data-sessions", urn: cache.urn.replace("valkey", "sessions") };
            return [cache, bare, resource(TYPES.valkeyConfig, "sessions-config", { clusterId: "s", valkeyMaxmemoryPolicy: "allkeys-lfu" }, { deps: { clusterId: [bare] } })];
        },
        violations: [
            { title: "no eviction policy", resources: () => [withProp(valkey(), "evictionPolicy", undefined)], message: /cache "blue-data-valkey" has no eviction policy, so it would run with noeviction/ },
            { title: "noeviction", resources: () => [withProp(valkey(), "evictionPolicy", "noeviction")], message: /cache "blue-data-valkey" evicts by "noeviction", which is not allowed/ },
        ],
    },
    {
        policy: "bucket-private",
        compliant: () => [bucket(), withProp(bucket(), "acl", undefined)],
        violations: [
            { title: "public-read", resources: () => [withProp(bucket(), "acl", "public-read")], message: /bucket "blue-data-documents" has acl "public-read"\. Fix: set acl to "private"/ },
            { title: "public-read not on the allow list", resources: () => [withProp(bucket("blue-data-media"), "acl", "public-read")], config: { "bucket-private": { allowPublicRead: ["blue-site-bucket"] } }, message: /"blue-data-media" has acl "public-read"/ },
        ],
    },
    {
        policy: "bucket-versioning",
        compliant: () => [bucket()],
        violations: [{ title: "versioning off", resources: () => [withProp(bucket(), "versioning", { enabled: false })], message: /bucket "blue-data-documents" does not keep versions/ }],
    },
    {
        policy: "bucket-no-force-destroy",
        compliant: () => [bucket(), withProp(bucket(), "forceDestroy", false)],
        violations: [{ title: "forceDestroy", resources: () => [withProp(bucket(), "forceDestroy", true)], message: /bucket "blue-data-documents" sets forceDestroy/ }],
    },
    {
        policy: "bucket-policy-not-public",
        compliant: () => [bucketPolicy(PRIVATE_STATEMENT), bucketPolicy({ ...PRIVATE_STATEMENT, Effect: "Deny", Principal: "*" })],
        violations: [
            { title: "anonymous read", resources: () => [bucketPolicy({ ...PRIVATE_STATEMENT, Principal: "*" })], message: /Statement\[0\] allows principal "\*" \(anyone\)/ },
            { title: "AWS: * in a list", resources: () => [bucketPolicy({ ...PRIVATE_STATEMENT, Principal: { AWS: ["arn:aws:iam::1:user/x", "*"] } })], message: /allows principal "\*"/ },
            { title: "a policy that is not JSON", resources: () => [withProp(bucketPolicy(PRIVATE_STATEMENT), "policy", "{not json")], message: /the policy is not valid JSON/ },
        ],
    },
    {
        policy: "in-colour-vpc",
        compliant: () => {
            const network = vpc();
            return [network, postgres(network), replica(postgres(network), network), kubernetesCluster(network)];
        },
        violations: [
            { title: "a database outside any VPC", resources: () => [vpc(), { ...withProp(postgres(), "privateNetworkUuid", undefined), propertyDependencies: {} }], message: /"blue-data-pg" is not placed in a VPC of this stack \(privateNetworkUuid does not come from one\)/ },
            {
                title: "a cluster in another stack's VPC (a pasted id)",
                resources: () => [vpc(), { ...withProp(kubernetesCluster(), "vpcUuid", "0c7e9b24-3f15-4d8a-b6e2-71a9c5d30f86"), propertyDependencies: {} }],
                message: /"blue-cluster-cluster" is not placed in a VPC of this stack \(vpcUuid/,
            },
        ],
    },
    {
        policy: "database-has-firewall",
        compliant: () => ownerDataPlane(),
        violations: [{ title: "a cache without a firewall", resources: () => ownerDataPlane().filter(r => r.name !== "blue-data-valkey-firewall"), message: /database cluster "blue-data-valkey" has no DatabaseFirewall/ }],
    },
];
