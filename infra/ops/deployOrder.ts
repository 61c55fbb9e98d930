import { COLOURS } from "../../components/platformNames";
import { readStackFile, REPO_ROOT } from "../offline/stackFiles";

/**
 * The order the deploy workflow updates the colours in, from the committed configs: the colour that
 * owns the data first (it creates the primary, the cache and the buckets the other reads through
 * its stack outputs), then the follower. Anything but one owner and one follower of that owner is
 * refused, naming each file: a deploy must not guess.
 */

export interface DeployOrder {
    readonly owner: string;
    readonly follower: string;
}

interface ColourData {
    readonly stack: string;
    readonly role: unknown;
    readonly ownerStack: unknown;
}

export function deployOrder(colours: readonly ColourData[]): DeployOrder {
    const owners = colours.filter(c => c.role === "owner");
    const followers = colours.filter(c => c.role === "follower");
    const problems = colours.filter(c => c.role !== "owner" && c.role !== "follower")
        .map(c => `Pulumi.${c.stack}.yaml: data.role: expected "owner" or "follower", got ${JSON.stringify(c.role ?? null)}`);
    if (owners.length !== 1) {
        problems.push(`expected exactly one owner colour, got ${owners.length} (${owners.map(o => o.stack).join(", ") || "none"})`);
    }
    if (followers.length !== 1) {
        problems.push(`expected exactly one follower colour, got ${followers.length} (${followers.map(f => f.stack).join(", ") || "none"})`);
    }
    const [owner] = owners;
    for (const follower of followers) {
        if (owner && !(typeof follower.ownerStack === "string" && follower.ownerStack.endsWith(`/${owner.stack}`))) {
            problems.push(`Pulumi.${follower.stack}.yaml: data.ownerStack: expected the owner's stack ".../${owner.stack}", got ${JSON.stringify(follower.ownerStack ?? null)}`);
        }
    }
    if (problems.length > 0) {
        throw new Error(`cannot order the deployment:\n${problems.map(p => `  - ${p}`).join("\n")}`);
    }
    return { owner: owner.stack, follower: followers[0].stack };
}

/** Reads both colours' committed data roles. */
export function committedColours(projectDir = REPO_ROOT): ColourData[] {
    return COLOURS.map(colour => {
        const data = (readStackFile(projectDir, colour).config.data ?? {}) as Record<string, unknown>;
        return { stack: colour, role: data.role, ownerStack: data.ownerStack };
    });
}

if (require.main === module) {
    try {
        const order = deployOrder(committedColours());
        process.stdout.write(`owner=${order.owner}\nfollower=${order.follower}\n`);
    } catch (error) {
        process.stderr.write(`${(error as Error).message}\n`);
        process.exitCode = 1;
    }
}
