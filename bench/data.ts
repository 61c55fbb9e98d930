import { sync } from "../data/commands";
import { cutover } from "../data/cutover";
import { APP_TABLES, resetPlatform, SETTINGS, startPlatform } from "../tests/data/support/platform";
import { APP_DATABASES } from "../tests/data/support/servers";
import { Writer } from "../tests/data/support/writer";

/**
 * Figures for `npm run bench` (never assertions): on the real PostgreSQL 15 / Redis 7 servers of the
 * data tests, the write freeze of a cutover under a steady write load (target < 5 s), the initial
 * catch-up rate, and the acknowledged writes missing on the new owner afterwards (target 0).
 */

const SEED_ROWS = 100_000;

export async function benchData(): Promise<Record<string, string | number>> {
    const platform = await startPlatform();
    const writer = new Writer(platform, () => platform.stacks.owner(), 2);
    try {
        await resetPlatform(platform, SEED_ROWS);
        const deps = platform.deps();
        writer.start();
        const syncStarted = Date.now();
        const synced = await sync(deps, SETTINGS, "green");
        const syncMs = Date.now() - syncStarted;
        const copied = (await Promise.all(APP_DATABASES.map(async db =>
            (await platform.pg.green.query<{ n: number }>(db, `SELECT count(*)::int AS n FROM ${APP_TABLES[db]}`))[0].n))).reduce((a, b) => a + b, 0);
        await writer.progress(300);
        const acksBefore = writer.totalAcks;
        const started = Date.now();
        const result = await cutover(deps, SETTINGS, "green", "cutover");
        const rate = (writer.totalAcks - acksBefore) / ((Date.now() - started) / 1000);
        await writer.progress(200);
        await writer.stop();
        const missing = await writer.missingOn(platform, "green");
        return {
            "sync: outcome": synced.kind,
            "sync: initial copy and catch-up, rows per second": Math.round(copied / (syncMs / 1000)),
            [`sync: rows copied (${SEED_ROWS} per database + writes)`]: copied,
            "cutover: outcome": `${result.kind}${result.kind === "done" ? "" : `: ${result.message}`}`,
            "cutover: write freeze (target < 5 s)": result.freezeMs === undefined ? "n/a" : `${(result.freezeMs / 1000).toFixed(2)} s`,
            "cutover: steady write load around the cutover": `${rate.toFixed(0)} acknowledged writes/s`,
            "cutover: acknowledged writes missing or duplicated on the new owner (target 0)": missing.length,
            "cutover: writes acknowledged in the run": writer.totalAcks,
        };
    } finally {
        await writer.stop();
        await platform.stop();
    }
}
