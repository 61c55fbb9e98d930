import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BUCKET_KINDS, BucketKind } from "./dataPlaneOutputs";
import { recordOf } from "./platformNames";
import { ClusterSettings, createTrustedCluster, MaintenanceWindow, OwnerPlacement } from "./dataPlanePostgres";

/** The values DigitalOcean accepts for a Valkey cluster's `evictionPolicy`. */
export const EVICTION_POLICIES = ["noeviction", "allkeys_lru", "allkeys_random", "volatile_lru", "volatile_random", "volatile_ttl"] as const;
export type EvictionPolicy = (typeof EVICTION_POLICIES)[number];

export interface ValkeySettings extends ClusterSettings {
    readonly evictionPolicy: EvictionPolicy;
}

export interface BucketSettings {
    readonly namePrefix: string;
    readonly region: string;
    readonly noncurrentVersionDays: number;
    /** The site's origin, the only one allowed to fetch media from a browser. */
    readonly siteOrigin: string;
}

/**
 * DigitalOcean's Valkey accepts TLS connections only, so a URL of any other scheme means a client
 * would fail (or, against another server, talk in plain text): refuse it at deploy time. The URL
 * itself is secret, so the message names only its scheme.
 */
export function requireTlsRedisUrl(url: string): string {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
    if (scheme !== "rediss") {
        throw new Error(`Valkey URL: expected scheme rediss:// (TLS), got ${scheme === undefined ? "no scheme" : `${scheme}://`}`);
    }
    return url;
}

/**
 * The Redis-compatible cache and session store: DigitalOcean retired managed Redis, Valkey replaces
 * it. The eviction policy is set on the cluster rather than through a DatabaseValkeyConfig so one
 * resource, not two, owns it. Returns the private (in-VPC) URL.
 */
export function createValkey(
    name: string,
    parent: pulumi.Resource,
    settings: ValkeySettings,
    placement: OwnerPlacement,
    maintenance: MaintenanceWindow,
): pulumi.Output<string> {
    const cluster = createTrustedCluster(`${name}-valkey`, parent, "valkey", settings, placement, maintenance,
        { evictionPolicy: settings.evictionPolicy });
    return pulumi.secret(cluster.privateUri);
}

/** Bucket names are global per Spaces region, hence a prefix of the platform's rather than the colour's. */
export function bucketName(prefix: string, kind: BucketKind): string {
    return `${prefix}-${kind}`;
}

function createBucket(name: string, parent: pulumi.Resource, settings: BucketSettings, kind: BucketKind): digitalocean.SpacesBucket {
    return new digitalocean.SpacesBucket(`${name}-${kind}`, {
        name: bucketName(settings.namePrefix, kind),
        region: settings.region,
        acl: "private",
        // Versioning turns an overwrite or delete into a recoverable noncurrent version; the rule
        // below bounds what those versions cost.
        versioning: { enabled: true },
        lifecycleRules: [{
            id: "expire-noncurrent-versions",
            enabled: true,
            noncurrentVersionExpiration: { days: settings.noncurrentVersionDays },
            // Abandoned multipart uploads are billed but invisible in listings.
            abortIncompleteMultipartUploadDays: 7,
        }],
        forceDestroy: false,
    }, { parent, protect: true });
}

export interface Buckets {
    readonly bucketNames: Readonly<Record<BucketKind, pulumi.Output<string>>>;
    /** `https://<region>.digitaloceanspaces.com`, for S3 clients. */
    readonly spacesEndpoint: pulumi.Output<string>;
}

/**
 * Media, documents and backups, all private. Only media is fetched by the site's pages in the
 * browser, so only media gets CORS, as its own resource: the bucket's inline `corsRules` is deprecated.
 */
export function createBuckets(name: string, parent: pulumi.Resource, settings: BucketSettings): Buckets {
    const buckets = recordOf(BUCKET_KINDS, kind => createBucket(name, parent, settings, kind));
    new digitalocean.SpacesBucketCorsConfiguration(`${name}-media-cors`, {
        bucket: buckets.media.name,
        region: settings.region,
        corsRules: [{
            allowedOrigins: [settings.siteOrigin],
            allowedMethods: ["GET", "HEAD"],
            allowedHeaders: ["*"],
            maxAgeSeconds: 3600,
        }],
    }, { parent });
    return {
        bucketNames: recordOf(BUCKET_KINDS, kind => buckets[kind].name),
        spacesEndpoint: pulumi.interpolate`https://${buckets.media.endpoint}`,
    };
}

/**
 * Signs visitors' session cookies. Both colours use this one secret (the follower reads it from the
 * owner), so a visitor moved between colours by the canary keeps their session.
 */
export function createSessionSecret(name: string, parent: pulumi.Resource): pulumi.Output<string> {
    // Alphanumeric only: the value travels through env vars and config files that mangle quotes.
    const secret = new random.RandomPassword(`${name}-session-secret`, { length: 64, special: false }, { parent });
    return pulumi.secret(secret.result);
}
