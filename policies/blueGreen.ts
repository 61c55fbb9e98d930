import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { stackPolicy } from "./lib/define";
import { peek, referencedBy } from "./lib/references";
import { recordOf, TYPES } from "./lib/resources";
import { poolPercents } from "./lib/weights";

/**
 * Blue/green invariants seen from inside one stack, through the StackReferences it reads: the
 * traffic stack sees both colours' outputs (mode, data role), a follower sees its owner's. The
 * invariants that need every stack at once are in `crossStack.ts`.
 */

const COLOURS_CONFIG = {
    colours: {
        type: "array", minItems: 2, uniqueItems: true, items: { type: "string", pattern: "^[a-z]+$" },
        default: ["blue", "green"], description: "Colour names; a pool belongs to the colour its name contains.",
    },
} as const;

/** A colour stack as a StackReference shows it: its outputs (secrets already unwrapped by the engine). */
function referencedOutputs(reference: PolicyResource): Record<string, unknown> {
    return recordOf(reference.props.outputs);
}

/** The colour a pool serves: the colour word in its Cloudflare name or its resource name. */
export function colourOfPool(pool: PolicyResource, colours: readonly string[]): string | undefined {
    const names = `${String(peek(pool.props, "name") ?? "")} ${pool.name}`;
    return colours.find(colour => new RegExp(`(^|[^a-z])${colour}([^a-z]|$)`).test(names));
}

const weightOnlyToActive = stackPolicy({
    name: "weight-only-to-active-colours",
    description: "The load balancer sends traffic only to colours running in active mode; a standby colour runs at minimum size and would fall over.",
    severity: "critical",
    remediationSteps: "Set the colour's mode to active, deploy it and let it warm up, then give it weight.",
    config: COLOURS_CONFIG,
    check: ({ ofType, config, fail }) => {
        const colourStacks = ofType(TYPES.stackReference).map(referencedOutputs).filter(outputs => typeof outputs.colour === "string");
        const pools = ofType(TYPES.pool);
        for (const lb of ofType(TYPES.loadBalancer)) {
            for (const [id, percent] of Object.entries(poolPercents(lb.props)).filter(([, share]) => share > 0)) {
                const pool = pools.find(candidate => peek(candidate.props, "id") === id);
                const colour = pool && colourOfPool(pool, config.colours);
                const mode = colourStacks.find(outputs => outputs.colour === colour)?.mode;
                if (colour !== undefined && mode !== "active") {
                    fail(`${Math.round(percent)} % of traffic goes to ${colour}, whose stack reports mode ${JSON.stringify(mode ?? "unknown")}.`,
                        `set ${colour}'s mode to active and deploy it first, or give it weight 0.`, lb.urn);
                }
            }
        }
    },
});

const oneOwnerAmongColours = stackPolicy({
    name: "exactly-one-data-owner",
    description: "Exactly one colour owns the data (primary PostgreSQL, Valkey, buckets); two owners would split writes, none would leave the platform without a primary.",
    severity: "critical",
    remediationSteps: "Set data.role: owner on exactly one colour stack and follower (with ownerStack) on the other; move ownership only by a data cutover.",
    check: ({ ofType, fail }) => {
        const colourStacks = ofType(TYPES.stackReference).map(referencedOutputs).filter(outputs => typeof outputs.dataRole === "string");
        if (colourStacks.length < 2) {
            return;
        }
        const owners = colourStacks.filter(outputs => outputs.dataRole === "owner").map(outputs => String(outputs.colour));
        if (owners.length !== 1) {
            fail(`${owners.length === 0 ? "no colour owns" : `${owners.join(" and ")} own`} the data; exactly one must.`,
                "make exactly one colour stack the data owner.");
        }
    },
});

/** An owner stack shows its role, or at least the primary's id its followers read. */
function isOwner(outputs: Record<string, unknown>): boolean {
    return outputs.dataRole === undefined ? typeof outputs.dataPostgresClusterId === "string" : outputs.dataRole === "owner";
}

const followerHasOwner = stackPolicy({
    name: "follower-references-owner",
    description: "A follower colour (read replica, no primary of its own) reads its primary from an owner stack that exists and owns the data; otherwise its APIs would write nowhere.",
    severity: "critical",
    remediationSteps: "Set data.ownerStack to the stack that owns the data, and deploy that stack first.",
    check: ({ ofType, fail }) => {
        const clusters = ofType(TYPES.databaseCluster);
        const references = ofType(TYPES.stackReference);
        for (const replica of ofType(TYPES.databaseReplica)) {
            if (referencedBy(replica, "clusterId", clusters).length > 0) {
                continue;
            }
            const owners = referencedBy(replica, "clusterId", references).filter(reference => isOwner(referencedOutputs(reference)));
            if (owners.length === 0) {
                fail(`replica "${replica.name}" follows a primary that no referenced owner stack provides.`,
                    "point clusterId at the owner stack's dataPostgresClusterId output.", replica.urn);
            }
        }
    },
});

export const blueGreenPolicies: StackValidationPolicy[] = [weightOnlyToActive, oneOwnerAmongColours, followerHasOwner];
