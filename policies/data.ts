import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parseRange } from "./lib/cidr";
import { isProduction, PRODUCTION_STACKS, resourcePolicy } from "./lib/define";
import { has, isRecord, listOf, show, STATEFUL_TYPES, TYPES } from "./lib/resources";

/**
 * The data plane: what holds the community's data must survive any change to the program, stay
 * private, and run in a shape that survives a node failure. Value checks read only inputs that are
 * literals in the program (engine, sizes, flags), never ids of other resources, so they run at
 * preview even when those resources are being created.
 */

const statefulProtected = resourcePolicy({
    name: "stateful-resources-protected",
    description: "Stateful resources (database clusters, databases, replicas, buckets, volumes) must be protected, so no program change, rename or `pulumi destroy` can delete the data they hold.",
    severity: "critical",
    remediationSteps: "Add `protect: true` to the resource options. To retire the resource on purpose, remove protection in a reviewed change of its own first.",
    types: STATEFUL_TYPES,
    check: (_props, { args, fail }) => {
        if (args.opts.protect !== true) {
            fail(`${args.type.split(":").pop()} "${args.name}" is not protected.`, "pass `{ protect: true }` in its resource options.");
        }
    },
});

const statefulNoDeleteBeforeReplace = resourcePolicy({
    name: "stateful-no-delete-before-replace",
    description: "A stateful resource must never be deleted before its replacement exists: `deleteBeforeReplace` turns any replacing change into data loss and downtime.",
    severity: "critical",
    remediationSteps: "Remove `deleteBeforeReplace` from the resource options; move data with an explicit data cutover instead.",
    types: STATEFUL_TYPES,
    check: (_props, { args, fail }) => {
        if (args.opts.deleteBeforeReplace === true) {
            fail(`"${args.name}" sets deleteBeforeReplace: a replacement would delete its data first.`, "remove `deleteBeforeReplace` from its resource options.");
        }
    },
});

/** DigitalOcean's databases accept connections from anywhere while their firewall has no rule at all. */
const firewallNotOpen = resourcePolicy({
    name: "database-firewall-not-open",
    description: "A database firewall must list trusted sources, and none of them may be the whole internet or a broad public range: credentials alone must never be the only gate to the data.",
    severity: "critical",
    remediationSteps: "Trust the Kubernetes clusters (type k8s) or droplet tags that need the database, not address ranges.",
    types: [TYPES.databaseFirewall],
    config: {
        minIpv4Prefix: { type: "integer", minimum: 8, maximum: 32, default: 24, description: "Broadest IPv4 prefix an ip_addr rule may name." },
        minIpv6Prefix: { type: "integer", minimum: 16, maximum: 128, default: 64, description: "Broadest IPv6 prefix an ip_addr rule may name." },
    },
    check: (props, { config, fail }) => {
        const rules = listOf(props.rules);
        if (rules.length === 0) {
            fail("the firewall has no rules, and DigitalOcean then admits every address.", "add a rule of type k8s for each cluster that needs the database.");
        }
        rules.forEach((rule, index) => {
            if (!isRecord(rule) || rule.type !== "ip_addr") {
                return;
            }
            const range = parseRange(String(rule.value));
            const minimum = range?.family === 6 ? config.minIpv6Prefix : config.minIpv4Prefix;
            if (range === undefined || range.prefix < minimum) {
                fail(`rules[${index}] trusts ${show(rule.value)}, which is ${range?.prefix === 0 ? "the whole internet" : `broader than /${minimum}`}.`,
                    "trust a cluster (type k8s) or tag instead, or name the exact addresses that need access.");
            }
        });
    },
});

const isPostgres = (props: any): boolean => props.engine === "pg";

const postgresHaNodes = resourcePolicy({
    name: "postgres-ha-node-count",
    description: "In production the primary PostgreSQL runs with a standby node, so a node failure or maintenance fails over in seconds instead of waiting for a restore (RTO < 15 min).",
    severity: "high",
    remediationSteps: "Raise nodeCount to the configured HA count in the owner stack's data.postgres config.",
    types: [TYPES.databaseCluster],
    config: {
        haNodeCount: { type: "integer", minimum: 2, maximum: 3, default: 2, description: "Nodes a production PostgreSQL cluster needs (primary + standbys)." },
        ...PRODUCTION_STACKS,
    },
    check: (props, ctx) => {
        if (isPostgres(props) && isProduction(ctx) && !(typeof props.nodeCount === "number" && props.nodeCount >= ctx.config.haNodeCount)) {
            ctx.fail(`PostgreSQL in production stack "${ctx.stack}" has nodeCount ${show(props.nodeCount)}, fewer than ${ctx.config.haNodeCount}.`,
                `set nodeCount to ${ctx.config.haNodeCount} or more.`);
        }
    },
});

const postgresMaintenance = resourcePolicy({
    name: "postgres-maintenance-window",
    description: "PostgreSQL must have a maintenance window, so provider patches land at a quiet hour the team chose rather than whenever DigitalOcean picks.",
    severity: "medium",
    remediationSteps: "Set maintenanceWindows to one { day, hour } in a low-traffic hour (UTC).",
    types: [TYPES.databaseCluster],
    check: (props, { fail }) => {
        const windows = listOf(props.maintenanceWindows);
        if (isPostgres(props) && (windows.length === 0 || !windows.every(window => has(window, "day") && has(window, "hour")))) {
            fail("PostgreSQL has no complete maintenance window.", 'set maintenanceWindows: [{ day: "sunday", hour: "04:00" }] (UTC).');
        }
    },
});

const postgresVersion = resourcePolicy({
    name: "postgres-allowed-version",
    description: "PostgreSQL must pin a major version the team has tested; an unpinned or unexpected version means an unplanned major upgrade, which needs a data cutover.",
    severity: "high",
    remediationSteps: "Pin version to one of the allowed majors; move majors only with a data cutover.",
    types: [TYPES.databaseCluster],
    config: {
        allowedMajorVersions: {
            type: "array", minItems: 1, uniqueItems: true, items: { type: "string", pattern: "^\\d+$" },
            default: ["16", "17"], description: "PostgreSQL major versions the platform supports.",
        },
    },
    check: (props, { config, fail }) => {
        if (isPostgres(props) && !(config.allowedMajorVersions as string[]).includes(String(props.version))) {
            fail(`PostgreSQL version ${show(props.version)} is not an allowed major (${config.allowedMajorVersions.join(", ")}).`,
                `set version to one of ${config.allowedMajorVersions.map((v: string) => `"${v}"`).join(", ")}.`);
        }
    },
});

const cacheTls = resourcePolicy({
    name: "cache-tls",
    description: "The Valkey/Redis cache must require TLS: sessions and tokens cross the network in it.",
    severity: "high",
    remediationSteps: "Remove ssl: false from the cache's config resource (DigitalOcean then requires TLS), or set ssl: true.",
    types: [TYPES.valkeyConfig, TYPES.redisConfig],
    check: (props, { args, fail }) => {
        if (props.ssl === false) {
            fail(`"${args.name}" turns TLS off for the cache.`, "set ssl: true (or remove it; TLS is required by default).");
        }
    },
});

export const dataPolicies: ResourceValidationPolicy[] = [
    statefulProtected,
    statefulNoDeleteBeforeReplace,
    firewallNotOpen,
    postgresHaNodes,
    postgresMaintenance,
    postgresVersion,
    cacheTls,
];
