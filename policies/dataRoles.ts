import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { stackPolicy } from "./lib/define";
import { referencedBy } from "./lib/references";
import { TYPES } from "./lib/resources";

/**
 * The data roles within one colour stack. A `candidate` colour follows the owner (its applications
 * use the owner's URLs, read from a StackReference) and runs its own PostgreSQL and Valkey, which
 * only the data tool's replication writes to until a cutover flips the roles. Exactly one owner
 * across the colours is checked over both stacks by `checkBlueGreen` (crossStack.ts), which counts
 * a candidate as a follower that must name the owner.
 */

const CREDENTIAL_SOURCES = [
    TYPES.databaseCluster,
    TYPES.databaseDb,
    "digitalocean:index/databaseUser:DatabaseUser",
    "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool",
];

/** Where a workload's credentials or connection strings can come from: Secrets and the pod-bearing kinds' specs. */
const CONSUMERS: ReadonlyArray<readonly [string, readonly string[]]> = [
    ["kubernetes:core/v1:Secret", ["stringData", "data"]],
    ["kubernetes:core/v1:ConfigMap", ["data"]],
    [TYPES.deployment, ["spec"]],
    [TYPES.statefulSet, ["spec"]],
    [TYPES.job, ["spec"]],
    [TYPES.cronJob, ["spec"]],
];

/** A stack that follows an owner (a StackReference) and still declares database clusters is a candidate. */
export function isCandidateStack(ofType: (type: string) => PolicyResource[]): boolean {
    return ofType(TYPES.stackReference).length > 0 && ofType(TYPES.databaseCluster).length > 0;
}

const candidateNoAppWrites = stackPolicy({
    name: "candidate-no-application-writes",
    description: "A candidate colour's own PostgreSQL and Valkey take writes only from the data tool's replication: no Secret, ConfigMap or workload may carry their credentials or URLs, or the applications would split writes between two primaries.",
    severity: "critical",
    remediationSteps: "Give the applications the owner's URLs (the DataPlane's `databases` and `redisUrl`), never `dataPlane.candidate`; only the data cutover tool connects to the candidate.",
    check: ({ ofType, fail }) => {
        if (!isCandidateStack(ofType)) return;
        // The candidate's own: its clusters and what hangs off them. A user the stack declares on the
        // owner's cluster (the metrics exporter's login on the follower's replica) writes nowhere new.
        const clusters = ofType(TYPES.databaseCluster);
        const onClusters = CREDENTIAL_SOURCES.filter(type => type !== TYPES.databaseCluster).flatMap(type => ofType(type));
        const own = [...clusters, ...onClusters.filter(r => referencedBy(r, "clusterId", clusters).length > 0)];
        for (const [type, keys] of CONSUMERS) {
            for (const consumer of ofType(type)) {
                const sources = keys.flatMap(key => referencedBy(consumer, key, own));
                if (sources.length > 0) {
                    fail(`"${consumer.name}" is built from the candidate's own ${[...new Set(sources.map(s => s.name))].join(", ")}: the applications would write to the candidate.`,
                        "use the owner's connection strings for the applications.", consumer.urn);
                }
            }
        }
    },
});

export const dataRolePolicies: StackValidationPolicy[] = [candidateNoAppWrites];
