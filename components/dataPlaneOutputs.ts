import * as pulumi from "@pulumi/pulumi";
import { API_NAMES, ApiName, recordOf } from "./platformNames";

export const DATA_ROLES = ["owner", "follower", "candidate"] as const;
export type DataRole = (typeof DATA_ROLES)[number];

export const BUCKET_KINDS = ["media", "documents", "backups"] as const;
export type BucketKind = (typeof BUCKET_KINDS)[number];

/** One API's connection strings. */
export interface ApiDatabase<T> {
    /** The owner's PgBouncer pool (private network): every write of both colours lands on one primary. */
    readonly databaseUrl: T;
    /** A read replica, as the API's own user on the API's own database. */
    readonly readDatabaseUrl: T;
}

/**
 * The data a follower takes from its owner. Generic so the same shape describes the owner's
 * resources, the stack outputs between them, and the key names themselves.
 */
export interface SharedData<T> {
    /** The owner's VPC: the follower peers with it, since the owner's private hosts live there. */
    readonly vpcId: T;
    readonly postgresClusterId: T;
    readonly redisUrl: T;
    readonly sessionSecret: T;
    readonly spacesEndpoint: T;
    readonly bucketNames: Readonly<Record<BucketKind, T>>;
    readonly databases: Readonly<Record<ApiName, ApiDatabase<T>>>;
}

/**
 * What a DataPlane exposes in either role, so the colour stack and the API services never branch on
 * the role. URLs and the session secret are secret Outputs.
 */
export interface DataPlaneOutputs extends SharedData<pulumi.Output<string>> {
    readonly role: DataRole;
    /** This colour's own read replica (its DigitalOcean UUID). */
    readonly replicaId: pulumi.Output<string>;
}

const capitalise = (word: string): string => `${word[0].toUpperCase()}${word.slice(1)}`;

/** Stack output names, all prefixed `data` so they cannot collide with the colour stack's own. */
const KEYS = {
    vpcId: "dataVpcId",
    postgresClusterId: "dataPostgresClusterId",
    redisUrl: "dataRedisUrl",
    sessionSecret: "dataSessionSecret",
    spacesEndpoint: "dataSpacesEndpoint",
    bucket: (kind: BucketKind) => `data${capitalise(kind)}Bucket`,
    databaseUrl: (api: ApiName) => `data${capitalise(api)}DatabaseUrl`,
    readDatabaseUrl: (api: ApiName) => `data${capitalise(api)}ReadDatabaseUrl`,
} as const;

/**
 * The stack outputs an owner exports for its follower; a follower exports none (nobody follows a
 * follower). The colour stack spreads this into its outputs. Secret values stay secret Outputs.
 */
export function ownerStackOutputs(dataPlane: DataPlaneOutputs): Record<string, pulumi.Output<unknown>> {
    if (dataPlane.role !== "owner") {
        return {};
    }
    const outputs: Record<string, pulumi.Output<unknown>> = {
        [KEYS.vpcId]: dataPlane.vpcId,
        [KEYS.postgresClusterId]: dataPlane.postgresClusterId,
        [KEYS.redisUrl]: dataPlane.redisUrl,
        [KEYS.sessionSecret]: dataPlane.sessionSecret,
        [KEYS.spacesEndpoint]: dataPlane.spacesEndpoint,
    };
    for (const kind of BUCKET_KINDS) {
        outputs[KEYS.bucket(kind)] = dataPlane.bucketNames[kind];
    }
    for (const api of API_NAMES) {
        outputs[KEYS.databaseUrl(api)] = dataPlane.databases[api].databaseUrl;
        outputs[KEYS.readDatabaseUrl(api)] = dataPlane.databases[api].readDatabaseUrl;
    }
    return outputs;
}

/** The owner colour's data as a follower or candidate receives it: each owner stack output, read by the entry point. */
export type OwnerData = SharedData<pulumi.Output<string>>;

/** Builds the shared data by reading each owner output through `read`. */
export function readOwnerData<T>(read: (key: string) => T): SharedData<T> {
    return {
        vpcId: read(KEYS.vpcId),
        postgresClusterId: read(KEYS.postgresClusterId),
        redisUrl: read(KEYS.redisUrl),
        sessionSecret: read(KEYS.sessionSecret),
        spacesEndpoint: read(KEYS.spacesEndpoint),
        bucketNames: recordOf(BUCKET_KINDS, kind => read(KEYS.bucket(kind))),
        databases: recordOf(API_NAMES, api => ({
            databaseUrl: read(KEYS.databaseUrl(api)),
            readDatabaseUrl: read(KEYS.readDatabaseUrl(api)),
        })),
    };
}

/** Every owner output a follower reads: exactly the keys `readOwnerData` asks for. */
export const FOLLOWER_REQUIRED_OUTPUTS: readonly string[] = (() => {
    const keys: string[] = [];
    readOwnerData(key => keys.push(key));
    return keys;
})();

/**
 * Reads one owner output as a non-empty string. `requireOutput` fails on a missing key (an owner
 * stack from an older release), and secretness follows the owner's own marking.
 */
export function requireStringOutput(reference: pulumi.StackReference, key: string): pulumi.Output<string> {
    return reference.requireOutput(key).apply(value => {
        if (typeof value !== "string" || value === "") {
            // Only the kind is named: the value may be one of the owner's secrets.
            throw new Error(`owner stack output ${key}: expected a non-empty string, got ${value === "" ? "an empty string" : typeof value}`);
        }
        return value;
    });
}
