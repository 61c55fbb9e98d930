/**
 * What the providers accept today, as dated tables: a slug-shaped value that is not here does not
 * exist (or no longer does) and would fail at `pulumi up`, after the preview passed. Update the date
 * with the table.
 */

export const TABLES_CHECKED_ON = "2026-11-30";

/**
 * Droplet (and DOKS node pool) size slugs: Basic, General Purpose, CPU-Optimized and Memory-Optimized.
 * Source: `doctl compute size list` / GET https://api.digitalocean.com/v2/sizes, documented at
 * https://docs.digitalocean.com/products/droplets/details/pricing/ and
 * https://docs.digitalocean.com/reference/pydo/reference/sizes/list/ (generated 1 Oct 2026).
 */
export const DROPLET_SIZES: readonly string[] = [
    "s-1vcpu-512mb-10gb", "s-1vcpu-1gb", "s-1vcpu-1gb-amd", "s-1vcpu-1gb-intel", "s-1vcpu-2gb", "s-1vcpu-2gb-amd", "s-1vcpu-2gb-intel",
    "s-2vcpu-2gb", "s-2vcpu-2gb-amd", "s-2vcpu-2gb-intel", "s-2vcpu-4gb", "s-2vcpu-4gb-amd", "s-2vcpu-4gb-intel",
    "s-2vcpu-8gb-amd", "s-2vcpu-8gb-intel", "s-4vcpu-8gb", "s-4vcpu-8gb-amd", "s-4vcpu-8gb-intel",
    "s-4vcpu-16gb-amd", "s-4vcpu-16gb-intel", "s-8vcpu-16gb", "s-8vcpu-16gb-amd", "s-8vcpu-16gb-intel",
    "s-8vcpu-32gb-amd", "s-8vcpu-32gb-intel",
    "g-2vcpu-8gb", "g-4vcpu-16gb", "g-8vcpu-32gb", "g-16vcpu-64gb", "g-32vcpu-128gb", "g-40vcpu-160gb",
    "gd-2vcpu-8gb", "gd-4vcpu-16gb", "gd-8vcpu-32gb", "gd-16vcpu-64gb", "gd-32vcpu-128gb", "gd-40vcpu-160gb",
    "c-2", "c-4", "c-8", "c-16", "c-32", "c-48", "c2-2vcpu-4gb", "c2-4vcpu-8gb", "c2-8vcpu-16gb", "c2-16vcpu-32gb", "c2-32vcpu-64gb", "c2-48vcpu-96gb",
    "m-2vcpu-16gb", "m-4vcpu-32gb", "m-8vcpu-64gb", "m-16vcpu-128gb", "m-24vcpu-192gb", "m-32vcpu-256gb",
    "m3-2vcpu-16gb", "m3-4vcpu-32gb", "m3-8vcpu-64gb", "m3-16vcpu-128gb", "m3-24vcpu-192gb", "m3-32vcpu-256gb",
];

/** Memory of a database size slug, GiB. */
export interface DatabaseSize {
    readonly memoryGiB: number;
}

/**
 * Managed database node sizes (PostgreSQL, Valkey). Source: the provider's `DatabaseSlug` enum
 * (@pulumi/digitalocean types/enums, and /work/shared/schema-oracles/digitalocean-4.76.0+1) and
 * https://docs.digitalocean.com/products/databases/postgresql/details/pricing/.
 */
export const DATABASE_SIZES: Readonly<Record<string, DatabaseSize>> = {
    "db-s-1vcpu-1gb": { memoryGiB: 1 },
    "db-s-1vcpu-2gb": { memoryGiB: 2 },
    "db-s-2vcpu-4gb": { memoryGiB: 4 },
    "db-s-4vcpu-8gb": { memoryGiB: 8 },
    "db-s-6vcpu-16gb": { memoryGiB: 16 },
    "db-s-8vcpu-32gb": { memoryGiB: 32 },
    "db-s-16vcpu-64gb": { memoryGiB: 64 },
};

/**
 * PostgreSQL backend connections a node size allows: 25 per GiB of RAM, less 3 the service keeps
 * for itself (the 1 GiB node's 22 connections in DigitalOcean's pool example).
 * Source: https://docs.digitalocean.com/products/databases/postgresql/details/limits/ and
 * https://www.digitalocean.com/docs/databases/how-to/postgresql/manage-connection-pools/.
 */
export function postgresConnectionLimit(size: string): number | undefined {
    const known = DATABASE_SIZES[size];
    return known === undefined ? undefined : known.memoryGiB * 25 - 3;
}

/**
 * DOKS minor versions DigitalOcean offers (`doctl kubernetes options versions`, the
 * getKubernetesVersions data source); older minors reach end of life and are refused at create.
 * Source: https://docs.digitalocean.com/products/kubernetes/details/supported-releases/.
 */
export const KUBERNETES_MINORS: readonly string[] = ["1.31", "1.32", "1.33"];

/** The platform's own container registry: every API image is built and pushed here by CI. */
export const PLATFORM_REGISTRY = "registry.digitalocean.com/blkout/";

/**
 * Where the gateway's nginx may come from: the platform registry, or the upstream image that runs
 * as an unprivileged user (uid 101, listens on 8080), which the gateway's securityContext expects.
 * Source: https://hub.docker.com/r/nginxinc/nginx-unprivileged.
 */
export const GATEWAY_IMAGE_SOURCES: readonly string[] = [PLATFORM_REGISTRY, "nginxinc/nginx-unprivileged:", "docker.io/nginxinc/nginx-unprivileged:"];

/** Tags that are moved to a new build over time: a deploy could change what runs without a config change. */
export const MOVING_TAG_WORDS: readonly string[] = [
    "latest", "stable", "mainline", "edge", "main", "master", "nightly", "dev", "develop", "current", "release", "lts", "head", "canary", "beta", "alpha", "next", "rc",
];

/**
 * Cookie names visitors' browsers already send (frameworks' session cookies, analytics, Cloudflare's
 * own): routing on one would send ordinary visitors to the preview colour.
 */
export const COMMON_COOKIES: readonly string[] = [
    "session", "sessionid", "session_id", "sid", "connect.sid", "phpsessid", "jsessionid", "asp.net_sessionid", "laravel_session",
    "_session", "csrftoken", "xsrf-token", "_csrf", "token", "auth", "_ga", "_gid", "_gat", "_fbp", "__cf_bm", "cf_clearance", "__cflb",
    "__cfruid", "_cfuvid", "lang", "locale", "theme", "consent", "cookieconsent_status",
];

/**
 * Request headers browsers, proxies and Cloudflare set on ordinary requests (RFC 9110 and friends).
 * Source: https://www.iana.org/assignments/http-fields/http-fields.xhtml and
 * https://developers.cloudflare.com/fundamentals/reference/http-headers/.
 */
export const STANDARD_HEADERS: readonly string[] = [
    "host", "user-agent", "accept", "accept-encoding", "accept-language", "accept-charset", "authorization", "cache-control", "connection",
    "content-length", "content-type", "cookie", "date", "dnt", "expect", "forwarded", "from", "if-match", "if-modified-since", "if-none-match",
    "if-range", "if-unmodified-since", "origin", "pragma", "priority", "range", "referer", "te", "upgrade", "upgrade-insecure-requests", "via",
    "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "x-requested-with", "cf-connecting-ip", "cf-ipcountry", "cf-ray",
    "cf-visitor", "cdn-loop", "true-client-ip", "sec-fetch-dest", "sec-fetch-mode", "sec-fetch-site", "sec-fetch-user", "sec-ch-ua",
    "sec-ch-ua-mobile", "sec-ch-ua-platform", "purpose", "save-data", "keep-alive", "proxy-authorization", "x-csrf-token",
];

/** Paths a health monitor may probe: the gateway's and APIs' own health endpoints, never a static file. */
export const HEALTH_PATH = /^\/(?:healthz|readyz|livez|health|status|ping)(?:\/[a-z0-9-]+)*$/;
