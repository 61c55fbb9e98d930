import { Client } from "pg";
import { Colour } from "../../../components/platformNames";
import { APP_DATABASES } from "./servers";
import { APP_TABLES, appClient, Platform } from "./platform";

/**
 * The applications, as far as the data is concerned: one loop per database inserting and updating
 * through the app role on whichever colour owns the data right now, recording only what the server
 * acknowledged. A write that fails (terminated, fenced, waiting past the freeze) is not counted and
 * is retried against the owner of the moment, as a real API's retry would.
 */
export class Writer {
    /** Acknowledged inserts per database: writer_seq -> id. */
    readonly inserts = new Map<string, Map<number, number>>();
    /** Highest acknowledged version per updated id, per database. */
    readonly versions = new Map<string, Map<number, number>>();
    readonly errors: { db: string; code: string; message: string }[] = [];
    /** Ids handed out per owner colour, to check sequences never collide. */
    readonly idsBy: Record<Colour, number[]> = { blue: [], green: [] };
    private running = false;
    private loops: Promise<void>[] = [];
    private seq = 0;

    constructor(private readonly platform: Platform, private readonly owner: () => Colour, private readonly pauseMs = 5) {
        for (const db of APP_DATABASES) {
            this.inserts.set(db, new Map());
            this.versions.set(db, new Map());
        }
    }

    start(): void {
        this.running = true;
        this.loops = APP_DATABASES.map(db => this.loop(db));
    }

    async stop(): Promise<void> {
        this.running = false;
        await Promise.all(this.loops);
    }

    get acknowledged(): number {
        return [...this.inserts.values()].reduce((sum, m) => sum + m.size, 0) + [...this.versions.values()].reduce((sum, m) => sum + m.size, 0);
    }

    /** Resolves once `n` more writes were acknowledged (or rejects after the timeout). */
    async progress(n: number, timeoutMs = 20_000): Promise<void> {
        const target = this.totalAcks + n;
        const deadline = Date.now() + timeoutMs;
        while (this.totalAcks < target) {
            if (Date.now() > deadline) throw new Error(`the writer acknowledged fewer than ${n} writes in ${timeoutMs} ms`);
            await new Promise(resolve => setTimeout(resolve, 20));
        }
    }

    totalAcks = 0;

    private async loop(db: string): Promise<void> {
        const table = APP_TABLES[db as keyof typeof APP_TABLES];
        let client: Client | undefined;
        let connectedTo: Colour | undefined;
        while (this.running) {
            try {
                const owner = this.owner();
                if (!client || connectedTo !== owner) {
                    await client?.end().catch(() => undefined);
                    client = undefined;
                    client = await appClient(this.platform, owner, db);
                    connectedTo = owner;
                }
                const acked = [...this.inserts.get(db)!.values()];
                if (acked.length > 10 && Math.random() < 0.3) {
                    const id = acked[Math.floor(Math.random() * acked.length)];
                    const { rows } = await client.query(`UPDATE ${table} SET version = version + 1, body = body || '+' WHERE id = $1 RETURNING version`, [id]);
                    const versions = this.versions.get(db)!;
                    versions.set(id, Math.max(versions.get(id) ?? 0, rows[0].version));
                } else {
                    const seq = ++this.seq;
                    const { rows } = await client.query(`INSERT INTO ${table} (writer_seq, body) VALUES ($1, $2) RETURNING id`, [seq, `write ${seq}`]);
                    this.inserts.get(db)!.set(seq, Number(rows[0].id));
                    this.idsBy[owner].push(Number(rows[0].id));
                }
                this.totalAcks++;
            } catch (err) {
                this.errors.push({ db, code: (err as { code?: string }).code ?? "", message: (err as Error).message });
                await client?.end().catch(() => undefined);
                client = undefined;
                await new Promise(resolve => setTimeout(resolve, 50));
            }
            await new Promise(resolve => setTimeout(resolve, this.pauseMs));
        }
        await client?.end().catch(() => undefined);
    }

    /** Every acknowledged write checked on one server: inserts present exactly once, updates at least at their acknowledged version. */
    async missingOn(platform: Platform, colour: Colour): Promise<string[]> {
        const problems: string[] = [];
        for (const db of APP_DATABASES) {
            const table = APP_TABLES[db];
            const rows = await platform.pg[colour].query<{ id: string; writer_seq: string | null; version: number }>(db, `SELECT id::text, writer_seq::text, version FROM ${table}`);
            const bySeq = new Map<number, number>();
            const versionOf = new Map(rows.map(r => [Number(r.id), r.version]));
            for (const row of rows) if (row.writer_seq !== null) bySeq.set(Number(row.writer_seq), (bySeq.get(Number(row.writer_seq)) ?? 0) + 1);
            for (const [seq] of this.inserts.get(db)!) {
                const count = bySeq.get(seq) ?? 0;
                if (count !== 1) problems.push(`${db}: write ${seq} present ${count} times on ${colour}`);
            }
            for (const [id, version] of this.versions.get(db)!) {
                if ((versionOf.get(id) ?? 0) < version) problems.push(`${db}: id ${id} at version ${versionOf.get(id)} on ${colour}, ${version} acknowledged`);
            }
        }
        return problems;
    }
}
