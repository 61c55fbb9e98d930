import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { createTrustedCluster, MaintenanceWindow, OwnerPlacement } from "./dataPlanePostgres";
import { createValkey, ValkeySettings } from "./dataPlaneStorage";
import { API_NAMES } from "./platformNames";

/** A candidate's own clusters, for the data tool (`npm run data`); never handed to the applications. */
export interface CandidateData {
    readonly postgresClusterId: pulumi.Output<string>;
    /** Secret. */
    readonly redisUrl: pulumi.Output<string>;
}

export interface CandidatePostgresSettings {
    readonly version: string;
    readonly size: string;
    readonly nodeCount: number;
    readonly maintenance: MaintenanceWindow;
}

/**
 * The PostgreSQL cluster (one database and one user per API, as on the owner) and the Valkey a
 * candidate colour runs beside its follower role. Declared with the owner's own functions, so the
 * candidate gets the same firewall, placement and protection; only the version and sizes may differ.
 */
export function createCandidateClusters(
    name: string,
    parent: pulumi.Resource,
    postgres: CandidatePostgresSettings,
    valkey: ValkeySettings,
    placement: OwnerPlacement,
): CandidateData {
    const cluster = createTrustedCluster(`${name}-candidate-pg`, parent, "pg", postgres, placement, postgres.maintenance);
    for (const api of API_NAMES) {
        new digitalocean.DatabaseDb(`${name}-candidate-${api}-db`, { clusterId: cluster.id, name: api }, { parent, protect: true });
        // The copied schema's owners and grants name each API's role, so it exists before the data arrives.
        new digitalocean.DatabaseUser(`${name}-candidate-${api}-user`, { clusterId: cluster.id, name: api }, { parent });
    }
    const redisUrl = createValkey(`${name}-candidate`, parent, valkey, placement, postgres.maintenance);
    return { postgresClusterId: cluster.id, redisUrl: pulumi.secret(redisUrl) };
}
