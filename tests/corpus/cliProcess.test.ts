import { spawnSync } from "child_process";
import * as path from "path";
import { REPO_ROOT } from "../../infra/offline/stackFiles";
import { COMMITTED, makeRoot, removeRoot } from "./roots";

/**
 * A handful of corpus cases through the real CLI process (`npm run preview:offline -- --json`): the
 * exit code, a JSON report on stdout that names the problem, the other stacks still reported, and
 * no stack trace anywhere. Bounded by spawnSync's timeout.
 */

function runCli(files: Record<string, string | null>, args: string[] = ["--json"]) {
    const root = makeRoot(files);
    try {
        const result = spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), path.join(REPO_ROOT, "infra", "offline", "cli.ts"), ...args], {
            cwd: REPO_ROOT, env: { ...process.env, BLKOUT_OFFLINE_ROOT: root }, encoding: "utf8", timeout: 90_000,
        });
        return { code: result.status, stdout: result.stdout, stderr: result.stderr, signal: result.signal };
    } finally {
        removeRoot(root);
    }
}

const noTrace = (text: string) => expect(text).not.toMatch(/\n\s+at |RangeError|TypeError|Maximum call stack/);

describe("corpus cases through the real CLI process", () => {
    it("the traffic stack naming itself: exit 1, the reference named, the colour stacks still previewed in the JSON", () => {
        const result = runCli({ production: COMMITTED.production.replace("organization/blkout-platform/blue", "organization/blkout-traffic/production") });
        expect(result.signal).toBeNull();
        expect(result.code).toBe(1);
        const report = JSON.parse(result.stdout);
        expect(report.stacks.map((s: { stack: string }) => s.stack)).toEqual(["blue", "green"]);
        expect(JSON.stringify(report.failures)).toContain("colourStacks.blue");
        noTrace(result.stdout + result.stderr);
    }, 120_000);

    it("an unknown Kubernetes version in one stack: a clean error for it, the other stacks reported", () => {
        const result = runCli({ green: COMMITTED.green.replace('kubernetesVersion: "1.33"', 'kubernetesVersion: "1.29"') });
        expect(result.code).toBe(1);
        const report = JSON.parse(result.stdout);
        expect(report.stacks.map((s: { stack: string }) => s.stack)).toEqual(["blue"]);
        expect(report.failures.map((f: { stack: string }) => f.stack)).toEqual(["green", "production"]);
        expect(report.failures[0].reason).toContain("cluster.kubernetesVersion: DigitalOcean offers no Kubernetes 1.29");
        noTrace(result.stdout + result.stderr);
    }, 120_000);

    it("20 000 nested mappings: a size-and-depth message, no overflow", () => {
        const deep = `config:\n  blkout-platform:site: ${"{a: ".repeat(20000)}1${"}".repeat(20000)}\n`;
        const result = runCli({ blue: deep }, ["blue", "--json"]);
        expect(result.code).toBe(1);
        expect(JSON.parse(result.stdout).failures[0].reason).toMatch(/nested \d+ levels deep, deeper than the limit of 32/);
        noTrace(result.stdout + result.stderr);
    }, 120_000);
});
