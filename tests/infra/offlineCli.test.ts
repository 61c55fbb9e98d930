import { ConfigError } from "../../infra/config/validators";
import { main, parseArgs } from "../../infra/offline/cli";
import { evaluateStack, offlineConfig, StackEvaluation } from "../../infra/offline/stacks";

/** Runs the CLI in-process and captures what it writes. */
async function run(argv: string[], evaluator?: Parameters<typeof main>[1]) {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = jest.spyOn(process.stdout, "write").mockImplementation(chunk => { out.push(String(chunk)); return true; });
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(chunk => { err.push(String(chunk)); return true; });
    try {
        const code = await main(argv, evaluator);
        return { code, stdout: out.join(""), stderr: err.join("") };
    } finally {
        stdout.mockRestore();
        stderr.mockRestore();
    }
}

const shared = new Map<string, StackEvaluation>();
const cachedEvaluator = (stack: string) => evaluateStack(stack, shared);

describe("npm run preview:offline", () => {
    test("with no stack named it previews every stack: blue, green and the traffic stack", () => {
        expect(parseArgs([]).stacks).toEqual(["blue", "green", "production"]);
        expect(parseArgs(["green", "--json"])).toEqual({ stacks: ["green"], json: true });
    });

    test("an unknown option is refused with the usage", () => {
        expect(() => parseArgs(["--jsn"])).toThrow(ConfigError);
        expect(() => parseArgs(["--jsn"])).toThrow("--jsn: unknown option (usage: preview:offline [stack ...] [--json])");
    });

    test("prints the resource tree grouped by component, the outputs with secrets masked, and exits 0", async () => {
        const result = await run(["blue"], cachedEvaluator);
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/Stack blkout-platform\/blue: \d+ resources in 13 components/);
        expect(result.stdout).toMatch(/■ blkout:platform:Alerts {2}blue-alerts \(8 resources\)\n {6}\+ digitalocean:index\/monitorAlert:MonitorAlert {2}blue-alerts-/);
        expect(result.stdout).toMatch(/■ blkout:platform:DataPlane {2}blue-data \(\d+ resources\)\n {6}\+ /);
        expect(result.stdout).toMatch(/dataIvorDatabaseUrl +\[secret\]/);
        expect(result.stdout).toMatch(/Monthly cost estimate .*: \$\d+-\$\d+/);
        expect(result.stdout).not.toMatch(/postgresql:\/\//);
    });

    test("the traffic stack's preview prints the weight each colour would get", async () => {
        const result = await run(["traffic"], cachedEvaluator);
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/Traffic each colour would get:\n +blue +100 % +release 2026\.11\.2, active, fallback pool\n +green +0 % +release 2026\.11\.3, standby/);
    });

    test("--json is machine-readable and masks secrets too", async () => {
        const result = await run(["blue", "--json"], cachedEvaluator);
        const report = JSON.parse(result.stdout);
        expect(report.ok).toBe(true);
        expect(report.stacks[0].outputs).toMatchObject({ colour: "blue", dataRedisUrl: "[secret]", dataSessionSecret: "[secret]" });
        expect(report.stacks[0].resources.length).toBeGreaterThan(40);
        expect(result.stdout).not.toContain("rediss://");
    });

    test("a stack whose config is invalid fails the run with the config's own message, and the others still print", async () => {
        const evaluator = async (stack: string): Promise<StackEvaluation> => {
            if (stack === "green") {
                throw new ConfigError(["mode: expected one of \"active\", \"standby\", got \"on\""], "stack green's config");
            }
            return cachedEvaluator(stack);
        };
        const result = await run(["blue", "green"], evaluator);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("Stack green failed:\nstack green's config has 1 problem:\n  - mode: expected one of");
        expect(result.stderr).not.toMatch(/\n\s+at /);
        expect(result.stdout).toContain("Previewed 1 of 2 stack(s) offline; 1 failed.");
    });

    test("prints the policy pack's verdicts and the blue/green invariants, and passes on the committed stacks", async () => {
        const result = await run(["blue", "green", "traffic"], cachedEvaluator);
        expect(result.code).toBe(0);
        expect(result.stdout.match(/Policy pack: 0 blocking, 0 advisory/g)).toHaveLength(3);
        expect(result.stdout).toContain("Blue/green invariants across the stacks: 0 blocking, 0 advisory");
    });

    test("a mandatory policy violation fails the run and names the policy and resource", async () => {
        const unprotected = async (stack: string): Promise<StackEvaluation> => {
            const evaluation = await cachedEvaluator(stack);
            return { ...evaluation, resources: evaluation.resources.map(r => (r.name === "blue-data-pg" ? { ...r, protect: false } : r)) };
        };
        const result = await run(["blue"], unprotected);
        expect(result.code).toBe(1);
        expect(result.stdout).toMatch(/Policy pack: [1-9]\d* blocking/);
        expect(result.stdout).toMatch(/\[mandatory\] [a-z-]+ \(blue-data-pg\): .*protect/);
        expect(result.stdout).toContain("; a mandatory policy is violated.");
    });

    test("an unknown stack name fails with the list of known stacks", async () => {
        const result = await run(["purple"]);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("unknown stack \"purple\"; known stacks: blue, green, production, traffic");
    });
});

describe("offlineConfig", () => {
    const file = { stack: "blue", project: "blkout-platform", config: { colour: "blue" }, secureKeys: ["ivorModelApiKey"] };

    test("substitutes a secret for every encrypted value and every missing required secret, but reports only the missing", () => {
        const { config, secretConfigKeys, placeholderSecrets } = offlineConfig(file, ["ivorModelApiKey", "originCertificate"]);
        expect(secretConfigKeys).toEqual(["ivorModelApiKey", "originCertificate"]);
        expect(placeholderSecrets).toEqual(["originCertificate"]);
        expect(config).toEqual({ colour: "blue", ivorModelApiKey: "offline-placeholder-ivorModelApiKey", originCertificate: "offline-placeholder-originCertificate" });
    });

    test("leaves a required secret stored in plain text alone, for the program to refuse", () => {
        const plain = { ...file, config: { colour: "blue", originCertificate: "-----BEGIN" }, secureKeys: [] };
        const { config, secretConfigKeys } = offlineConfig(plain, ["originCertificate"]);
        expect(secretConfigKeys).toEqual([]);
        expect(config.originCertificate).toBe("-----BEGIN");
    });
});
