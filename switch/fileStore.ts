import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { ObjectStore, StoredObject } from "./objectStore";

/**
 * Writes `body` to `path` only when `path` does not exist, all or nothing: the bytes go to a
 * private temp file first (written and fsynced), then `link(2)` gives it its name, which fails with
 * EEXIST when the name is taken. A crash leaves at most a stray temp file, never a half entry under
 * the real name, and two writers can never both win the same name.
 */
export async function createExclusive(path: string, body: string): Promise<boolean> {
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const handle = await open(temp, "wx");
    try {
        await handle.writeFile(body);
        await handle.sync();
    } finally {
        await handle.close();
    }
    try {
        await link(temp, path);
        return true;
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw err;
    } finally {
        await unlink(temp).catch(() => undefined);
    }
}

export async function readIfExists(path: string): Promise<string | undefined> {
    try {
        return await readFile(path, "utf8");
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
    }
}

async function walk(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return [];
        throw err;
    });
    const nested = await Promise.all(entries.map(entry => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)])));
    return nested.flat();
}

/** Objects as files under a directory, one file per key; temp files of in-flight writes are never listed. */
export class FileObjectStore implements ObjectStore {
    readonly location: string;

    constructor(private readonly dir: string) {
        this.location = dir;
    }

    async get(key: string): Promise<StoredObject | undefined> {
        const body = await readIfExists(join(this.dir, key));
        return body === undefined ? undefined : { body, version: "" };
    }

    create(key: string, body: string): Promise<boolean> {
        return createExclusive(join(this.dir, key), body);
    }

    async list(prefix: string): Promise<string[]> {
        const base = join(this.dir, prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "");
        const keys = (await walk(base)).map(path => relative(this.dir, path).split(sep).join("/"));
        return keys.filter(key => key.startsWith(prefix) && !key.endsWith(".tmp")).sort();
    }
}
