import { join } from "node:path";
import { Client } from "pg";
import { Colour } from "../components/platformNames";
import { LockHolder, SwitchLock } from "../switch/lock";
import { FileLockBackend } from "../switch/lockBackends";
import { describeHolder } from "../switch/preflight";
import { DataEntry, DataEvent, DataJournal, newCutoverId } from "./journal";
import { connect } from "./pg";
import { DataOptions, Endpoints } from "./settings";
import { DataRoles, DataStacks } from "./stacks";

/** Everything a data command needs from the outside world; tests hand in doubles for `stacks`. */
export interface DataDeps {
    readonly endpoints: Readonly<Record<Colour, Endpoints>>;
    readonly stacks: DataStacks;
    readonly journal: DataJournal;
    readonly lock: SwitchLock;
    readonly actor: string;
    /** One line of progress or outcome. */
    readonly report: (line: string) => void;
}

export type DataSettings = Omit<DataOptions, "command" | "to" | "store" | "stacksFile">;

/** How a command ended: its exit code and one line. */
export interface DataOutcome {
    readonly kind: "done" | "refused" | "aborted" | "undone" | "error";
    readonly message: string;
    readonly freezeMs?: number;
}

export const EXIT_CODES: Record<DataOutcome["kind"], number> = { done: 0, error: 1, refused: 2, aborted: 3, undone: 4 };

/** Thrown when another run took the lock over: this run must stop touching anything. */
export class FencedOut extends Error {}

export function openDataStore(dir: string, now: () => number = Date.now): { journal: DataJournal; lock: SwitchLock } {
    return { journal: new DataJournal(join(dir, "journal.jsonl")), lock: new SwitchLock(new FileLockBackend(join(dir, "data.lock")), { now }) };
}

/** The one owner and the colours' roles, or why there is not exactly one owner. */
export function ownerOf(roles: DataRoles): { owner?: Colour; problem?: string } {
    const owners = (Object.keys(roles) as Colour[]).filter(colour => roles[colour] === "owner");
    return owners.length === 1 ? { owner: owners[0] } : { problem: `expected exactly one owner colour, found ${owners.length} (${JSON.stringify(roles)})` };
}

/** One run: holds the lock, writes the journal with its token, renews the lease at every entry. */
export class Run {
    private constructor(readonly deps: DataDeps, private holder: LockHolder, readonly cutoverId: string, private readonly ttlMs: number) {}

    static async begin(deps: DataDeps, purpose: string, ttlMs: number, cutoverId = newCutoverId(new Date())): Promise<Run | string> {
        const holder = deps.lock.holderFor({ by: deps.actor, purpose, switchId: cutoverId }, ttlMs);
        const acquired = await deps.lock.acquire(holder);
        if (!acquired.ok) {
            return `another data command holds the lock: ${describeHolder(acquired.holder)}`;
        }
        // The lock hands back the holder with its fence: renewals and the journal's tokens name that one.
        return new Run(deps, acquired.holder, cutoverId, ttlMs);
    }

    /** Journals one step; throws `FencedOut` when the lease was lost to another run. */
    async record(event: DataEvent): Promise<DataEntry> {
        const renewed = await this.deps.lock.renew(this.holder, this.ttlMs);
        if (!renewed) throw new FencedOut(`the lock at ${this.deps.lock.location} was taken over; stopping without further changes`);
        this.holder = renewed;
        return this.deps.journal.append(event, { cutoverId: this.cutoverId, by: this.deps.actor, fence: renewed.token });
    }

    /** A run continuing an interrupted cutover writes under that cutover's id. */
    withCutoverId(cutoverId: string): Run {
        return new Run(this.deps, this.holder, cutoverId, this.ttlMs);
    }

    async end(): Promise<void> {
        await this.deps.lock.release(this.holder).catch(() => undefined);
    }
}

/** One admin connection per (colour, database), opened on demand and all closed together. */
export class Connections {
    private readonly open = new Map<string, Client>();

    constructor(private readonly endpoints: Readonly<Record<Colour, Endpoints>>) {}

    async get(colour: Colour, db: string): Promise<Client> {
        const key = `${colour}/${db}`;
        const existing = this.open.get(key);
        if (existing) return existing;
        const client = await connect(this.endpoints[colour].postgresUrl, db);
        client.on("end", () => this.open.delete(key));
        this.open.set(key, client);
        return client;
    }

    url(colour: Colour): string {
        return this.endpoints[colour].postgresUrl;
    }

    async closeAll(): Promise<void> {
        await Promise.all([...this.open.values()].map(client => client.end().catch(() => undefined)));
        this.open.clear();
    }
}

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
