import { Client } from "pg";

/**
 * PostgreSQL access for the data tool, through `pg` (node-postgres, the maintained client). Every
 * connection names itself (`application_name`), so the tool's own sessions are never drained or
 * terminated with the applications', and errors never carry the URL (it holds a password).
 */

export const TOOL_APPLICATION = "blkout-data";

/** The same server and credentials, another database. */
export function databaseUrl(serverUrl: string, database: string): string {
    const url = new URL(serverUrl);
    url.pathname = `/${encodeURIComponent(database)}`;
    return url.toString();
}

/** user@host:port/db, never the password: what messages and the journal may show. */
export function describeUrl(serverUrl: string): string {
    try {
        const url = new URL(serverUrl);
        return `${decodeURIComponent(url.username) || "?"}@${url.hostname}:${url.port || 5432}${url.pathname}`;
    } catch {
        return "an unparseable URL";
    }
}

/** A message with any credentials pg may have echoed cut out. */
export function scrub(message: string, ...urls: string[]): string {
    let text = message;
    for (const url of urls) {
        try {
            const password = decodeURIComponent(new URL(url).password);
            if (password) text = text.split(password).join("***");
        } catch {
            // nothing to cut from a URL that does not parse
        }
    }
    return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/g, "$1***@");
}

export interface ConnectOptions {
    /** Server-side: the session ends itself if it sits idle in a transaction this long (the freeze's bound). */
    readonly idleInTransactionMs?: number;
    readonly connectTimeoutMs?: number;
}

/** One connected client; the caller ends it. */
export async function connect(serverUrl: string, database: string, options: ConnectOptions = {}): Promise<Client> {
    const url = databaseUrl(serverUrl, database);
    const client = new Client({
        connectionString: url,
        application_name: TOOL_APPLICATION,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
        ...(options.idleInTransactionMs ? { idle_in_transaction_session_timeout: options.idleInTransactionMs } : {}),
    });
    // A server that dies mid-run emits 'error' on the client; without a listener that kills the tool.
    client.on("error", () => undefined);
    try {
        await client.connect();
    } catch (err) {
        await client.end().catch(() => undefined);
        throw new Error(`cannot connect to ${describeUrl(url)}: ${scrub((err as Error).message, url)}`);
    }
    return client;
}

/** Runs `work` on a fresh connection and always closes it. */
export async function withClient<T>(serverUrl: string, database: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = await connect(serverUrl, database);
    try {
        return await work(client);
    } catch (err) {
        throw new Error(scrub((err as Error).message, serverUrl));
    } finally {
        await client.end().catch(() => undefined);
    }
}

export async function rows<T>(client: Client, sql: string, params: unknown[] = []): Promise<T[]> {
    return (await client.query(sql, params)).rows as T[];
}

/** A quoted identifier: names come from catalogs and flags, never spliced raw. */
export function ident(name: string): string {
    return `"${name.replace(/"/g, "\"\"")}"`;
}

export function literal(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}

/** An LSN like 0/16B3748 as a number of bytes (exact below 2^53, which is 8 PiB of WAL). */
export function lsnBytes(lsn: string | null | undefined): number | undefined {
    const match = /^([0-9A-F]+)\/([0-9A-F]+)$/i.exec(lsn ?? "");
    return match ? parseInt(match[1], 16) * 2 ** 32 + parseInt(match[2], 16) : undefined;
}
