import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { Client } from "pg";
import { Colour } from "../../../components/platformNames";
import { DataDeps, DataSettings, openDataStore } from "../../../data/context";
import { DataRoles, DataStacks, other } from "../../../data/stacks";
import { APP_DATABASES, PgServer, RedisServer } from "./servers";

/** The platform's data on real servers: blue owns, green is the candidate, unless a test flips them. */
export interface Platform {
    readonly pg: Record<Colour, PgServer>;
    readonly redis: Record<Colour, RedisServer>;
    readonly stacks: RecordingStacks;
    readonly store: string;
    deps(report?: (line: string) => void): DataDeps;
    env(): NodeJS.ProcessEnv;
    stop(): Promise<void>;
}

/** The Automation API's stand-in: roles in memory, every flip recorded, and what the apps' config would say. */
export class RecordingStacks implements DataStacks {
    readonly description = "recording stacks";
    readonly flips: Colour[] = [];
    current: Record<Colour, DataRoles[Colour]> = { blue: "owner", green: "candidate" };

    async roles(): Promise<DataRoles> {
        return { ...this.current };
    }

    async setOwner(owner: Colour): Promise<DataRoles> {
        this.flips.push(owner);
        this.current = { [owner]: "owner", [other(owner)]: "candidate" } as Record<Colour, DataRoles[Colour]>;
        return this.roles();
    }

    owner(): Colour {
        return this.current.blue === "owner" ? "blue" : "green";
    }
}

export const SETTINGS: DataSettings = {
    databases: [...APP_DATABASES],
    appRoles: [...APP_DATABASES],
    redisKeep: ["sess:*", "bull:*"],
    catchUpTimeoutMs: 60_000,
    freezeBoundMs: 15_000,
    maxLagBytes: 1024 * 1024,
    sequenceGap: 1000,
    lockTtlMs: 60_000,
};

/** One table per API, each with a sequence-backed key, a version for updates and the writer's own sequence number. */
export const APP_TABLES: Record<(typeof APP_DATABASES)[number], string> = { ivor: "conversations", events: "events", newsroom: "articles" };

export async function startPlatform(): Promise<Platform> {
    const [blue, green] = await Promise.all([PgServer.start("blue"), PgServer.start("green")]);
    const [redisBlue, redisGreen] = await Promise.all([RedisServer.start(), RedisServer.start()]);
    const store = mkdtempSync(join(tmpdir(), "blkout-data-store-"));
    const stacks = new RecordingStacks();
    const pg = { blue, green };
    const redis = { blue: redisBlue, green: redisGreen };
    const platform: Platform = {
        pg, redis, stacks, store,
        deps: (report = () => undefined) => ({
            endpoints: { blue: { postgresUrl: blue.url, redisUrl: redisBlue.url }, green: { postgresUrl: green.url, redisUrl: redisGreen.url } },
            stacks, ...openDataStore(store), actor: "test", report,
        }),
        env: () => ({
            ...process.env,
            BLKOUT_DATA_BLUE_POSTGRES_URL: blue.url, BLKOUT_DATA_GREEN_POSTGRES_URL: green.url,
            BLKOUT_DATA_BLUE_REDIS_URL: redisBlue.url, BLKOUT_DATA_GREEN_REDIS_URL: redisGreen.url,
        }),
        stop: async () => {
            await Promise.all([blue.destroy(), green.destroy(), redisBlue.stop(), redisGreen.stop()]);
            rmSync(store, { recursive: true, force: true });
        },
    };
    return platform;
}

/** Fresh databases on both servers, the schema and some rows on blue, roles back to blue owning, journal emptied. */
export async function resetPlatform(platform: Platform, seedRows = 200): Promise<void> {
    rmSync(platform.store, { recursive: true, force: true });
    mkdirSync(platform.store, { recursive: true });
    platform.stacks.current = { blue: "owner", green: "candidate" };
    platform.stacks.flips.length = 0;
    for (const server of Object.values(platform.pg)) await server.dropSubscriptions();
    for (const server of Object.values(platform.pg)) {
        await server.reset();
        await server.createAppDatabases();
    }
    for (const [db, table] of Object.entries(APP_TABLES)) {
        await platform.pg.blue.query(db, `SET ROLE ${db};
            CREATE TABLE ${table} (id bigserial PRIMARY KEY, writer_seq bigint, body text NOT NULL, version int NOT NULL DEFAULT 1);
            INSERT INTO ${table} (body) SELECT 'seed ' || g FROM generate_series(1, ${seedRows}) g`);
    }
    for (const server of Object.values(platform.redis)) {
        const client = new Redis(server.url);
        await client.flushall();
        client.disconnect();
    }
}

export async function appClient(platform: Platform, colour: Colour, db: string): Promise<Client> {
    const client = new Client({ connectionString: platform.pg[colour].appUrl(db) });
    client.on("error", () => undefined);
    await client.connect();
    return client;
}
