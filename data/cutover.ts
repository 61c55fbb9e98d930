import { Colour } from "../components/platformNames";
import { formatDuration } from "../switch/plan";
import { Connections, DataDeps, DataOutcome, DataSettings, FencedOut, ownerOf, Run, sleep } from "./context";
import { Freeze } from "./freeze";
import { CutoverRecord, latestCutover, Phase, PHASES, recoveryFor } from "./journal";
import { checkedPair } from "./checks";
import { copyKeys, openRedis } from "./redis";
import {
    createSubscription, ensurePublication, lagBytes, markerVisible, moveSequences, receivedLsn, setFenced, setSubscriptionEnabled,
    skipToPresent, subscriptionState, writeMarker,
} from "./replication";
import { describeDigest, digestDatabase, digestDifferences } from "./verify";

/**
 * The cutover, as RDS Blue/Green does it but on logical replication we run ourselves: the
 * candidate is already in sync; writes are frozen on the owner (a lock that lifts itself), the
 * candidate catches up to a marker written under the freeze, the two are verified, sequences move
 * on, replication turns round (new owner -> old owner, so a rollback loses nothing), Redis
 * sessions and jobs are copied, the roles flip (repointing the applications), the old owner is
 * fenced and the freeze lifts. A rollback is the same walk in the other direction.
 */

/** A step failed before the flip: the owner keeps the data and the partial steps are undone. */
class Abort extends Error {}

export async function cutover(deps: DataDeps, settings: DataSettings, to: Colour, kind: "cutover" | "rollback"): Promise<DataOutcome> {
    const run = await Run.begin(deps, `data ${kind} to ${to}`, settings.lockTtlMs);
    if (typeof run === "string") return { kind: "refused", message: run };
    const conns = new Connections(deps.endpoints);
    try {
        const latest = latestCutover(await deps.journal.read());
        const recovery = latest ? recoveryFor(latest) : "none";
        if (latest && recovery !== "none" && PHASES.indexOf(latest.phase) >= PHASES.indexOf("frozen")) {
            deps.report(`the interrupted ${latest.kind} ${latest.cutoverId} held the write freeze; it lifted itself when that run died or hung, within its bound of ${formatDuration(latest.freezeBoundMs)}`);
        }
        if (latest && recovery === "finish") {
            return await finish(run.withCutoverId(latest.cutoverId), conns, settings, latest);
        }
        if (latest && recovery === "undo") {
            await undo(run.withCutoverId(latest.cutoverId), conns, settings, latest.from, latest.to, `rerun after an interrupted ${latest.kind} (last step ${latest.phase})`);
            if (kind === "rollback" && latest.from === to) {
                return { kind: "undone", message: `the interrupted ${latest.kind} ${latest.cutoverId} was undone: ${to} still owns the data` };
            }
        }
        const checked = await checkedPair(deps, settings, to, kind);
        if (checked.problems.length > 0) return { kind: "refused", message: `refused, nothing changed:\n${checked.problems.map(p => `  - ${p}`).join("\n")}` };
        return await walk(run, conns, settings, checked.owner!, to, kind);
    } catch (err) {
        return { kind: "error", message: (err as Error).message };
    } finally {
        await conns.closeAll();
        await run.end();
    }
}

async function walk(run: Run, conns: Connections, settings: DataSettings, owner: Colour, to: Colour, kind: "cutover" | "rollback"): Promise<DataOutcome> {
    const { report } = run.deps;
    await run.record({ type: "start", from: owner, to, kind, freezeBoundMs: settings.freezeBoundMs });
    const converged = await awaitLag(conns, settings, owner, to, report).catch((err: Error) => err.message);
    if (converged !== undefined) {
        await run.record({ type: "aborted", reason: converged, frozen: false });
        return { kind: "aborted", message: `aborted before any freeze: ${converged}; ${owner} keeps the data, untouched` };
    }
    let freeze: Freeze | undefined;
    let phase: Phase = "started";
    const step = async (next: Phase, detail?: string) => {
        phase = next;
        await run.record({ type: "phase", phase: next, detail });
        report(`${next}${detail ? `: ${detail}` : ""}`);
    };
    try {
        freeze = await Freeze.acquire(conns.url(owner), settings.databases, settings.freezeBoundMs, settings.appRoles);
        await step("frozen", `writes on ${owner} wait; the freeze lifts itself after ${formatDuration(settings.freezeBoundMs)} whatever happens`);
        await step("caught-up", await awaitMarker(conns, settings, owner, to, run.cutoverId, freeze));
        await step("verified", await verifyPair(conns, settings, owner, to));
        const moved = (await eachDatabase(settings, async db => moveSequences(await conns.get(owner, db), await conns.get(to, db), settings.sequenceGap)))
            .reduce((a, b) => a + b, 0);
        await step("sequences-moved", `${moved} sequences on ${to} moved ${settings.sequenceGap} past ${owner}'s values`);
        await eachDatabase(settings, db => reverse(conns, db, owner, to));
        await step("reversed", `replication now runs ${to} -> ${owner}`);
        await step("redis-copied", await copyRedis(run.deps, settings, owner, to));
        await eachDatabase(settings, async db => setFenced(await conns.get(to, db), db, settings.appRoles, false));
        await step("candidate-unfenced");
        if (!freeze.holding()) throw new Abort(`the freeze lapsed (bound ${formatDuration(settings.freezeBoundMs)}) before the roles flipped; writes may have reached ${owner} again`);
        const roles = await run.deps.stacks.setOwner(to).catch(async (err: Error) => {
            const now = await run.deps.stacks.roles().catch(() => undefined);
            if (now?.[to] === "owner") return now;
            throw new Abort(`flipping the roles through ${run.deps.stacks.description}: ${err.message}`);
        });
        if (roles[to] !== "owner") throw new Abort(`${run.deps.stacks.description} reports ${JSON.stringify(roles)} after the flip`);
        await step("flipped", `${to} owns the data; the applications now use it`);
    } catch (err) {
        await freeze?.release();
        if (err instanceof FencedOut) throw err;
        const reason = (err as Error).message;
        await undo(run, conns, settings, owner, to, reason);
        return { kind: "aborted", message: `aborted at step ${phase} (${reason}); undone, ${owner} keeps the data` };
    }
    // Sessions still waiting on the freeze are ended here, before the lock goes, so none writes to the old owner.
    try {
        await eachDatabase(settings, async db => setFenced(await conns.get(owner, db), db, settings.appRoles, true));
        await step("owner-fenced", `the applications can no longer reach ${owner}'s databases`);
    } finally {
        await freeze.release();
    }
    const freezeMs = Date.now() - freeze.acquiredAt;
    await step("thawed", `write freeze ${formatDuration(freezeMs)}`);
    await run.record({ type: "completed", freezeMs });
    return { kind: "done", freezeMs, message: `${kind} ${run.cutoverId} completed: ${to} owns the data; writes were frozen for ${formatDuration(freezeMs)}; ${owner} follows by reverse replication, so \`rollback --to ${owner}\` loses nothing` };
}

/** Under the freeze every second counts: the databases are handled side by side, each on its own connections. */
async function eachDatabase<T>(settings: DataSettings, work: (db: string) => Promise<T>): Promise<T[]> {
    // Every database's step ends before a failure is acted on, so an undo never races a step still running.
    const results = await Promise.allSettled(settings.databases.map(work));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    return results.map(r => (r as PromiseFulfilledResult<T>).value);
}

/** Before any freeze: lag under the threshold on every database, or give up at the timeout. */
async function awaitLag(conns: Connections, settings: DataSettings, owner: Colour, to: Colour, report: (line: string) => void): Promise<void> {
    const deadline = Date.now() + settings.catchUpTimeoutMs;
    for (;;) {
        const lags = await Promise.all(settings.databases.map(async db => (await lagBytes(await conns.get(owner, db), db, owner)) ?? Infinity));
        // The candidate must be there to catch up at all: one that died ends the wait at once.
        for (const db of settings.databases) {
            const state = await conns.get(to, db).then(client => subscriptionState(client, owner)).catch((err: Error) => {
                throw new Error(`${to} became unreachable while catching up: ${err.message}`);
            });
            if (!state.enabled) throw new Error(`${to}/${db}: the subscription was disabled while catching up`);
        }
        if (lags.every(lag => lag <= settings.maxLagBytes)) return;
        if (Date.now() > deadline) {
            throw new Error(`${to} did not catch up within ${formatDuration(settings.catchUpTimeoutMs)} (lag ${lags.map((lag, i) => `${settings.databases[i]} ${lag} B`).join(", ")})`);
        }
        report(`catching up: ${lags.map((lag, i) => `${settings.databases[i]} ${lag} B behind`).join(", ")}`);
        await sleep(250);
    }
}

/** Under the freeze: a marker per database, written on the owner and waited for on the candidate. */
export async function awaitMarker(conns: Connections, settings: DataSettings, owner: Colour, to: Colour, id: string, freeze: Freeze): Promise<string> {
    const lsns = await eachDatabase(settings, async db => {
        const lsn = await writeMarker(await conns.get(owner, db), id);
        const candidate = await conns.get(to, db);
        while (!await markerVisible(candidate, id)) {
            if (!freeze.holding(Date.now() + 1000)) throw new Abort(`${to} had not applied ${db} up to ${lsn} with a second of the freeze bound left`);
            await sleep(20);
        }
        return `${db} ${lsn} (received ${await receivedLsn(candidate, owner) ?? "?"})`;
    });
    return `every change up to the owner's LSN applied: ${lsns.join(", ")}`;
}

export async function verifyPair(conns: Connections, settings: DataSettings, owner: Colour, to: Colour): Promise<string> {
    const summaries = await eachDatabase(settings, async db => {
        const [o, c] = await Promise.all([digestDatabase(await conns.get(owner, db)), digestDatabase(await conns.get(to, db))]);
        const differences = digestDifferences(db, o, c);
        if (differences.length > 0) throw new Abort(`verification failed: ${differences.join("; ")}`);
        return `${db} ${describeDigest(o)}`;
    });
    return `row counts and checksums match: ${summaries.join(", ")}`;
}

/** Forward replication stops; the new owner publishes and the old owner subscribes from the present on. */
async function reverse(conns: Connections, db: string, owner: Colour, to: Colour): Promise<void> {
    const candidate = await conns.get(to, db);
    const old = await conns.get(owner, db);
    if ((await subscriptionState(candidate, owner)).enabled) await setSubscriptionEnabled(candidate, owner, false);
    await ensurePublication(candidate);
    const back = await subscriptionState(old, to);
    if (!back.exists) {
        await createSubscription(old, conns.url(to), to, db, false);
    } else if (!back.enabled) {
        // Left from an earlier cutover: skip what the candidate applied from the owner meanwhile.
        await skipToPresent(candidate, db, to);
        await setSubscriptionEnabled(old, to, true);
    }
}

async function copyRedis(deps: DataDeps, settings: DataSettings, owner: Colour, to: Colour): Promise<string> {
    const source = openRedis(deps.endpoints[owner].redisUrl);
    const target = openRedis(deps.endpoints[to].redisUrl);
    try {
        await Promise.all([source.connect(), target.connect()]);
        const copied = await copyKeys(source, target, settings.redisKeep);
        return `${copied.keys} keys (${copied.withTtl} with their TTL) matching ${settings.redisKeep.join(", ")}`;
    } finally {
        source.disconnect();
        target.disconnect();
    }
}

/** Puts replication and fences back as before the cutover; every step looks before it acts, so it can run twice. */
async function undo(run: Run, conns: Connections, settings: DataSettings, owner: Colour, to: Colour, reason: string): Promise<void> {
    for (const db of settings.databases) {
        const old = await conns.get(owner, db);
        const candidate = await conns.get(to, db);
        if ((await subscriptionState(old, to)).enabled) await setSubscriptionEnabled(old, to, false);
        // Not skipped: whatever the owner took while the freeze was off must still reach the candidate.
        const forward = await subscriptionState(candidate, owner);
        if (forward.exists && !forward.enabled) await setSubscriptionEnabled(candidate, owner, true);
        await setFenced(candidate, db, settings.appRoles, true);
        await setFenced(old, db, settings.appRoles, false);
    }
    await run.record({ type: "undone", reason });
    run.deps.report(`undone (${reason}): ${owner} keeps the data, ${to} follows it again`);
}

/** A cutover that crashed after the flip: the new owner is live, only the old owner's fence is missing. */
async function finish(run: Run, conns: Connections, settings: DataSettings, record: CutoverRecord): Promise<DataOutcome> {
    await run.record({ type: "resumed", from: record.phase });
    const roles = await run.deps.stacks.roles();
    if (ownerOf(roles).owner !== record.to) await run.deps.stacks.setOwner(record.to);
    for (const db of settings.databases) await setFenced(await conns.get(record.from, db), db, settings.appRoles, true);
    await run.record({ type: "phase", phase: "owner-fenced" });
    await run.record({ type: "phase", phase: "thawed", detail: `the freeze lifted by its bound (${formatDuration(record.freezeBoundMs)}) or when the tool died` });
    await run.record({ type: "completed", freezeMs: record.freezeBoundMs });
    return { kind: "done", freezeMs: record.freezeBoundMs, message: `resumed ${record.kind} ${record.cutoverId} after the flip: ${record.to} owns the data, ${record.from} fenced; the freeze had lifted itself within ${formatDuration(record.freezeBoundMs)}` };
}
