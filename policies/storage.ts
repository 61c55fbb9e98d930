import type { ResourceValidationPolicy } from "@pulumi/policy";
import { resourcePolicy } from "./lib/define";
import { isRecord, listOf, recordOf, show, TYPES } from "./lib/resources";

/**
 * Spaces buckets hold members' uploads, documents and backups: private, versioned (an overwrite
 * or delete can be undone), and never emptied by the provider on destroy.
 */

const bucketPrivate = resourcePolicy({
    name: "bucket-private",
    description: "Spaces buckets must be private: member uploads and backups are served through the API or signed URLs, never listed or read anonymously.",
    severity: "critical",
    remediationSteps: 'Remove the acl argument or set it to "private"; serve public assets through the CDN with signed URLs or from a bucket named in allowPublicRead.',
    types: [TYPES.bucket],
    config: {
        allowPublicRead: {
            type: "array", uniqueItems: true, items: { type: "string", minLength: 1 }, default: [],
            description: "Pulumi resource names of buckets that may be public-read (static assets only, never member data).",
        },
    },
    check: (props, { args, config, fail }) => {
        const acl = "acl" in props ? props.acl : "private";
        if (acl !== "private" && !(config.allowPublicRead as string[]).includes(args.name)) {
            fail(`bucket "${args.name}" has acl ${show(acl)}.`, 'set acl to "private" (or omit it).');
        }
    },
});

const bucketVersioning = resourcePolicy({
    name: "bucket-versioning",
    description: "Spaces buckets must keep object versions, so an overwritten or deleted upload can be restored (the seeds' backup and rollback strategy).",
    severity: "high",
    remediationSteps: "Set versioning: { enabled: true } and a lifecycle rule that expires noncurrent versions.",
    types: [TYPES.bucket],
    check: (props, { args, fail }) => {
        if (recordOf(props.versioning).enabled !== true) {
            fail(`bucket "${args.name}" does not keep versions.`, "set versioning: { enabled: true }.");
        }
    },
});

const bucketNoForceDestroy = resourcePolicy({
    name: "bucket-no-force-destroy",
    description: "`forceDestroy` lets a delete empty the bucket first; with it a single mistaken delete erases every object.",
    severity: "critical",
    remediationSteps: "Remove forceDestroy (or set it to false).",
    types: [TYPES.bucket],
    check: (props, { args, fail }) => {
        if (props.forceDestroy === true) {
            fail(`bucket "${args.name}" sets forceDestroy.`, "remove forceDestroy or set it to false.");
        }
    },
});

/** The principals that mean "anyone": `"*"`, `{ AWS: "*" }`, or a list containing either. */
function isAnyone(principal: unknown): boolean {
    if (principal === "*") {
        return true;
    }
    if (Array.isArray(principal)) {
        return principal.some(isAnyone);
    }
    return isRecord(principal) && Object.values(principal).some(isAnyone);
}

/** Why a bucket policy document grants anonymous access, or undefined when it does not. */
export function publicGrant(document: string): string | undefined {
    let parsed: unknown;
    try {
        parsed = JSON.parse(document);
    } catch {
        return "the policy is not valid JSON, so what it grants cannot be checked";
    }
    const statements = Array.isArray(recordOf(parsed).Statement) ? listOf(recordOf(parsed).Statement) : [recordOf(parsed).Statement];
    const open = statements.findIndex(statement => isRecord(statement) && statement.Effect === "Allow" && isAnyone(statement.Principal));
    return open < 0 ? undefined : `Statement[${open}] allows principal "*" (anyone)`;
}

const bucketPolicyNotPublic = resourcePolicy({
    name: "bucket-policy-not-public",
    description: "A bucket policy must not grant access to anonymous principals: it would undo the private ACL for every object it matches.",
    severity: "critical",
    remediationSteps: "Grant access to named principals only, or serve the objects through the API or signed URLs.",
    types: [TYPES.bucketPolicy],
    check: (props, { args, fail }) => {
        const grant = publicGrant(String(props.policy));
        if (grant !== undefined) {
            fail(`bucket policy "${args.name}": ${grant}.`, "remove the anonymous Allow statement or name the principals that need access.");
        }
    },
});

export const storagePolicies: ResourceValidationPolicy[] = [bucketPrivate, bucketVersioning, bucketNoForceDestroy, bucketPolicyNotPublic];
