import { execFileSync } from "child_process";
import { parse } from "yaml";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROMETHEUS_PORT } from "../../components/monitoringPrometheus";
import { PUSHGATEWAY_PORT } from "../../components/monitoringPushgateway";
import { parseColourUrls } from "../../switch/colourUrls";
import { allSteps, compositeAction, compositeActions, Job, ROOT, stepIndex, workflow, workflows } from "./support";

const PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/;
const runs = (job: Job) => job.steps.map(s => s.run ?? "").join("\n");
const needsOf = (job: Job) => (Array.isArray(job.needs) ? job.needs : job.needs ? [job.needs] : []);
const environmentOf = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);

describe("every workflow and composite action", () => {
    test("every action is pinned to a full commit SHA with its version in a comment (local actions aside)", () => {
        const texts = [...workflows(), ...compositeActions()];
        const uses = texts.flatMap(t => [...t.text.matchAll(/^\s*(?:-\s+)?uses:\s*(.+)$/gm)].map(m => ({ file: t.file, ref: m[1].trim() })));
        expect(uses.length).toBeGreaterThan(10);
        const unpinned = uses.filter(u => !u.ref.startsWith("./") && !PINNED.test(u.ref));
        expect(unpinned).toEqual([]);
    });

    test("checkouts never leave the token in .git/config", () => {
        const checkouts = allSteps().filter(({ step }) => step.uses?.startsWith("actions/checkout@"));
        expect(checkouts.length).toBeGreaterThanOrEqual(8);
        expect(checkouts.filter(({ step }) => step.with?.["persist-credentials"] !== false).map(c => c.where)).toEqual([]);
    });

    test("the change guard takes the live colours and step ceiling from the deployed traffic stack, never from --live", () => {
        const guardRuns = [...workflows(), ...compositeActions()].flatMap(t => t.text.split("\n")
            .filter(line => line.includes("guard-cli.ts")).map(line => ({ file: t.file, line: line.trim() })));
        expect(guardRuns.length).toBeGreaterThanOrEqual(4);
        expect(guardRuns.filter(run => run.line.includes("--live"))).toEqual([]);
        const deployed = guardRuns.filter(run => run.line.includes("--deployed"));
        expect(new Set(deployed.map(run => run.file))).toEqual(new Set([".github/workflows/preview.yml", ".github/actions/guarded-up/action.yml"]));
        for (const { text } of [workflow("preview"), compositeAction("guarded-up")]) {
            expect(text).toMatch(/pulumi stack output --stack production --json\) > "\$RUNNER_TEMP\/traffic-deployed\.json"/);
        }
    });

    test("no expression is interpolated into a run: script (values reach scripts through env)", () => {
        const offenders = allSteps().filter(({ step }) => (step.run ?? "").includes("${{")).map(({ where, step }) => `${where}: ${step.name ?? step.run}`);
        expect(offenders).toEqual([]);
    });

    test("never --skip-preview, --target, --ignore-protect, --yes on a destroy, or a curl installer", () => {
        const scripts = allSteps().map(({ step }) => step.run ?? "").join("\n");
        expect(scripts).toMatch(/pulumi up/);
        for (const forbidden of [/--skip-preview/, /--target\b/, /--ignore-protect/, /pulumi destroy/, /curl [^\n]*\|\s*sh/, /--target-dependents/]) {
            expect(scripts).not.toMatch(forbidden);
        }
        const inputs = allSteps().filter(({ step }) => step.uses?.startsWith("pulumi/actions@")).map(({ step }) => Object.keys(step.with ?? {}));
        expect(inputs.flat().filter(key => ["target", "target-dependents", "command"].includes(key))).toEqual([]);
    });

    test("every pulumi preview and up runs the policy pack", () => {
        const commands = allSteps().flatMap(({ where, step }) => (step.run ?? "").split("\n")
            .filter(line => /\bpulumi (preview|up)\b/.test(line)).map(line => ({ where, line })));
        expect(commands.length).toBeGreaterThanOrEqual(5);
        expect(commands.filter(c => !/--policy-pack "?\$?\w+"?|--policy-pack \.\.\/\.\.\/policies/.test(c.line))).toEqual([]);
    });

    test("least privilege: nothing at the top level, each job names its permissions, writes only where needed", () => {
        const allowedWrites: Record<string, string[]> = { "preview.yml": ["pull-requests"], "drift.yml": ["issues"] };
        for (const w of workflows()) {
            expect({ file: w.file, permissions: w.permissions }).toEqual({ file: w.file, permissions: {} });
            for (const [id, job] of Object.entries(w.jobs)) {
                expect({ job: `${w.file} ${id}`, hasPermissions: typeof job.permissions === "object" }).toEqual({ job: `${w.file} ${id}`, hasPermissions: true });
                const writes = Object.entries(job.permissions as Record<string, string>).filter(([, level]) => level === "write").map(([scope]) => scope);
                expect(writes).toEqual(allowedWrites[path.basename(w.file)] ?? []);
            }
        }
    });

    test("secrets are read only by jobs behind a GitHub environment", () => {
        for (const w of workflows()) {
            for (const [id, job] of Object.entries(w.jobs)) {
                if (JSON.stringify(job).includes("secrets.")) {
                    expect({ job: `${w.file} ${id}`, environment: environmentOf(job) }).toEqual({ job: `${w.file} ${id}`, environment: expect.any(String) });
                }
            }
        }
        expect(workflow("ci").text).not.toMatch(/secrets\./);
    });
});

describe("pull requests", () => {
    test("ci runs the README's test command and the offline preview for every pull request, forks included", () => {
        const ci = workflow("ci");
        expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(["pull_request"]));
        expect(runs(ci.jobs.test)).toMatch(/\.ci\/run/);
        expect(runs(ci.jobs["offline-preview"])).toMatch(/preview:offline/);
        expect(fs.readFileSync(path.join(ROOT, "scripts/test.sh"), "utf8")).toMatch(/npm run --silent lint/);
    });

    test("real previews of blue, green and traffic, skipped for forks, one edited comment per stack, failing when blocked", () => {
        const preview = workflow("preview");
        const job = preview.jobs.preview;
        expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
        const matrix = (parse(preview.text) as { jobs: { preview: { strategy: { matrix: { include: Array<{ stack: string }> } } } } }).jobs.preview.strategy.matrix.include;
        expect(matrix.map(m => m.stack)).toEqual(["blue", "green", "production"]);
        const comment = job.steps.find(s => s.uses?.startsWith("actions/github-script@"))!;
        const script = String(comment.with?.script);
        expect(script).toMatch(/<!-- blkout-preview:\$\{stack\} -->/);
        expect(script).toMatch(/updateComment[\s\S]*createComment/);
        expect(runs(job)).toMatch(/guard-cli\.ts/);
        const last = job.steps[job.steps.length - 1];
        expect(last.if).toMatch(/steps\.preview\.outputs\.status != '0' \|\| steps\.guard\.outputs\.status != '0'/);
    });
});

describe("deploy", () => {
    const deploy = workflow("deploy");

    test("on merge to main or by hand, owner then follower then traffic, each behind the production environment", () => {
        expect(deploy.on).toEqual({ push: { branches: ["main"] }, workflow_dispatch: null });
        expect(needsOf(deploy.jobs.order)).toEqual(["test"]);
        expect(runs(deploy.jobs.test)).toMatch(/\.ci\/run/);
        expect(needsOf(deploy.jobs.owner)).toEqual(["order"]);
        expect(needsOf(deploy.jobs.follower)).toEqual(expect.arrayContaining(["owner"]));
        expect(needsOf(deploy.jobs.traffic)).toEqual(["follower"]);
        expect(deploy.jobs.owner.env?.COLOUR).toBe("${{ needs.order.outputs.owner }}");
        expect(deploy.jobs.follower.env?.COLOUR).toBe("${{ needs.order.outputs.follower }}");
        for (const id of ["owner", "follower", "traffic"]) {
            expect(environmentOf(deploy.jobs[id])).toBe("production");
        }
    });

    test("each colour: hold check and migration, then preview, change guard, update (in that order)", () => {
        for (const id of ["owner", "follower"]) {
            const steps = deploy.jobs[id].steps;
            const hold = stepIndex(steps, s => /switch -- standby "\$COLOUR" --check-config/.test(s.run ?? ""));
            const migrate = stepIndex(steps, s => /npm run --silent migrate -- --colour "\$COLOUR"/.test(s.run ?? ""));
            const update = stepIndex(steps, s => s.uses === "./.github/actions/guarded-up");
            expect([hold >= 0, migrate > hold, update > migrate]).toEqual([true, true, true]);
        }
        const guarded = compositeAction("guarded-up").steps.map(s => s.run ?? "");
        const order = [/pulumi preview .*--policy-pack/, /guard-cli\.ts/, /pulumi up .*--policy-pack/].map(re => guarded.findIndex(r => re.test(r)));
        expect(order).toEqual([0, 1, 2]);
    });

    test("the traffic job re-applies the live weights and refuses any plan that moves traffic before updating", () => {
        const steps = deploy.jobs.traffic.steps;
        const keep = stepIndex(steps, s => /appliedWeights/.test(s.run ?? "") && /config set --stack production --path "weights\./.test(s.run ?? ""));
        const check = stepIndex(steps, s => /weightsUnchanged\.ts/.test(s.run ?? ""));
        const update = stepIndex(steps, s => s.uses === "./.github/actions/guarded-up");
        expect([keep >= 0, check > keep, update > check]).toEqual([true, true, true]);
    });

    test("deploy and promote share one concurrency group that never cancels a run in progress", () => {
        const promote = workflow("promote");
        expect(deploy.concurrency).toEqual({ group: "blkout-production", "cancel-in-progress": false });
        expect(promote.concurrency).toEqual(deploy.concurrency);
    });
});

describe("promote", () => {
    const promote = workflow("promote");

    test("by hand with a target colour, steps and windows; warms, switches, then journals to the job summary", () => {
        const inputs = (promote.on.workflow_dispatch as { inputs: Record<string, { type: string; options?: string[] }> }).inputs;
        expect(Object.keys(inputs)).toEqual(["target", "steps", "window"]);
        expect(inputs.target.options).toEqual(["blue", "green"]);
        const steps = promote.jobs.promote.steps;
        const warm = stepIndex(steps, s => /switch -- warm "\$TARGET"/.test(s.run ?? ""));
        const to = stepIndex(steps, s => /switch -- to "\$TARGET" --steps "\$STEPS" --window "\$WINDOW"/.test(s.run ?? ""));
        const summary = steps.findIndex(s => /GITHUB_STEP_SUMMARY/.test(s.run ?? "") && /history/.test(s.run ?? ""));
        expect([warm >= 0, to > warm, summary > to]).toEqual([true, true, true]);
        expect(steps[summary].if).toBe("always()");
        expect(promote.jobs.promote.env?.TARGET).toBe("${{ inputs.target }}");
        expect(environmentOf(promote.jobs.promote)).toBe("production");
    });
});

describe("promote's metrics", () => {
    const steps = workflow("promote").jobs.promote.steps;
    const reach = stepIndex(steps, s => s.name === "Reach each colour's Prometheus and Pushgateway");
    const script = steps[reach]?.run ?? "";

    test("reach each colour's own Prometheus through its own cluster before the switch, unless PROMETHEUS_URL is set", () => {
        const warm = stepIndex(steps, s => /switch -- warm/.test(s.run ?? ""));
        const to = stepIndex(steps, s => /switch -- to "\$TARGET"/.test(s.run ?? ""));
        expect([reach > warm, to > reach]).toEqual([true, true]);
        expect(steps[reach].if).toBe("env.PROMETHEUS_URL == ''");
        expect(script).toMatch(/for colour in blue green; do/);
        // The colour's own cluster: its kubeconfig, from its own stack's cluster id, bounded to the job's timeout.
        expect(script).toMatch(/cluster=\$\(pulumi stack output --stack "\$colour" clusterId\)/);
        expect(script).toMatch(/api\.digitalocean\.com\/v2\/kubernetes\/clusters\/\$cluster\/kubeconfig\?expiry_seconds=(\d+)/);
        expect(Number(/expiry_seconds=(\d+)/.exec(script)![1])).toBeGreaterThanOrEqual((workflow("promote").jobs.promote as unknown as { "timeout-minutes": number })["timeout-minutes"] * 60);
    });

    test("run for real with stand-ins for pulumi, curl and kubectl, it hands the switch one Prometheus and one Pushgateway per colour from each colour's own cluster", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "blkout-promote-"));
        try {
            const bin = path.join(dir, "bin");
            fs.mkdirSync(bin);
            const standIn = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${dir}/calls"\n${body}\n`, { mode: 0o755 });
            standIn("pulumi", 'echo "cluster-of-$4"');
            standIn("curl", "exit 0");
            standIn("kubectl", "exit 0");
            const env = { PATH: `${bin}:/usr/bin:/bin`, RUNNER_TEMP: dir, GITHUB_ENV: path.join(dir, "env"), DIGITALOCEAN_TOKEN: "t" };
            execFileSync("bash", ["--noprofile", "--norc", "-e", "-c", script], { env, cwd: dir });
            const written = (name: string) => /^(\w+)=(.*)$/m.exec(fs.readFileSync(env.GITHUB_ENV, "utf8").split("\n").find(l => l.startsWith(`${name}=`)) ?? "")?.[2] ?? "";
            expect(parseColourUrls("PROMETHEUS_URL", written("PROMETHEUS_URL"))).toEqual({ urls: { blue: "http://127.0.0.1:19090", green: "http://127.0.0.1:19100" }, problems: [] });
            expect(parseColourUrls("PUSHGATEWAY_URL", written("PUSHGATEWAY_URL"))).toEqual({ urls: { blue: "http://127.0.0.1:19091", green: "http://127.0.0.1:19101" }, problems: [] });
            const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").split("\n");
            for (const [colour, port] of [["blue", 19090], ["green", 19100]]) {
                expect(calls).toContain(`pulumi stack output --stack ${colour} clusterId`);
                expect(calls).toContain(`curl -fsS -H Authorization: Bearer t https://api.digitalocean.com/v2/kubernetes/clusters/cluster-of-${colour}/kubeconfig?expiry_seconds=14400`);
                // The kubeconfig holds a cluster token: readable by the runner's user only.
                expect(fs.statSync(path.join(dir, `${colour}.kubeconfig`)).mode & 0o777).toBe(0o600);
                expect(calls).toContain(`kubectl --kubeconfig ${dir}/${colour}.kubeconfig --namespace blkout port-forward --address 127.0.0.1 service/${colour}-monitoring-prometheus ${port}:${PROMETHEUS_PORT}`);
                expect(calls).toContain(`kubectl --kubeconfig ${dir}/${colour}.kubeconfig --namespace blkout port-forward --address 127.0.0.1 service/${colour}-monitoring-pushgateway ${Number(port) + 1}:${PUSHGATEWAY_PORT}`);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("drift", () => {
    const drift = workflow("drift");

    test("on a schedule, a refresh-only preview per stack that opens, updates or closes one issue per stack", () => {
        expect(drift.on.schedule).toEqual([{ cron: expect.any(String) }]);
        const job = drift.jobs.drift;
        expect(runs(job)).toMatch(/pulumi refresh --preview-only --stack "\$STACK"/);
        expect(runs(job)).not.toMatch(/pulumi refresh (?!--preview-only)/);
        const script = String(job.steps.find(s => s.uses?.startsWith("actions/github-script@"))!.with?.script);
        expect(script).toMatch(/issues\.create\(/);
        expect(script).toMatch(/issues\.update\(\{[^}]*issue_number: existing\.number, body \}/);
        expect(script).toMatch(/state: 'closed'/);
        expect(script).toMatch(/title = `Drift: stack \$\{stack\}/);
    });
});

test("Dependabot watches npm and the pinned GitHub Actions", () => {
    const config = parse(fs.readFileSync(path.join(ROOT, ".github/dependabot.yml"), "utf8")) as { updates: Array<{ "package-ecosystem": string }> };
    expect(new Set(config.updates.map(u => u["package-ecosystem"]))).toEqual(new Set(["npm", "github-actions"]));
});
