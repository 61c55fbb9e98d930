import { execFileSync } from "node:child_process";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileObjectStore } from "../../../switch/fileStore";
import { Journal, SequencedJournal } from "../../../switch/journal";
import { LockBackend, LockHolder, SwitchLock } from "../../../switch/lock";
import { FileLockBackend } from "../../../switch/lockBackends";
import { ObjectStore } from "../../../switch/objectStore";

/**
 * A store directory that can be made full (ENOSPC) or read-only (EROFS) mid-test: a 256 KiB tmpfs
 * mount when the test runs as root, else the same errors injected at the store's calls (`real`
 * says which one ran).
 */
export interface SmallDisk {
    readonly dir: string;
    readonly real: boolean;
    fill(): Promise<void>;
    readOnly(): Promise<void>;
    cleanup(): Promise<void>;
    stores(now: () => number): { journal: Journal; lock: SwitchLock };
}

export async function smallDisk(): Promise<SmallDisk> {
    const dir = await mkdtemp(join(tmpdir(), "blkout-disk-"));
    let real = true;
    try {
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", dir], { stdio: "ignore" });
    } catch {
        real = false;
    }
    let fault: { code: string; message: string } | undefined;
    const broken = () => {
        if (fault) throw Object.assign(new Error(`${fault.code}: ${fault.message}`), { code: fault.code });
    };
    return {
        dir,
        real,
        async fill() {
            if (!real) {
                fault = { code: "ENOSPC", message: "no space left on device, write" };
                return;
            }
            const handle = await open(join(dir, "filler"), "w");
            const block = Buffer.alloc(4096, 1);
            try {
                for (;;) await handle.write(block);
            } catch (err) {
                if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
            } finally {
                await handle.close();
            }
        },
        async readOnly() {
            if (real) execFileSync("mount", ["-o", "remount,ro", dir]);
            else fault = { code: "EROFS", message: "read-only file system, open" };
        },
        async cleanup() {
            if (real) execFileSync("umount", [dir]);
            await rm(dir, { recursive: true, force: true });
        },
        stores(now) {
            const files = new FileObjectStore(dir);
            const lockFiles = new FileLockBackend(join(dir, "switch.lock"));
            if (real) return { journal: new SequencedJournal(files), lock: new SwitchLock(lockFiles, { now }) };
            const store: ObjectStore = { location: dir, get: k => files.get(k), list: p => files.list(p), create: async (k, b) => { broken(); return files.create(k, b); } };
            const backend: LockBackend = {
                location: lockFiles.location, read: () => lockFiles.read(),
                create: async (h: LockHolder) => { broken(); return lockFiles.create(h); },
                replace: async (h: LockHolder, v: string) => { broken(); return lockFiles.replace(h, v); },
            };
            return { journal: new SequencedJournal(store), lock: new SwitchLock(backend, { now }) };
        },
    };
}
