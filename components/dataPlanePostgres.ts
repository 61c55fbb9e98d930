import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { ApiDatabase } from "./dataPlaneOutputs";
import { API_NAMES, ApiName, recordOf } from "./platformNames";

/**
 * The droplet tag every node pool of BOTH colours carries (the cluster component applies it), and
 * the owner's database firewalls trust.
 */
export const DATA_CLIENT_TAG = "blkout-data-client";

/**
 * Trusted sources of the owner's PostgreSQL and Valkey. The owner is deployed before the follower
 * exists, so it cannot name the follower's cluster id without a circular dependency between the two
 * stacks; a tag both colours' nodes carry admits the follower from the day it is created. The follower
 * must not declare a firewall of its own on the owner's clusters: a DatabaseFirewall owns the whole
 * rule list, so two stacks would overwrite each other. The owner's own cluster is also named, so it
 * stays trusted even if one of its node pools is created without the tag. Never an address rule:
 * node addresses change with every scale-up.
 */
export function trustedSources(ownKubernetesClusterId: pulumi.Input<string>): digitalocean.types.input.DatabaseFirewallRule[] {
    return [
        { type: "k8s", value: ownKubernetesClusterId },
        { type: "tag", value: DATA_CLIENT_TAG },
    ];
}

export interface MaintenanceWindow {
    /** `monday` ... `sunday`, or `any`. */
    readonly day: string;
    /** UTC, `HH:MM`. */
    readonly startTime: string;
}

export interface ClusterSettings {
    readonly version: string;
    readonly size: string;
    readonly nodeCount: number;
}

/**
 * A managed cluster of either engine in the colour's VPC, with the firewall that admits only the
 * platform's Kubernetes clusters. Trusted sources are kept per cluster (DigitalOcean has no replica
 * firewall), so for PostgreSQL this list also governs both colours' read replicas.
 */
export function createTrustedCluster(
    resourceName: string,
    parent: pulumi.Resource,
    engine: "pg" | "valkey",
    settings: ClusterSettings,
    placement: OwnerPlacement,
    maintenance: MaintenanceWindow,
    engineArgs: Partial<digitalocean.DatabaseClusterArgs> = {},
): digitalocean.DatabaseCluster {
    const cluster = new digitalocean.DatabaseCluster(resourceName, {
        ...engineArgs,
        name: resourceName,
        engine,
        version: settings.version,
        size: settings.size,
        nodeCount: settings.nodeCount,
        region: placement.region,
        privateNetworkUuid: placement.vpcId,
        maintenanceWindows: [{ day: maintenance.day, hour: maintenance.startTime }],
    }, { parent, protect: true });
    new digitalocean.DatabaseFirewall(`${resourceName}-firewall`, {
        clusterId: cluster.id,
        rules: trustedSources(placement.kubernetesClusterId),
    }, { parent });
    return cluster;
}

export interface PostgresSettings extends ClusterSettings {
    readonly replicaSize: string;
    readonly maintenance: MaintenanceWindow;
    readonly poolSizes: Readonly<Record<ApiName, number>>;
}

/** Where the owner's data clusters live and who may reach them. */
export interface OwnerPlacement {
    readonly region: string;
    readonly vpcId: pulumi.Input<string>;
    readonly kubernetesClusterId: pulumi.Input<string>;
}

export interface PostgresUrlParts {
    readonly user: string;
    readonly password: string;
    readonly host: string;
    readonly port: number;
    readonly database: string;
}

/** A TLS-only PostgreSQL URL; credentials are escaped so a generated password cannot break it. */
export function postgresUrl(parts: PostgresUrlParts): string {
    const credentials = `${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}`;
    return `postgresql://${credentials}@${parts.host}:${parts.port}/${encodeURIComponent(parts.database)}?sslmode=require`;
}

/** The same user, database and options on another host: how a follower points an owner's read URL at its own replica. */
export function retargetUrl(url: string, host: string, port: number): string {
    const parsed = new URL(url);
    parsed.hostname = host;
    parsed.port = String(port);
    return parsed.toString();
}

export interface ReplicaArgs {
    readonly clusterId: pulumi.Input<string>;
    readonly region: string;
    readonly size: string;
    readonly vpcId: pulumi.Input<string>;
}

/** A read replica in this colour's VPC: reads, failover and analytics without touching the primary. */
export function createReplica(name: string, parent: pulumi.Resource, args: ReplicaArgs): digitalocean.DatabaseReplica {
    return new digitalocean.DatabaseReplica(`${name}-pg-replica`, {
        name: `${name}-pg-replica`,
        clusterId: args.clusterId,
        region: args.region,
        size: args.size,
        privateNetworkUuid: args.vpcId,
    }, { parent, protect: true });
}

/**
 * The metrics exporter's own login on a cluster, connected to `replica` (where replication lag
 * exists). DigitalOcean gives a new user "minimal permissions by default" and some superuser
 * grants cannot be given at all (https://docs.digitalocean.com/products/databases/postgresql/how-to/manage-users-and-databases/);
 * minimal is what the exporter needs: its lag query calls only functions open to every role, which
 * the loopback test proves with a role that has no grant. Users are declared on the cluster and
 * serve its read replicas too (the provider's "user for a PostgreSQL database replica" example,
 * https://docs.digitalocean.com/reference/terraform/reference/resources/database_user/), so a
 * follower declares its own user on the owner's cluster.
 */
export function createMetricsLogin(name: string, parent: pulumi.Resource, clusterId: pulumi.Input<string>, replica: digitalocean.DatabaseReplica): pulumi.Output<string> {
    const user = new digitalocean.DatabaseUser(`${name}-metrics-user`, { clusterId, name: `${name.replace(/-/g, "_")}_metrics` }, { parent });
    // defaultdb: every DigitalOcean PostgreSQL cluster has it and it cannot be deleted (same page).
    return pulumi.secret(pulumi.all([user.name, user.password, replica.privateHost, replica.port])
        .apply(([userName, password, host, port]) => postgresUrl({ user: userName, password, host, port, database: "defaultdb" })));
}

function createApiDatabase(
    name: string,
    parent: pulumi.Resource,
    api: ApiName,
    cluster: digitalocean.DatabaseCluster,
    replica: digitalocean.DatabaseReplica,
    poolSize: number,
): ApiDatabase<pulumi.Output<string>> {
    const db = new digitalocean.DatabaseDb(`${name}-${api}-db`, { clusterId: cluster.id, name: api }, { parent, protect: true });
    const user = new digitalocean.DatabaseUser(`${name}-${api}-user`, { clusterId: cluster.id, name: api }, { parent });
    // Transaction pooling lets many short-lived API pods share few server connections; the APIs
    // therefore must not rely on session state (prepared statements, advisory locks) across queries.
    const pool = new digitalocean.DatabaseConnectionPool(`${name}-${api}-pool`, {
        clusterId: cluster.id,
        name: api,
        dbName: db.name,
        user: user.name,
        mode: "transaction",
        size: poolSize,
    }, { parent });
    const readDatabaseUrl = pulumi.all([user.name, user.password, replica.privateHost, replica.port, db.name])
        .apply(([userName, password, host, port, database]) => postgresUrl({ user: userName, password, host, port, database }));
    return { databaseUrl: pulumi.secret(pool.privateUri), readDatabaseUrl: pulumi.secret(readDatabaseUrl) };
}

export interface OwnerPostgres {
    readonly cluster: digitalocean.DatabaseCluster;
    readonly replica: digitalocean.DatabaseReplica;
    readonly databases: Readonly<Record<ApiName, ApiDatabase<pulumi.Output<string>>>>;
}

/** The primary cluster, its firewall and replica, and one database, user and pool per API. */
export function createOwnerPostgres(
    name: string,
    parent: pulumi.Resource,
    settings: PostgresSettings,
    placement: OwnerPlacement,
): OwnerPostgres {
    const cluster = createTrustedCluster(`${name}-pg`, parent, "pg", settings, placement, settings.maintenance);
    const replica = createReplica(name, parent, {
        clusterId: cluster.id,
        region: placement.region,
        size: settings.replicaSize,
        vpcId: placement.vpcId,
    });
    const databases = recordOf(API_NAMES, api => createApiDatabase(name, parent, api, cluster, replica, settings.poolSizes[api]));
    return { cluster, replica, databases };
}
