import * as pulumi from "@pulumi/pulumi";
import {
    DATA_CLIENT_TAG, DataPlane, FOLLOWER_REQUIRED_OUTPUTS, OwnerData, OwnerDataPlaneArgs, ownerStackOutputs, readOwnerData, requireStringOutput,
} from "../../components/dataPlane";
import { API_NAMES } from "../../components/platformNames";
import { Evaluation, evaluateTest, named, ofType, RecordedResource, resolveOutput } from "../support/pulumi";

const OWNER_STACK = "organization/blkout-platform/blue";
const T = {
    cluster: "digitalocean:index/databaseCluster:DatabaseCluster",
    replica: "digitalocean:index/databaseReplica:DatabaseReplica",
    firewall: "digitalocean:index/databaseFirewall:DatabaseFirewall",
    db: "digitalocean:index/databaseDb:DatabaseDb",
    user: "digitalocean:index/databaseUser:DatabaseUser",
    pool: "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool",
    bucket: "digitalocean:index/spacesBucket:SpacesBucket",
    cors: "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration",
    password: "random:index/randomPassword:RandomPassword",
    reference: "pulumi:pulumi:StackReference",
    peering: "digitalocean:index/vpcPeering:VpcPeering",
    component: "blkout:platform:DataPlane",
} as const;

const ownerArgs: OwnerDataPlaneArgs = {
    role: "owner",
    region: "lon1",
    vpcId: "vpc-blue-1",
    kubernetesClusterId: "k8s-blue-1",
    siteOrigin: "https://blkoutuk.com",
    postgres: { version: "16", size: "db-s-2vcpu-4gb", nodeCount: 2, replicaSize: "db-s-4vcpu-8gb", maintenance: { day: "tuesday", startTime: "04:30" } },
    valkey: { evictionPolicy: "volatile_lru", nodeCount: 1 },
    buckets: { namePrefix: "blkout-test", noncurrentVersionDays: 45 },
    poolSizes: { ivor: 15, events: 11, newsroom: 12 },
};

/** Every field of the shared shape, flattened into stack-output-like keys. */
function exposed(dp: DataPlane): Record<string, unknown> {
    const fields: Record<string, unknown> = {
        redisUrl: dp.redisUrl, sessionSecret: dp.sessionSecret, spacesEndpoint: dp.spacesEndpoint,
        postgresClusterId: dp.postgresClusterId, replicaId: dp.replicaId, role: dp.role, ...dp.bucketNames,
        metricsDatabaseUrl: dp.metricsDatabaseUrl,
    };
    for (const api of API_NAMES) {
        fields[`${api}.databaseUrl`] = dp.databases[api].databaseUrl;
        fields[`${api}.readDatabaseUrl`] = dp.databases[api].readDatabaseUrl;
    }
    return fields;
}

function typeCounts(resources: readonly RecordedResource[]): Record<string, number> {
    const counts: Record<string, number> = {};
    resources.forEach(r => { counts[r.type] = (counts[r.type] ?? 0) + 1; });
    return counts;
}

/** Recorded state keeps provider-declared secrets in their serialized wrapper; tests compare the value. */
function unwrap(state: unknown): unknown {
    return typeof state === "object" && state !== null && "value" in state ? (state as { value: unknown }).value : state;
}

const value = (evaluation: Evaluation<Record<string, unknown>>, key: string) => evaluation.outputs[key].value as string;

/** What the entry point does for a follower (infra/colourStack.ts): the owner's outputs through a StackReference. */
function readOwner(name: string): OwnerData {
    const reference = new pulumi.StackReference(name, { name: OWNER_STACK });
    return readOwnerData(key => requireStringOutput(reference, key));
}

let owner: Evaluation<Record<string, unknown>>;
let follower: Evaluation<Record<string, unknown>>;
let ownerExportKeys: string[] = [];
let followerExportKeys: string[] = [];

beforeAll(async () => {
    owner = await evaluateTest(() => {
        const dp = new DataPlane("blue-data", ownerArgs);
        const exports = ownerStackOutputs(dp);
        ownerExportKeys = Object.keys(exports);
        return { ...exposed(dp), ...exports };
    });
    // The follower's fixture is the owner's evaluated exports, secretness included, so it cannot drift.
    const exported = ownerExportKeys.map(key => [key, owner.outputs[key]] as const);
    const fixture = {
        outputs: Object.fromEntries(exported.map(([key, out]) => [key, out.value])),
        secretOutputNames: exported.filter(([, out]) => out.secret).map(([key]) => key),
    };
    follower = await evaluateTest(() => {
        const dp = new DataPlane("green-data", { role: "follower", region: "lon1", vpcId: "vpc-green-1", owner: readOwner("green-data-owner"), replicaSize: "db-s-4vcpu-8gb" });
        followerExportKeys = Object.keys(ownerStackOutputs(dp));
        return exposed(dp);
    }, { stackReferences: { [OWNER_STACK]: fixture } });
});

describe("DataPlane owner", () => {
    it("creates exactly the primary, cache, buckets, one database, user and pool per API and the metrics exporter's user", () => {
        expect(typeCounts(owner.resources)).toEqual({
            [T.component]: 1, [T.cluster]: 2, [T.replica]: 1, [T.firewall]: 2, [T.db]: 3, [T.user]: 3 + 1, [T.pool]: 3,
            [T.bucket]: 3, [T.cors]: 1, [T.password]: 1,
        });
    });

    it("sends the PostgreSQL cluster its pinned version, HA node count, VPC and maintenance window", () => {
        const pg = named(owner.resources, "blue-data-pg");
        expect(pg.inputs).toMatchObject({
            engine: "pg", version: "16", nodeCount: 2, size: "db-s-2vcpu-4gb", region: "lon1", privateNetworkUuid: "vpc-blue-1",
            maintenanceWindows: [{ day: "tuesday", hour: "04:30" }],
        });
    });

    it("gives every API its own database, user and transaction-mode pool of the configured size", () => {
        const pgId = named(owner.resources, "blue-data-pg").id;
        for (const api of API_NAMES) {
            expect(named(owner.resources, `blue-data-${api}-db`).inputs).toEqual({ clusterId: pgId, name: api });
            expect(named(owner.resources, `blue-data-${api}-user`).inputs).toMatchObject({ clusterId: pgId, name: api });
            expect(named(owner.resources, `blue-data-${api}-pool`).inputs).toEqual({
                clusterId: pgId, name: api, dbName: api, user: api, mode: "transaction", size: ownerArgs.poolSizes![api],
            });
        }
    });

    it("puts its read replica of the primary in the colour's VPC", () => {
        expect(named(owner.resources, "blue-data-pg-replica").inputs).toMatchObject({
            clusterId: named(owner.resources, "blue-data-pg").id, privateNetworkUuid: "vpc-blue-1", size: "db-s-4vcpu-8gb", region: "lon1",
        });
    });

    it("trusts only its own cluster and the data-client tag on both firewalls, never an address", () => {
        const expected = [{ type: "k8s", value: "k8s-blue-1" }, { type: "tag", value: DATA_CLIENT_TAG }];
        const firewalls = ofType(owner.resources, T.firewall);
        expect(firewalls.map(f => f.inputs.clusterId).sort())
            .toEqual([named(owner.resources, "blue-data-pg").id, named(owner.resources, "blue-data-valkey").id].sort());
        for (const firewall of firewalls) {
            expect(firewall.inputs.rules).toEqual(expected);
            expect(firewall.inputs.rules.some((rule: { type: string }) => /ip/i.test(rule.type))).toBe(false);
        }
    });

    it("runs Valkey in the VPC with the configured eviction policy and hands out a TLS URL", () => {
        expect(named(owner.resources, "blue-data-valkey").inputs).toMatchObject({
            engine: "valkey", evictionPolicy: "volatile_lru", nodeCount: 1, privateNetworkUuid: "vpc-blue-1",
        });
        expect(value(owner, "redisUrl")).toMatch(/^rediss:\/\/default:[^@]+@private-/);
    });

    it("makes every bucket private, versioned, expiring noncurrent versions and never force-destroyed", () => {
        const buckets = ofType(owner.resources, T.bucket);
        expect(buckets.map(b => b.inputs.name).sort()).toEqual(["blkout-test-backups", "blkout-test-documents", "blkout-test-media"]);
        for (const bucket of buckets) {
            expect(bucket.inputs).toMatchObject({ acl: "private", versioning: { enabled: true }, forceDestroy: false, region: "lon1" });
            expect(bucket.inputs.lifecycleRules).toEqual([expect.objectContaining({ enabled: true, noncurrentVersionExpiration: { days: 45 } })]);
            expect(bucket.inputs.corsRules).toBeUndefined();
        }
    });

    it("allows the site's origin to read media, and CORS on media only", () => {
        const cors = named(owner.resources, "blue-data-media-cors");
        expect(cors.inputs.bucket).toBe("blkout-test-media");
        expect(cors.inputs.corsRules).toEqual([expect.objectContaining({ allowedOrigins: ["https://blkoutuk.com"], allowedMethods: ["GET", "HEAD"] })]);
    });

    it("protects every stateful resource and lets nothing delete before replacing", () => {
        const stateful = owner.resources.filter(r => ([T.cluster, T.replica, T.bucket, T.db] as string[]).includes(r.type));
        expect(stateful).toHaveLength(2 + 1 + 3 + 3);
        expect(stateful.filter(r => !r.protect).map(r => r.name)).toEqual([]);
        expect(owner.resources.filter(r => r.deleteBeforeReplace).map(r => r.name)).toEqual([]);
    });

    it("writes through each API's pool and reads from its replica as the API's own user", () => {
        const replica = named(owner.resources, "blue-data-pg-replica").state;
        for (const api of API_NAMES) {
            expect(value(owner, `${api}.databaseUrl`)).toBe(unwrap(named(owner.resources, `blue-data-${api}-pool`).state.privateUri));
            const read = new URL(value(owner, `${api}.readDatabaseUrl`));
            expect([read.hostname, read.port, read.username, read.pathname]).toEqual([replica.privateHost, String(replica.port), api, `/${api}`]);
            expect(decodeURIComponent(read.password)).toBe(unwrap(named(owner.resources, `blue-data-${api}-user`).state.password));
        }
    });

    it("exports every key the follower reads", () => {
        expect(FOLLOWER_REQUIRED_OUTPUTS.length).toBeGreaterThan(0);
        expect(FOLLOWER_REQUIRED_OUTPUTS.filter(key => !ownerExportKeys.includes(key))).toEqual([]);
        expect(ownerExportKeys.filter(key => !key.startsWith("data"))).toEqual([]);
    });
});

describe("DataPlane follower", () => {
    it("declares only its own replica of the owner's cluster, the peering to reach it and its exporter's user: no primary, cache, buckets or firewall", () => {
        expect(typeCounts(follower.resources)).toEqual({ [T.component]: 1, [T.reference]: 1, [T.replica]: 1, [T.peering]: 1, [T.user]: 1 });
        expect(named(follower.resources, "green-data-peering").inputs.vpcIds)
            .toEqual(["vpc-blue-1", "vpc-green-1"]);
        expect(named(follower.resources, "green-data-owner").inputs.name).toBe(OWNER_STACK);
        const replica = named(follower.resources, "green-data-pg-replica");
        expect(replica.inputs).toMatchObject({
            clusterId: named(owner.resources, "blue-data-pg").id, privateNetworkUuid: "vpc-green-1", size: "db-s-4vcpu-8gb",
        });
        expect(replica.protect).toBe(true);
        expect(replica.deleteBeforeReplace).toBe(false);
    });

    it("writes to the owner's pools, so a canary never splits writes", () => {
        for (const api of API_NAMES) {
            const pool = named(owner.resources, `blue-data-${api}-pool`).state;
            expect(value(follower, `${api}.databaseUrl`)).toBe(value(owner, `${api}.databaseUrl`));
            expect(new URL(value(follower, `${api}.databaseUrl`)).hostname).toBe(pool.privateHost);
        }
    });

    it("reads from its own replica with the owner's credentials", () => {
        const replica = named(follower.resources, "green-data-pg-replica").state;
        for (const api of API_NAMES) {
            const mine = new URL(value(follower, `${api}.readDatabaseUrl`));
            const owners = new URL(value(owner, `${api}.readDatabaseUrl`));
            expect(mine.hostname).toBe(replica.privateHost);
            expect(mine.hostname).not.toBe(owners.hostname);
            expect([mine.username, mine.password, mine.pathname, mine.search]).toEqual([owners.username, owners.password, owners.pathname, owners.search]);
        }
    });

    it("gives each colour's exporter a user of its own on the owner's cluster, reading the colour's own replica over TLS", () => {
        const pgId = named(owner.resources, "blue-data-pg").id;
        for (const [evaluation, colour] of [[owner, "blue"], [follower, "green"]] as const) {
            const user = named(evaluation.resources, `${colour}-data-metrics-user`);
            expect(user.inputs).toEqual({ clusterId: pgId, name: `${colour}_data_metrics` });
            const url = new URL(value(evaluation, "metricsDatabaseUrl"));
            expect([url.username, url.hostname, url.port, url.pathname, url.search]).toEqual([
                `${colour}_data_metrics`, named(evaluation.resources, `${colour}-data-pg-replica`).state.privateHost, "25060", "/defaultdb", "?sslmode=require",
            ]);
            expect(decodeURIComponent(url.password)).toBe(unwrap(user.state.password));
            expect(evaluation.outputs.metricsDatabaseUrl.secret).toBe(true);
        }
    });

    it("shares the owner's cache, buckets, endpoint and session secret, and exports nothing itself", () => {
        for (const key of ["redisUrl", "sessionSecret", "spacesEndpoint", "postgresClusterId", "media", "documents", "backups"]) {
            expect([key, follower.outputs[key].value]).toEqual([key, owner.outputs[key].value]);
        }
        expect(follower.outputs.replicaId.value).not.toBe(owner.outputs.replicaId.value);
        expect(followerExportKeys).toEqual([]);
    });
});

describe("DataPlane secrets", () => {
    const secretFields = ["redisUrl", "sessionSecret", ...API_NAMES.flatMap(api => [`${api}.databaseUrl`, `${api}.readDatabaseUrl`])];

    it.each(["owner", "follower"])("tracks every URL and the session secret as secret (%s)", role => {
        const evaluation = role === "owner" ? owner : follower;
        expect(secretFields.filter(key => !evaluation.outputs[key].secret)).toEqual([]);
        expect(evaluation.outputs.spacesEndpoint.secret).toBe(false);
        expect(evaluation.outputs.role.value).toBe(role);
    });

    it("keeps the owner's exported URLs and session secret secret", () => {
        const secretExports = ownerExportKeys.filter(key => key.endsWith("Url") || key === "dataSessionSecret");
        expect(secretExports).toHaveLength(2 + 2 * API_NAMES.length);
        expect(secretExports.filter(key => !owner.outputs[key].secret)).toEqual([]);
        expect(owner.outputs.dataMediaBucket.secret).toBe(false);
    });

    it("keeps a follower's URLs secret even when the owner exported them in plain text", async () => {
        const exports = Object.fromEntries(ownerExportKeys.map(key => [key, owner.outputs[key].value]));
        const leaky = await evaluateTest(() => exposed(new DataPlane("green-leaky", {
            role: "follower", region: "lon1", vpcId: "vpc-green-1", owner: readOwner("green-leaky-owner"),
        })), { stackReferences: { [OWNER_STACK]: { outputs: exports, secretOutputNames: [] } } });
        expect(secretFields.filter(key => !leaky.outputs[key].secret)).toEqual([]);
    });

    it("exposes the same fields in both roles, and a long generated session secret", async () => {
        expect(Object.keys(follower.outputs).sort()).toEqual(Object.keys(owner.outputs).filter(key => !ownerExportKeys.includes(key)).sort());
        const password = named(owner.resources, "blue-data-session-secret");
        expect(password.inputs).toMatchObject({ length: 64, special: false });
        expect((await resolveOutput(owner.result.sessionSecret)).value).toBe(unwrap(password.state.result));
    });
});
