import { execFile } from "child_process";
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "fs/promises";
import { tmpdir } from "os";
import { join, resolve } from "path";
import { promisify } from "util";
import { CLOUDFLARE_PLANS, CloudflarePlan, PLAN_LIMITS, planLimitProblems } from "../../components/cloudflarePlan";
import { declaredDemands } from "../../policies/cloudflarePlan";
import { ofType } from "../support/pulumi";
import { canaryConfig, evaluateTraffic } from "./fixtures";

/**
 * `npm run preview:offline -- traffic` for each of the four plans, run as the command runs (in a
 * copy of the repository whose committed traffic config names that plan), and each plan's declared
 * resources checked against that plan's limits.
 */

const run = promisify(execFile);
const REPO = resolve(__dirname, "..", "..");
const SHAPED = ["cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor", "cloudflare:index/loadBalancer:LoadBalancer", "cloudflare:index/ruleset:Ruleset"];
let copy: string;

beforeAll(async () => {
    copy = await mkdtemp(join(tmpdir(), "blkout-plans-"));
    for (const entry of ["package.json", "tsconfig.json", "Pulumi.yaml", "Pulumi.blue.yaml", "Pulumi.green.yaml", "infra", "components", "contracts", "policies"]) {
        await cp(join(REPO, entry), join(copy, entry), { recursive: true, filter: source => !source.includes("node_modules") });
    }
    await symlink(join(REPO, "node_modules"), join(copy, "node_modules"));
}, 60_000);

afterAll(async () => {
    if (copy) await rm(copy, { recursive: true, force: true });
});

/** The committed traffic config with another plan named, as an operator on that plan would commit it. */
async function commitPlan(plan: CloudflarePlan): Promise<void> {
    const file = join(copy, "infra", "traffic", "Pulumi.production.yaml");
    const text = await readFile(join(REPO, "infra", "traffic", "Pulumi.production.yaml"), "utf8");
    const replaced = text.replace(/^ {2}blkout-traffic:cloudflarePlan: \w+$/m, `  blkout-traffic:cloudflarePlan: ${plan}`);
    expect(replaced).toContain(`cloudflarePlan: ${plan}`);
    await writeFile(file, replaced);
}

describe("npm run preview:offline -- traffic", () => {
    it.each(CLOUDFLARE_PLANS)("passes on the %s plan, with the plan's policy verdicts clean", async plan => {
        await commitPlan(plan);
        const { stdout } = await run(join(copy, "node_modules", ".bin", "tsx"), ["infra/offline/cli.ts", "traffic", "--json"], { cwd: copy, maxBuffer: 16 * 1024 * 1024 });
        const report = JSON.parse(stdout);
        expect(report.ok).toBe(true);
        const [stack] = report.stacks;
        expect(stack.outputs.cloudflarePlan).toBe(plan);
        expect(stack.policyViolations).toEqual([]);
    }, 120_000);

    it("fails on a config asking more than the plan allows, naming the key, the plan and the limit", async () => {
        await commitPlan("free");
        const file = join(copy, "infra", "traffic", "Pulumi.production.yaml");
        await writeFile(file, `${await readFile(file, "utf8")}  blkout-traffic:apiRateLimit:\n    period: 60\n`);
        const failed = await run(join(copy, "node_modules", ".bin", "tsx"), ["infra/offline/cli.ts", "traffic"], { cwd: copy }).then(() => undefined, error => error);
        expect(failed?.code).toBe(1);
        expect(`${failed.stdout}${failed.stderr}`).toContain("apiRateLimit.period: 60 s exceeds the free plan's longest counting period of 10 s");
    }, 120_000);
});

describe("what each plan declares", () => {
    it.each(CLOUDFLARE_PLANS)("on %s: within the plan's limits, the plan's minimum monitor interval, its preview rules and managed ruleset", async plan => {
        const evaluation = await evaluateTraffic(canaryConfig({ cloudflarePlan: plan }));
        const shaped = evaluation.resources.filter(r => SHAPED.includes(r.type));
        expect(shaped.flatMap(r => planLimitProblems(plan, declaredDemands(r.type, r.inputs)))).toEqual([]);
        const monitors = ofType(evaluation.resources, SHAPED[0]);
        expect(monitors.map(m => m.inputs.interval)).toEqual([PLAN_LIMITS[plan].monitorMinInterval, PLAN_LIMITS[plan].monitorMinInterval]);
        const [lb] = ofType(evaluation.resources, SHAPED[1]);
        expect(lb.inputs.rules.map((rule: { name: string }) => rule.name)).toEqual(plan === "enterprise" ? ["preview-blue", "preview-green"] : ["preview-green"]);
        const waf = ofType(evaluation.resources, SHAPED[2]).find(r => r.inputs.phase === "http_request_firewall_managed");
        expect(waf?.inputs.rules[0].actionParameters.id).toBe(PLAN_LIMITS[plan].managedRulesetId);
        // The check is not vacuous: the same resources judged against Free fail wherever the plan gave more.
        const againstFree = shaped.flatMap(r => planLimitProblems("free", declaredDemands(r.type, r.inputs)));
        expect(againstFree.length > 0).toBe(plan !== "free");
    }, 60_000);
});
