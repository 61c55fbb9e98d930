import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { DATA_ROLES, DataPlaneOutputs, DataRole, OwnerData, readOwnerData } from "./dataPlaneOutputs";
import { CandidateData, createCandidateClusters } from "./dataPlaneCandidate";
import { createMetricsLogin, createOwnerPostgres, createReplica, MaintenanceWindow, retargetUrl } from "./dataPlanePostgres";
import { createBuckets, createSessionSecret, createValkey, EVICTION_POLICIES, EvictionPolicy, requireTlsRedisUrl } from "./dataPlaneStorage";
import { API_NAMES, ApiName, assertNoProblems, recordOf } from "./platformNames";

export { DATA_CLIENT_TAG } from "./dataPlanePostgres";
export { BUCKET_KINDS, FOLLOWER_REQUIRED_OUTPUTS, ownerStackOutputs, readOwnerData, requireStringOutput } from "./dataPlaneOutputs";
export type { ApiDatabase, BucketKind, DataPlaneOutputs, DataRole, OwnerData } from "./dataPlaneOutputs";
export type { CandidateData } from "./dataPlaneCandidate";

export interface PostgresArgs {
    /** Pinned major version; changing it is a data cutover, not an in-place edit. @default "16" */
    readonly version?: string;
    /** @default "db-s-2vcpu-4gb" */
    readonly size?: string;
    /** Primary plus standbys, 1-3; 2 or more is HA (production). @default 2 */
    readonly nodeCount?: number;
    /** The owner's read replica; DigitalOcean wants it at least as large as the primary. @default "db-s-2vcpu-4gb" */
    readonly replicaSize?: string;
    /** Also used for Valkey, so the data plane has one quiet window. @default { day: "sunday", startTime: "03:00" } */
    readonly maintenance?: MaintenanceWindow;
}

export interface ValkeyArgs {
    /** @default "8" */
    readonly version?: string;
    /** @default "db-s-1vcpu-2gb" */
    readonly size?: string;
    /** 1-3; a standby keeps visitors' sessions through a node failure. @default 2 */
    readonly nodeCount?: number;
    /** @default "allkeys_lru" (cache and sessions) */
    readonly evictionPolicy?: EvictionPolicy;
}

export interface BucketArgs {
    /** Bucket names are `<prefix>-media` etc., global per Spaces region. @default "blkout-platform" */
    readonly namePrefix?: string;
    /** Spaces region. @default the data plane's `region` */
    readonly region?: string;
    /** Days before a noncurrent object version expires. @default 30 */
    readonly noncurrentVersionDays?: number;
}

interface CommonArgs {
    /** DigitalOcean region slug of this colour, e.g. `lon1`. */
    readonly region: string;
    /** This colour's VPC: every cluster and replica here is reached over its private network. */
    readonly vpcId: pulumi.Input<string>;
}

/** The colour that declares the data: primary PostgreSQL, Valkey, buckets, session secret. */
export interface OwnerDataPlaneArgs extends CommonArgs {
    readonly role: "owner";
    /** This colour's DOKS cluster, trusted by name; the follower's is trusted through `DATA_CLIENT_TAG`. */
    readonly kubernetesClusterId: pulumi.Input<string>;
    /** The site's origin (`https://<domain>`), the only origin allowed to fetch media from a browser. */
    readonly siteOrigin: string;
    readonly postgres?: PostgresArgs;
    readonly valkey?: ValkeyArgs;
    readonly buckets?: BucketArgs;
    /** PgBouncer pool size per API on the primary. @default 10 each */
    readonly poolSizes?: Partial<Record<ApiName, number>>;
}

/** The colour that uses the owner's data through its own read replica. */
export interface FollowerDataPlaneArgs extends CommonArgs {
    readonly role: "follower";
    /**
     * The owner colour's data, read from its stack outputs by the entry point (a StackReference there,
     * `readOwnerData(key => requireStringOutput(reference, key))`): components never open stacks. @default none (required)
     */
    readonly owner: OwnerData;
    /** @default "db-s-2vcpu-4gb" */
    readonly replicaSize?: string;
    /**
     * A standby colour has no replica of its own and reads through the owner's: it carries no
     * traffic, and the warm-up creates the replica and waits for it to catch up. @default false
     */
    readonly standby?: boolean;
}

/**
 * A follower that also runs its own PostgreSQL cluster (one database and user per API) and Valkey,
 * which the data tool keeps in sync with the owner's until a cutover makes it the owner. The
 * applications keep the owner's URLs: the candidate's clusters take writes only from replication.
 */
export interface CandidateDataPlaneArgs extends CommonArgs {
    readonly role: "candidate";
    /** The owner colour's data, as for a follower. @default none (required) */
    readonly owner: OwnerData;
    /** @default "db-s-2vcpu-4gb" */
    readonly replicaSize?: string;
    /** This colour's DOKS cluster, trusted by the candidate's own clusters. */
    readonly kubernetesClusterId: pulumi.Input<string>;
    /** The owner's spec or a new one (a newer major, another size). */
    readonly postgres?: PostgresArgs;
    readonly valkey?: ValkeyArgs;
}

export type DataPlaneArgs = OwnerDataPlaneArgs | FollowerDataPlaneArgs | CandidateDataPlaneArgs;

export const DATA_PLANE_DEFAULTS = {
    postgres: { version: "16", size: "db-s-2vcpu-4gb", nodeCount: 2, replicaSize: "db-s-2vcpu-4gb", maintenance: { day: "sunday", startTime: "03:00" } },
    valkey: { version: "8", size: "db-s-1vcpu-2gb", nodeCount: 2, evictionPolicy: "allkeys_lru" as EvictionPolicy },
    bucketNamePrefix: "blkout-platform",
    noncurrentVersionDays: 30,
    poolSize: 10,
} as const;

type Check = (value: unknown) => boolean;
const integer = (min: number, max: number): Check => value => Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
const matching = (pattern: RegExp): Check => value => typeof value === "string" && pattern.test(value);
const oneOf = (values: readonly string[]): Check => value => typeof value === "string" && values.includes(value);
/** A plain id must be non-empty; an Output or Promise is resolved later by the engine. */
const idInput: Check = value => pulumi.Output.isInstance(value) || value instanceof Promise || (typeof value === "string" && value !== "");

const SIZE_SLUG = matching(/^[a-z0-9]+(-[a-z0-9]+)+$/);
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "any"];

/** One rule: the key path, its value, whether it may be left out, the check and what it expects. */
type Rule = readonly [key: string, value: unknown, optional: boolean, check: Check, expected: string];

function describe(value: unknown): string {
    return value === undefined ? "nothing" : JSON.stringify(value) ?? String(value);
}

/** The rules of the clusters an owner or a candidate declares itself. */
function clusterRules(args: Pick<OwnerDataPlaneArgs, "postgres" | "valkey">): Rule[] {
    const { postgres: pg, valkey } = args;
    return [
        ["postgres.version", pg?.version, true, matching(/^\d+$/), "a major version like \"16\""],
        ["postgres.size", pg?.size, true, SIZE_SLUG, "a database size slug like db-s-2vcpu-4gb"],
        ["postgres.nodeCount", pg?.nodeCount, true, integer(1, 3), "an integer 1-3"],
        ["postgres.replicaSize", pg?.replicaSize, true, SIZE_SLUG, "a database size slug like db-s-2vcpu-4gb"],
        ["postgres.maintenance.day", pg?.maintenance?.day, pg?.maintenance === undefined, oneOf(WEEKDAYS), `one of ${WEEKDAYS.join(", ")}`],
        ["postgres.maintenance.startTime", pg?.maintenance?.startTime, pg?.maintenance === undefined,
            matching(/^([01]\d|2[0-3]):[0-5]\d$/), "a UTC time HH:MM"],
        ["valkey.version", valkey?.version, true, matching(/^\d+$/), "a major version like \"8\""],
        ["valkey.size", valkey?.size, true, SIZE_SLUG, "a database size slug like db-s-1vcpu-2gb"],
        ["valkey.nodeCount", valkey?.nodeCount, true, integer(1, 3), "an integer 1-3"],
        ["valkey.evictionPolicy", valkey?.evictionPolicy, true, oneOf(EVICTION_POLICIES), `one of ${EVICTION_POLICIES.join(", ")}`],
    ];
}

const clusterIdRule = (args: { kubernetesClusterId: unknown }): Rule => ["kubernetesClusterId", args.kubernetesClusterId, false, idInput, "a Kubernetes cluster id"];

function ownerRules(args: OwnerDataPlaneArgs): Rule[] {
    const { buckets } = args;
    const unknownApis = Object.keys(args.poolSizes ?? {}).filter(api => !(API_NAMES as readonly string[]).includes(api));
    return [
        clusterIdRule(args),
        ["siteOrigin", args.siteOrigin, false, matching(/^https:\/\/[a-z0-9.-]+(:\d+)?$/), "an https origin without a path, like https://blkoutuk.com"],
        ["owner", (args as { owner?: unknown }).owner, true, () => false, "no owner (only a follower or candidate reads the owner's data)"],
        ...clusterRules(args),
        ["buckets.namePrefix", buckets?.namePrefix, true, matching(/^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/),
            "3-50 lowercase letters, digits or dashes (a bucket name prefix)"],
        ["buckets.region", buckets?.region, true, matching(/^[a-z]{3}\d$/), "a region slug like ams3"],
        ["buckets.noncurrentVersionDays", buckets?.noncurrentVersionDays, true, integer(1, 3650), "an integer 1-3650"],
        ...API_NAMES.map((api): Rule => [`poolSizes.${api}`, args.poolSizes?.[api], true, integer(1, 100), "an integer 1-100"]),
        ...unknownApis.map((api): Rule => [`poolSizes.${api}`, api, false, () => false, `one of the APIs ${API_NAMES.join(", ")}`]),
    ];
}

function candidateRules(args: CandidateDataPlaneArgs): Rule[] {
    return [...followerRules(args), clusterIdRule(args), ...clusterRules(args)];
}

function followerRules(args: FollowerDataPlaneArgs | CandidateDataPlaneArgs): Rule[] {
    return [
        ["owner", args.owner, false, isOwnerData, "the owner's data, read from its stack outputs (readOwnerData)"],
        ["replicaSize", args.replicaSize, true, SIZE_SLUG, "a database size slug like db-s-2vcpu-4gb"],
        ["standby", (args as { standby?: unknown }).standby, true, value => typeof value === "boolean", "true or false"],
    ];
}

/** Owner data has every key a follower reads, each an Output: the shape is `readOwnerData`'s own, never restated. */
function isOwnerData(value: unknown): boolean {
    const matches = (shape: unknown, data: unknown): boolean => typeof shape === "string"
        ? pulumi.Output.isInstance(data)
        : typeof data === "object" && data !== null
            && Object.entries(shape as Record<string, unknown>).every(([key, child]) => matches(child, (data as Record<string, unknown>)[key]));
    return matches(readOwnerData(key => key), value);
}

/** Every problem with the arguments, each naming its key; empty when they are valid. */
export function dataPlaneProblems(args: DataPlaneArgs): string[] {
    const role: unknown = args.role;
    const rules: Rule[] = [
        ["role", role, false, oneOf(DATA_ROLES), "\"owner\", \"follower\" or \"candidate\""],
        ["region", args.region, false, matching(/^[a-z]{3}\d$/), "a DigitalOcean region slug like lon1"],
        ["vpcId", args.vpcId, false, idInput, "a VPC id"],
        ...(args.role === "owner" ? ownerRules(args) : args.role === "follower" ? followerRules(args) : args.role === "candidate" ? candidateRules(args) : []),
    ];
    return rules
        .filter(([, value, optional, check]) => !(optional && value === undefined) && !check(value))
        .map(([key, value, , , expected]) => `${key}: expected ${expected}, got ${describe(value)}`);
}

/** What a role declares: the shared outputs plus, where this colour has a replica, the exporter's login on it. */
type RoleData = Omit<DataPlaneOutputs, "role"> & { readonly metricsDatabaseUrl?: pulumi.Output<string> };

function createOwner(name: string, parent: pulumi.Resource, args: OwnerDataPlaneArgs): RoleData {
    const defaults = DATA_PLANE_DEFAULTS;
    const postgres = { ...defaults.postgres, ...args.postgres };
    const placement = { region: args.region, vpcId: args.vpcId, kubernetesClusterId: args.kubernetesClusterId };
    const primary = createOwnerPostgres(name, parent, {
        ...postgres,
        poolSizes: recordOf(API_NAMES, api => args.poolSizes?.[api] ?? defaults.poolSize),
    }, placement);
    const storage = createBuckets(name, parent, {
        namePrefix: args.buckets?.namePrefix ?? defaults.bucketNamePrefix,
        region: args.buckets?.region ?? args.region,
        noncurrentVersionDays: args.buckets?.noncurrentVersionDays ?? defaults.noncurrentVersionDays,
        siteOrigin: args.siteOrigin,
    });
    return {
        vpcId: pulumi.output(args.vpcId),
        postgresClusterId: primary.cluster.id,
        replicaId: primary.replica.uuid,
        databases: primary.databases,
        metricsDatabaseUrl: createMetricsLogin(name, parent, primary.cluster.id, primary.replica),
        redisUrl: createValkey(name, parent, { ...defaults.valkey, ...args.valkey }, placement, postgres.maintenance),
        sessionSecret: createSessionSecret(name, parent),
        ...storage,
    };
}

/** Writes, cache, buckets and the session secret are the owner's; only the read replica is the follower's. */
function createFollower(name: string, parent: pulumi.Resource, args: FollowerDataPlaneArgs): RoleData {
    const shared = args.owner;
    // DigitalOcean VPCs are isolated from each other: without peering, this colour's pods could
    // not reach the owner's private pool hosts at all.
    new digitalocean.VpcPeering(`${name}-peering`, { name: `${name}-to-owner`, vpcIds: [shared.vpcId, args.vpcId] }, { parent });
    if (args.standby === true) {
        // No replica of its own: an empty id says so, and the reads stay on the owner's replica.
        return { ...shared, replicaId: pulumi.output("") };
    }
    const replica = createReplica(name, parent, {
        clusterId: shared.postgresClusterId,
        region: args.region,
        size: args.replicaSize ?? DATA_PLANE_DEFAULTS.postgres.replicaSize,
        vpcId: args.vpcId,
    });
    return {
        ...shared,
        replicaId: replica.uuid,
        metricsDatabaseUrl: createMetricsLogin(name, parent, shared.postgresClusterId, replica),
        databases: recordOf(API_NAMES, api => ({
            databaseUrl: shared.databases[api].databaseUrl,
            readDatabaseUrl: pulumi.all([shared.databases[api].readDatabaseUrl, replica.privateHost, replica.port])
                .apply(([url, host, port]) => retargetUrl(url, host, port)),
        })),
    };
}

/** The follower's data for the applications, plus the candidate's own clusters for the data tool. */
function createCandidate(name: string, parent: pulumi.Resource, args: CandidateDataPlaneArgs): RoleData & { candidate: CandidateData } {
    const followed = createFollower(name, parent, { role: "follower", region: args.region, vpcId: args.vpcId, owner: args.owner, replicaSize: args.replicaSize });
    const postgres = { ...DATA_PLANE_DEFAULTS.postgres, ...args.postgres };
    const candidate = createCandidateClusters(name, parent, postgres, { ...DATA_PLANE_DEFAULTS.valkey, ...args.valkey },
        { region: args.region, vpcId: args.vpcId, kubernetesClusterId: args.kubernetesClusterId });
    return { ...followed, candidate };
}

/**
 * The platform's data: declared by the owner colour, followed by the other. Both roles expose the
 * same fields, so nothing downstream branches on the role.
 */
export class DataPlane extends pulumi.ComponentResource implements DataPlaneOutputs {
    readonly role: DataRole;
    readonly vpcId: pulumi.Output<string>;
    readonly postgresClusterId: pulumi.Output<string>;
    readonly replicaId: pulumi.Output<string>;
    readonly databases: DataPlaneOutputs["databases"];
    readonly redisUrl: pulumi.Output<string>;
    readonly sessionSecret: pulumi.Output<string>;
    readonly spacesEndpoint: pulumi.Output<string>;
    readonly bucketNames: DataPlaneOutputs["bucketNames"];
    /** The candidate role's own clusters; undefined for the other roles. */
    readonly candidate?: CandidateData;
    /** Secret: the metrics exporter's login on this colour's own read replica; undefined for a standby follower, which has none. */
    readonly metricsDatabaseUrl?: pulumi.Output<string>;

    constructor(name: string, args: DataPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        assertNoProblems(`DataPlane "${name}" arguments`, dataPlaneProblems(args));
        super("blkout:platform:DataPlane", name, {}, opts);
        const data: RoleData & { candidate?: CandidateData } = args.role === "owner" ? createOwner(name, this, args)
            : args.role === "candidate" ? createCandidate(name, this, args) : createFollower(name, this, args);
        this.role = args.role;
        this.candidate = data.candidate;
        this.metricsDatabaseUrl = data.metricsDatabaseUrl && pulumi.secret(data.metricsDatabaseUrl);
        this.vpcId = data.vpcId;
        this.postgresClusterId = data.postgresClusterId;
        this.replicaId = data.replicaId;
        // Secret again here, whatever the source: an owner stack that exported a URL in plain text
        // must not make the follower's copy plain too.
        this.databases = recordOf(API_NAMES, api => ({
            databaseUrl: pulumi.secret(data.databases[api].databaseUrl),
            readDatabaseUrl: pulumi.secret(data.databases[api].readDatabaseUrl),
        }));
        this.redisUrl = pulumi.secret(data.redisUrl.apply(requireTlsRedisUrl));
        this.sessionSecret = pulumi.secret(data.sessionSecret);
        this.spacesEndpoint = data.spacesEndpoint;
        this.bucketNames = data.bucketNames;
        this.registerOutputs({
            role: this.role,
            vpcId: this.vpcId,
            postgresClusterId: this.postgresClusterId,
            replicaId: this.replicaId,
            databases: this.databases,
            redisUrl: this.redisUrl,
            sessionSecret: this.sessionSecret,
            spacesEndpoint: this.spacesEndpoint,
            bucketNames: this.bucketNames,
            candidate: this.candidate,
            metricsDatabaseUrl: this.metricsDatabaseUrl,
        });
    }
}
