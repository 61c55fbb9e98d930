import { Colour, COLOURS } from "../components/platformNames";
import { describeHolder } from "../switch/preflight";
import { formatDuration } from "../switch/plan";
import { checkedPair } from "./checks";
import { Connections, DataDeps, DataOutcome, DataSettings, ownerOf, Run, sleep } from "./context";
import { awaitMarker, verifyPair } from "./cutover";
import { Freeze } from "./freeze";
import { latestCutover } from "./journal";
import {
    copySchema, createSubscription, ensurePublication, ensureToolSchema, lagBytes, setFenced, setSubscriptionEnabled, subscriptionName,
    subscriptionState, userTables,
} from "./replication";

const refusal = (problems: string[]): DataOutcome => ({ kind: "refused", message: `refused, nothing changed:\n${problems.map(p => `  - ${p}`).join("\n")}` });

/** What a cutover to `to` would do, and every reason it would be refused. Changes nothing. */
export async function plan(deps: DataDeps, settings: DataSettings, to: Colour): Promise<DataOutcome> {
    const checked = await checkedPair(deps, settings, to, "cutover");
    const owner = checked.owner ?? "the owner";
    [
        `plan: ${owner} -> ${to} for databases ${settings.databases.join(", ")}`,
        `  1. sync: schema copy, publication on ${owner}, subscription on ${to}, wait for catch-up (timeout ${formatDuration(settings.catchUpTimeoutMs)})`,
        `  2. freeze writes on ${owner} (lifts itself after ${formatDuration(settings.freezeBoundMs)}), marker, wait until ${to} applied it`,
        "  3. verify row counts and checksums; move sequences by " + settings.sequenceGap,
        `  4. reverse replication ${to} -> ${owner}; copy Redis keys ${settings.redisKeep.join(", ")}; flip roles; fence ${owner}; thaw`,
    ].forEach(deps.report);
    return checked.problems.length > 0 ? refusal(checked.problems) : { kind: "done", message: "preconditions pass; dry run, nothing was changed" };
}

/** Schema, publications and subscriptions, then a progress display until the candidate has caught up. */
export async function sync(deps: DataDeps, settings: DataSettings, to: Colour): Promise<DataOutcome> {
    const checked = await checkedPair(deps, settings, to, "sync");
    if (checked.problems.length > 0) return refusal(checked.problems);
    const owner = checked.owner!;
    const run = await Run.begin(deps, `data sync to ${to}`, settings.lockTtlMs);
    if (typeof run === "string") return { kind: "refused", message: run };
    const conns = new Connections(deps.endpoints);
    try {
        for (const db of settings.databases) {
            const [source, target] = [await conns.get(owner, db), await conns.get(to, db)];
            await ensureToolSchema(source);
            const state = await subscriptionState(target, owner);
            if (!state.exists && (await userTables(target)).length === 0) await copySchema(conns.url(owner), target, db);
            await ensureToolSchema(target);
            await ensurePublication(source);
            // The candidate takes no application writes: its roles cannot even connect.
            await setFenced(target, db, settings.appRoles, true);
            if (!state.exists) await createSubscription(target, conns.url(owner), owner, db, true);
            else if (!state.enabled) await setSubscriptionEnabled(target, owner, true);
            else await target.query(`ALTER SUBSCRIPTION ${subscriptionName(owner)} REFRESH PUBLICATION`);
            deps.report(`${db}: ${owner} publishes, ${to} subscribes`);
        }
        return await progress(deps, conns, settings, owner, to);
    } catch (err) {
        return { kind: "aborted", message: `sync aborted: ${(err as Error).message}; ${owner} keeps serving, no freeze was taken` };
    } finally {
        await conns.closeAll();
        await run.end();
    }
}

/** One progress line per second until every table is copied and the lag is under --max-lag. */
async function progress(deps: DataDeps, conns: Connections, settings: DataSettings, owner: Colour, to: Colour): Promise<DataOutcome> {
    const started = Date.now();
    let firstLag: number | undefined;
    for (;;) {
        const parts: string[] = [];
        let done = true;
        let totalLag = 0;
        try {
            for (const db of settings.databases) {
                const state = await subscriptionState(await conns.get(to, db), owner);
                const total = Object.values(state.tableStates).reduce((a, b) => a + b, 0);
                const ready = state.tableStates.r ?? 0;
                const lag = (await lagBytes(await conns.get(owner, db), db, owner)) ?? Infinity;
                totalLag += lag;
                done &&= ready === total && lag <= settings.maxLagBytes;
                parts.push(`${db} ${ready}/${total} tables, ${lag} B behind`);
            }
            firstLag ??= totalLag;
            const bar = firstLag > 0 && Number.isFinite(totalLag) ? Math.round(100 * (1 - Math.min(totalLag, firstLag) / firstLag)) : 100;
            deps.report(`[${"#".repeat(Math.floor(bar / 5)).padEnd(20, ".")}] ${parts.join("; ")}`);
        } catch (err) {
            // A restart of either server is survived: slots and subscriptions persist, the apply workers reconnect.
            done = false;
            deps.report(`waiting: ${(err as Error).message}`);
        }
        if (done) return { kind: "done", message: `${to} is in sync with ${owner} after ${formatDuration(Date.now() - started)}; replication keeps running until the cutover` };
        if (Date.now() - started > settings.catchUpTimeoutMs) {
            return { kind: "aborted", message: `${to} has not caught up within ${formatDuration(settings.catchUpTimeoutMs)}; replication keeps running, rerun sync to watch` };
        }
        await sleep(1000);
    }
}

/** Row counts and checksums at one consistent point: a short freeze on the owner while the candidate catches up to a marker. */
export async function verify(deps: DataDeps, settings: DataSettings, to: Colour): Promise<DataOutcome> {
    const checked = await checkedPair(deps, settings, to, "cutover");
    if (checked.problems.length > 0) return refusal(checked.problems);
    const owner = checked.owner!;
    const run = await Run.begin(deps, `data verify ${to}`, settings.lockTtlMs);
    if (typeof run === "string") return { kind: "refused", message: run };
    const conns = new Connections(deps.endpoints);
    const freeze = await Freeze.acquire(conns.url(owner), settings.databases, settings.freezeBoundMs, settings.appRoles);
    try {
        deps.report(await awaitMarker(conns, settings, owner, to, `verify-${run.cutoverId}`, freeze));
        const summary = await verifyPair(conns, settings, owner, to);
        return { kind: "done", freezeMs: Date.now() - freeze.acquiredAt, message: summary };
    } catch (err) {
        return { kind: "aborted", message: `verification failed: ${(err as Error).message}` };
    } finally {
        await freeze.release();
        await conns.closeAll();
        await run.end();
    }
}

/** Roles, both directions' replication per database, the latest cutover and the lock. */
export async function status(deps: DataDeps, settings: DataSettings): Promise<DataOutcome> {
    const roles = await deps.stacks.roles().catch((err: Error) => err);
    deps.report(roles instanceof Error ? `roles: unknown (${roles.message})` : `roles: ${COLOURS.map(c => `${c} ${roles[c]}`).join(", ")}`);
    const conns = new Connections(deps.endpoints);
    try {
        for (const db of settings.databases) {
            for (const [subscriber, from] of [["green", "blue"], ["blue", "green"]] as const) {
                const line = await (async () => {
                    const state = await subscriptionState(await conns.get(subscriber, db), from);
                    if (!state.exists) return undefined;
                    const lag = await lagBytes(await conns.get(from, db), db, from);
                    return `${db}: ${from} -> ${subscriber} ${state.enabled ? "streaming" : "disabled"}, tables ${JSON.stringify(state.tableStates)}, slot ${lag ?? "missing"} B behind`;
                })().catch((err: Error) => `${db}: ${from} -> ${subscriber} unreadable (${err.message})`);
                if (line) deps.report(line);
            }
        }
    } finally {
        await conns.closeAll();
    }
    const latest = latestCutover(await deps.journal.read());
    deps.report(latest
        ? `latest: ${latest.kind} ${latest.cutoverId} ${latest.from} -> ${latest.to} by ${latest.by}: ${latest.state} at step ${latest.phase}${latest.freezeMs !== undefined ? `, freeze ${formatDuration(latest.freezeMs)}` : ""}${latest.reason ? ` (${latest.reason})` : ""}`
        : "latest: no cutover recorded");
    const holder = await deps.lock.current();
    deps.report(holder ? `lock: ${describeHolder(holder)}` : "lock: free");
    const owner = roles instanceof Error ? undefined : ownerOf(roles).owner;
    return { kind: "done", message: owner ? `${owner} owns the data` : "no single owner" };
}
