import { z } from "zod";
import { ALERT_THRESHOLD_RANGES, ALERT_WINDOWS, AlertThresholds, DEFAULT_ALERT_THRESHOLDS, EMAIL_ADDRESS } from "../../components/alerts";
import { DEFAULT_API_PORT } from "../../components/apiService";
import { DEFAULT_MAX_BODY_BYTES, MEBIBYTE } from "../../components/nginxConfig";
import { ApiName, COLOURS } from "../../components/platformNames";
import { ipv4CidrProblem, isPrivateCidr } from "../../components/cidr";
import { describeValue, integer, matching, oneOf, pinnedImage, section } from "./validators";

/**
 * The one schema of a colour stack's config (`Pulumi.<colour>.yaml`, namespace `blkout-platform:`).
 * Defaults sit beside each field; the seeds' numbers are the defaults where the seeds give one.
 */


const WEEKDAY = oneOf(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "any"]);
const HOUR_MINUTE = matching(/^([01]\d|2[0-3]):[0-5]\d$/, "a time HH:MM (24 h, UTC)");
const CIDR = z.string({ error: issue => `expected an IPv4 CIDR like 10.110.0.0/20, got ${describeValue(issue.input)}` })
    .superRefine((cidr, ctx) => {
        const problem = ipv4CidrProblem(cidr) ?? (isPrivateCidr(cidr) ? undefined : `expected a private (RFC 1918) range, got ${describeValue(cidr)}`);
        if (problem) {
            ctx.addIssue({ code: "custom", message: problem });
        }
    });
const SIZE_SLUG = matching(/^[a-z0-9-]+$/, "a DigitalOcean size slug like s-2vcpu-4gb");
const CPU = matching(/^\d+m$|^\d+(\.\d+)?$/, "a CPU quantity like 250m or 1");
const MEMORY = matching(/^\d+(Mi|Gi)$/, "a memory quantity like 256Mi or 1Gi");
const STACK_NAME = matching(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "a fully qualified stack name org/project/stack");

/** The only TTLs DigitalOcean's CDN accepts. */
const CDN_TTLS: readonly number[] = [60, 600, 3600, 86400, 604800];

/** A threshold with the Alerts component's bounds and default. */
const threshold = (key: keyof AlertThresholds) => integer(...ALERT_THRESHOLD_RANGES[key]).default(DEFAULT_ALERT_THRESHOLDS[key]);

const maintenanceWindow = section({
    /** @default "sunday" */
    day: WEEKDAY.default("sunday"),
    /** UTC; the seeds' quiet hours. @default "03:00" */
    startTime: HOUR_MINUTE.default("03:00"),
});

const apiService = section({
    /** Pinned image (tag or digest), never `latest`. */
    image: pinnedImage(),
    /** Replicas when the colour is active; the HPA's minimum. @default 2 (seed) */
    replicas: integer(1, 50).default(2),
    /** HPA ceiling. @default 10 (seed) */
    maxReplicas: integer(1, 100).default(10),
    /** HPA CPU utilisation target, percent. @default 70 (seed) */
    cpuTargetPercent: integer(10, 95).default(70),
    /** @default "250m" */
    cpuRequest: CPU.default("250m"),
    /** @default "1" */
    cpuLimit: CPU.default("1"),
    /** @default "256Mi" */
    memoryRequest: MEMORY.default("256Mi"),
    /** @default "512Mi" */
    memoryLimit: MEMORY.default("512Mi"),
    /** Container port. @default DEFAULT_API_PORT (components/apiService.ts) */
    port: integer(1024, 65535).default(DEFAULT_API_PORT),
    /** Connection pool size on the owner's PostgreSQL for this API. @default 10 */
    poolSize: integer(1, 100).default(10),
});

const ownerData = section({
    role: z.literal("owner", { error: "expected \"owner\" or \"follower\"" }),
    postgres: section({
        /** Pinned major version. @default "16" */
        version: matching(/^\d{2}$/, "a PostgreSQL major version like \"16\"").default("16"),
        /** @default "db-s-2vcpu-4gb" */
        size: SIZE_SLUG.default("db-s-2vcpu-4gb"),
        /** Primary + standby nodes; 2+ is HA. @default 2 */
        nodeCount: integer(1, 3).default(2),
        /** @default "db-s-2vcpu-4gb" */
        replicaSize: SIZE_SLUG.default("db-s-2vcpu-4gb"),
        maintenance: maintenanceWindow.default({ day: "sunday", startTime: "03:00" }),
    }),
    valkey: section({
        /** @default "8" */
        version: matching(/^\d+$/, "a Valkey major version like \"8\"").default("8"),
        /** @default "db-s-1vcpu-2gb" */
        size: SIZE_SLUG.default("db-s-1vcpu-2gb"),
        /** @default "allkeys_lru" (sessions and cache) */
        evictionPolicy: oneOf(["noeviction", "allkeys_lru", "allkeys_random", "volatile_lru", "volatile_random", "volatile_ttl"]).default("allkeys_lru"),
    }),
    buckets: section({
        /** Days before a noncurrent object version expires. @default 30 */
        noncurrentVersionDays: integer(1, 3650).default(30),
    }).default({ noncurrentVersionDays: 30 }),
});

const followerData = section({
    role: z.literal("follower", { error: "expected \"owner\" or \"follower\"" }),
    /** The owner colour's stack, read through a StackReference. */
    ownerStack: STACK_NAME,
    /** Size of this colour's own read replica of the owner's PostgreSQL. @default "db-s-2vcpu-4gb" */
    replicaSize: SIZE_SLUG.default("db-s-2vcpu-4gb"),
});

/**
 * A follower that also runs its own PostgreSQL and Valkey, kept in sync by the data tool
 * (`npm run data -- sync`), ready to take the data over in a cutover. Its applications still read
 * and write the owner's data; its own clusters take writes only from replication.
 */
const candidateData = section({
    role: z.literal("candidate", { error: "expected \"owner\", \"follower\" or \"candidate\"" }),
    ownerStack: STACK_NAME,
    replicaSize: SIZE_SLUG.default("db-s-2vcpu-4gb"),
    /** The owner's spec or a new one (a newer major, a resize): never an older major than the owner's. */
    postgres: ownerData.shape.postgres,
    valkey: ownerData.shape.valkey,
});

export const colourConfigSchema = section({
    colour: oneOf(COLOURS),
    /** `standby` keeps the colour cheap: minimum nodes and replicas. */
    mode: oneOf(["active", "standby"]),
    /** Production demands HA; staging may run lean. @default "production" */
    environment: oneOf(["production", "staging"]).default("production"),
    /** @default "lon1" (London) */
    region: oneOf(["lon1", "ams3", "fra1", "nyc3", "sfo3", "sgp1", "tor1", "blr1", "syd1"]).default("lon1"),
    /** The platform's public domain, on Cloudflare. */
    domain: matching(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/, "a domain name like blkoutuk.com"),
    /** The release this colour runs; the switch refuses to move traffic between equal releases. */
    releaseVersion: matching(/^\d{4}\.\d{1,2}\.\d+$/, "a release version like 2026.11.3"),
    cloudflare: section({
        zoneId: matching(/^[a-f0-9]{32}$/, "a 32-character Cloudflare zone id"),
    }),
    network: section({
        vpcCidr: CIDR,
        /** Pod network; must not overlap any VPC. */
        clusterSubnet: CIDR,
        /** Service network; must not overlap any VPC. */
        serviceSubnet: CIDR,
    }),
    cluster: section({
        /**
         * Kubernetes minor version; DigitalOcean applies patches itself (auto-upgrade), so a full
         * slug here would later read as a downgrade and plan a cluster replacement.
         */
        kubernetesVersion: matching(/^1\.\d{1,2}$/, "a Kubernetes minor version like \"1.33\""),
        /** @default "s-4vcpu-8gb" */
        nodeSize: SIZE_SLUG.default("s-4vcpu-8gb"),
        /** @default 2 (seed) */
        minNodes: integer(1, 100).default(2),
        /** @default 10 (seed) */
        maxNodes: integer(1, 100).default(10),
        /** HA control plane. @default true */
        haControlPlane: z.boolean({ error: issue => `expected true or false, got ${JSON.stringify(issue.input)}` }).default(true),
        maintenance: maintenanceWindow.default({ day: "sunday", startTime: "03:00" }),
    }),
    data: z.discriminatedUnion("role", [ownerData, followerData, candidateData], {
        error: issue => `expected "owner", "follower" or "candidate", got ${describeValue((issue.input as { role?: unknown } | undefined)?.role)}`,
    }),
    gateway: section({
        /** Unprivileged nginx, pinned. */
        image: pinnedImage(),
        /** @default 2 */
        replicas: integer(1, 50).default(2),
        /** @default 10 */
        maxReplicas: integer(1, 100).default(10),
        /** Requests per minute per client IP. @default 100 (seed) */
        rateLimitPerMinute: integer(1, 100000).default(100),
        /** Requests allowed above the rate before 429. @default 20 */
        rateLimitBurst: integer(0, 10000).default(20),
        /** Largest request body, megabytes. @default the gateway's DEFAULT_MAX_BODY_BYTES (1 MiB; components/nginxConfig.ts) */
        maxBodyMegabytes: integer(1, 1024).default(DEFAULT_MAX_BODY_BYTES / MEBIBYTE),
        /** Upstream read timeout, seconds (seed: third-party calls < 2 s, IVOR's AI calls longer). @default 30 */
        upstreamTimeoutSeconds: integer(1, 300).default(30),
    }),
    apis: section({ ivor: apiService, events: apiService, newsroom: apiService }),
    /** DigitalOcean Monitoring alerts on the colour's nodes, gateway load balancer and owned database. */
    alerts: section({
        /** Who is told. */
        emails: z.array(matching(EMAIL_ADDRESS, "an email address like platform-alerts@blkoutuk.com"), {
            error: issue => `expected a list of email addresses, got ${describeValue(issue.input)}`,
        }).min(1, { error: "expected at least one email address, got none" }),
        /** Node and database CPU, percent. @default 75 (seed) */
        cpuPercent: threshold("cpuPercent"),
        /** Node and database memory, percent. @default 85 (seed) */
        memoryPercent: threshold("memoryPercent"),
        /** Node and database disk, percent. @default 80 (seed) */
        diskPercent: threshold("diskPercent"),
        /** Gateway 5xx rate, percent; a rollback trigger. @default 5 (seed) */
        errorRatePercent: threshold("errorRatePercent"),
        /** Gateway p95 response time, milliseconds; a rollback trigger. @default 2000 (seed) */
        p95Ms: threshold("p95Ms"),
        /** How long a threshold must be crossed before the alert fires. @default "5m" */
        window: oneOf(ALERT_WINDOWS).default("5m"),
    }),
    /** The colour's Prometheus, Alertmanager and Grafana (components/monitoring.ts); receiver keys are secrets. */
    monitoring: section({
        /** SMTP relay for e-mail alerts and the daily digest, host:port (STARTTLS). */
        smtpSmarthost: matching(/^[A-Za-z0-9.-]+:\d{1,5}$/, "a host:port like smtp.example.org:587"),
        /** Sender of alert e-mails; recipients are `alerts.emails`. */
        smtpFrom: matching(EMAIL_ADDRESS, "an email address like alerts@blkoutuk.com"),
        smtpUsername: matching(/^\S{1,256}$/, "an SMTP user name"),
        /** Slack channel high-severity alerts go to. @default "#blkout-alerts" */
        slackChannel: matching(/^#[a-z0-9_-]{1,80}$/, "a channel like #blkout-alerts").default("#blkout-alerts"),
        /** How often Prometheus scrapes. @default "15s" */
        scrapeInterval: oneOf(["5s", "10s", "15s", "30s", "60s"]).default("15s"),
    }),
    site: section({
        /** CDN cache TTL, seconds. @default 3600 */
        cdnTtlSeconds: integer(60, 604800)
            .refine(ttl => CDN_TTLS.includes(ttl), { error: `expected one of the CDN's TTLs ${CDN_TTLS.join(", ")}` })
            .default(3600),
    }).default({ cdnTtlSeconds: 3600 }),
});

export type ColourConfig = z.infer<typeof colourConfigSchema>;
export type ApiServiceConfig = ColourConfig["apis"][ApiName];
export type DataConfig = ColourConfig["data"];

/** Config keys that hold secrets: they must be set with `pulumi config set --secret`, never in plain YAML. */
export const SECRET_CONFIG_KEYS = [
    /** IVOR's AI model provider key. */
    "ivorModelApiKey",
    /**
     * The colour's Cloudflare Origin CA certificate (PEM) for `<domain>` and `*.<domain>`: the CDN and
     * the gateway's load balancer present it to Cloudflare, which runs SSL "Full (strict)".
     */
    "originCertificate",
    /** Its private key (PEM). */
    "originPrivateKey",
    /** PagerDuty Events v2 routing key: critical alerts page. */
    "alertPagerDutyRoutingKey",
    /** Slack incoming-webhook URL: high-severity alerts. */
    "alertSlackWebhookUrl",
    /** Password of `monitoring.smtpUsername`: medium alerts and the daily digest by e-mail. */
    "alertSmtpPassword",
] as const;
export type SecretConfigKey = (typeof SECRET_CONFIG_KEYS)[number];
