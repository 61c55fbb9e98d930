import { Colour } from "../components/platformNames";
import { DataDeps, DataSettings, ownerOf } from "./context";
import { connect } from "./pg";
import { preflightProblems, readFacts } from "./preflight";
import { openRedis, redisVersionProblem } from "./redis";
import { subscriptionName, subscriptionState } from "./replication";

/**
 * Everything read before a sync, cutover or rollback changes anything: the roles from the stacks,
 * both servers' facts, both Redis versions, and for a cutover the forward subscription's state.
 */

export type Purpose = "sync" | "cutover" | "rollback";

/** Why the forward subscriptions are not ready for a cutover, or for a rollback's reverse replication. */
export function subscriptionProblems(purpose: Purpose, candidate: Colour, owner: Colour, states: Readonly<Record<string, { exists: boolean; enabled: boolean; tableStates: Readonly<Record<string, number>> }>>): string[] {
    if (purpose === "sync") return [];
    const what = purpose === "rollback" ? "reverse replication" : "the sync";
    return Object.entries(states).flatMap(([db, state]) => {
        if (!state.exists) return [`${candidate}/${db}: no subscription ${subscriptionName(owner)}; ${purpose === "rollback" ? "reverse replication is gone, a rollback would lose writes" : `run \`sync --to ${candidate}\` first`}`];
        if (!state.enabled) return [`${candidate}/${db}: ${what} (${subscriptionName(owner)}) is disabled`];
        const pending = Object.entries(state.tableStates).filter(([s]) => s !== "r").reduce((sum, [, n]) => sum + n, 0);
        return pending > 0 ? [`${candidate}/${db}: ${pending} tables still in their initial copy`] : [];
    });
}

async function redisProblems(deps: DataDeps, owner: Colour, candidate: Colour): Promise<string[]> {
    const clients = [openRedis(deps.endpoints[owner].redisUrl), openRedis(deps.endpoints[candidate].redisUrl)];
    try {
        const infos = await Promise.all(clients.map((client, i) => client.connect().then(() => client.info("server")).catch((err: Error) => {
            throw new Error(`${i === 0 ? owner : candidate} Redis unreachable: ${err.message.replace(/\/\/[^@]*@/, "//***@")}`);
        })));
        const problem = redisVersionProblem(infos[0], infos[1]);
        return problem ? [problem] : [];
    } catch (err) {
        return [(err as Error).message];
    } finally {
        clients.forEach(client => client.disconnect());
    }
}

export async function checkedPair(deps: DataDeps, settings: DataSettings, to: Colour, purpose: Purpose): Promise<{ owner?: Colour; problems: string[] }> {
    const roles = await deps.stacks.roles().catch((err: Error) => err);
    if (roles instanceof Error) return { problems: [`cannot read the data roles from ${deps.stacks.description}: ${roles.message}`] };
    const { owner, problem } = ownerOf(roles);
    if (!owner) return { problems: [problem!] };
    if (owner === to) return { owner, problems: [`--to ${to}: ${to} already owns the data (identical colours)`] };
    if (roles[to] !== "candidate") {
        return { owner, problems: [`--to ${to}: ${to} is a ${roles[to]}, not a candidate; set data.role: candidate in its stack (own PostgreSQL and Valkey) and deploy it first`] };
    }
    const [ownerFacts, candidateFacts] = await Promise.all([owner, to].map(colour => readFacts(deps.endpoints[colour].postgresUrl, settings.databases)));
    const problems = preflightProblems({
        owner, candidate: to, databases: settings.databases, appRoles: settings.appRoles,
        facts: { [owner]: ownerFacts, [to]: candidateFacts } as Record<Colour, typeof ownerFacts>,
    });
    problems.push(...await redisProblems(deps, owner, to));
    if (problems.length === 0 && purpose !== "sync") {
        const states: Record<string, Awaited<ReturnType<typeof subscriptionState>>> = {};
        for (const db of settings.databases) {
            const client = await connect(deps.endpoints[to].postgresUrl, db);
            try {
                states[db] = await subscriptionState(client, owner);
            } finally {
                await client.end().catch(() => undefined);
            }
        }
        problems.push(...subscriptionProblems(purpose, to, owner, states));
    }
    return { owner, problems };
}
