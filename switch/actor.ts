import { execFileSync } from "node:child_process";

/**
 * Who runs a switch or a data command, for the deployment record. A module of its own: the data tool
 * needs it without loading the switch's wiring (the Automation API and the S3 client).
 */

/** Who is switching, for the deployment record: the CI actor, else git's user, else $USER. */
export function actorFrom(env: NodeJS.ProcessEnv, gitUser: () => string | undefined = readGitUser): string {
    if (env.BLKOUT_SWITCH_ACTOR) return env.BLKOUT_SWITCH_ACTOR;
    if (env.GITHUB_ACTOR) return `${env.GITHUB_ACTOR} (ci${env.GITHUB_RUN_ID ? ` run ${env.GITHUB_RUN_ID}` : ""})`;
    return gitUser() ?? env.USER ?? env.USERNAME ?? "unknown";
}

function readGitUser(): string | undefined {
    try {
        const email = execFileSync("git", ["config", "user.email"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
        return email || undefined;
    } catch {
        return undefined;
    }
}
