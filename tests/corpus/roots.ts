import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../../infra/offline/stackFiles";

/**
 * Temporary repositories for the corpus: the committed project files and stack files, with some
 * stack files replaced (text) or removed (null). The programs themselves come from this checkout.
 */

const TRAFFIC = path.join("infra", "traffic");

export const COMMITTED: Readonly<Record<string, string>> = {
    blue: fs.readFileSync(path.join(REPO_ROOT, "Pulumi.blue.yaml"), "utf8"),
    green: fs.readFileSync(path.join(REPO_ROOT, "Pulumi.green.yaml"), "utf8"),
    production: fs.readFileSync(path.join(REPO_ROOT, TRAFFIC, "Pulumi.production.yaml"), "utf8"),
};

/** Where each stack's file lives in a repository. */
export function stackPath(root: string, stack: string): string {
    return stack === "production" ? path.join(root, TRAFFIC, `Pulumi.${stack}.yaml`) : path.join(root, `Pulumi.${stack}.yaml`);
}

/** A fresh temporary repository with the committed stacks, `files` replacing (or, as null, removing) some. */
export function makeRoot(files: Readonly<Record<string, string | null>> = {}): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "blkout-corpus-"));
    fs.mkdirSync(path.join(root, TRAFFIC), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    fs.copyFileSync(path.join(REPO_ROOT, TRAFFIC, "Pulumi.yaml"), path.join(root, TRAFFIC, "Pulumi.yaml"));
    for (const [stack, text] of Object.entries({ ...COMMITTED, ...files })) {
        if (text !== null) {
            fs.writeFileSync(stackPath(root, stack), text);
        }
    }
    return root;
}

export function removeRoot(root: string): void {
    fs.rmSync(root, { recursive: true, force: true });
}
