import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { KNOWN_SERIES, seriesNamesIn } from "../../components/metricSeries";
import { ALERT_RULES, alertAnnotations, AlertRule, renderAlertRules, SEVERITIES } from "../../components/monitoringRules";
import { RULE_FIXTURES } from "./support/ruleFixtures";

/**
 * Every rendered rule file passes `promtool check rules`, and every alert is unit-tested by
 * `promtool test rules` with synthetic series: it fires just past its threshold and stays silent
 * just short of it.
 */
const run = promisify(execFile);
let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "blkout-rules-")); });
afterAll(() => rm(dir, { recursive: true, force: true }));

async function promtool(...args: string[]): Promise<{ ok: boolean; output: string }> {
    try {
        const { stdout, stderr } = await run("/usr/bin/promtool", args, { cwd: dir });
        return { ok: true, output: stdout + stderr };
    } catch (error: any) {
        return { ok: false, output: `${error.stdout ?? ""}${error.stderr ?? error.message}` };
    }
}

/** 3 % past the threshold fires; 3 % short stays silent. A health probe is either 0 (down) or 1. */
function levels(r: AlertRule): { fires: number; silent: number } {
    if (r.alert === "HealthEndpointDown") return { fires: 0, silent: 1 };
    const [past, short] = r.direction === "above" ? [1.03, 0.97] : [0.97, 1.03];
    return { fires: r.threshold * past, silent: r.threshold * short };
}

function unitTest(r: AlertRule, level: number, fires: boolean) {
    const fixture = RULE_FIXTURES[r.alert];
    return {
        name: `${r.alert} ${fires ? "fires" : "stays silent"} at ${level}`,
        interval: "1m",
        input_series: fixture.series(level),
        alert_rule_test: [{
            eval_time: "150m",
            alertname: r.alert,
            exp_alerts: fires ? [{ exp_labels: { ...fixture.labels, severity: r.severity, colour: "blue" }, exp_annotations: alertAnnotations(r) }] : [],
        }],
    };
}

describe("the alert rules", () => {
    it("pass promtool check rules for each colour", async () => {
        for (const colour of ["blue", "green"]) {
            await writeFile(join(dir, `${colour}.rules.yml`), renderAlertRules(colour));
            const result = await promtool("check", "rules", `${colour}.rules.yml`);
            expect(result.output).toContain(`SUCCESS: ${ALERT_RULES.length} rules found`);
            expect(result.ok).toBe(true);
        }
    });

    it("encode the seeds' thresholds, each with a severity, a runbook line and only known series", () => {
        const byName = Object.fromEntries(ALERT_RULES.map(r => [r.alert, r]));
        expect(Object.fromEntries(Object.entries(byName).map(([name, r]) => [name, [r.threshold, r.severity, r.for]]))).toEqual({
            GatewayLatencyAboveTarget: [1000, "high", "5m"],
            GatewayLatencyCritical: [2000, "critical", "2m"],
            GatewayErrorRateAboveTarget: [0.01, "high", "5m"],
            GatewayErrorRateCritical: [0.05, "critical", "2m"],
            GatewayThroughputBelowTarget: [100, "low", "1h"],
            HealthEndpointDown: [1, "critical", "30s"],
            NodeCpuHigh: [70, "medium", "5m"],
            NodeCpuCritical: [90, "high", "5m"],
            NodeMemoryHigh: [80, "medium", "5m"],
            NodeMemoryCritical: [95, "high", "5m"],
            NodeDiskHigh: [85, "medium", "10m"],
            NodeDiskCritical: [95, "high", "5m"],
            PostgresReplicationLagHigh: [1, "high", "1m"],
            DataStoreUnreachable: [1, "high", "2m"],
            MetricsTargetDown: [1, "high", "5m"],
            RedisMemoryHigh: [80, "medium", "5m"],
        });
        for (const r of ALERT_RULES) {
            expect(SEVERITIES).toContain(r.severity);
            expect(r.runbook.length).toBeGreaterThan(20);
            expect(seriesNamesIn(r.expr).filter(name => !KNOWN_SERIES.includes(name))).toEqual([]);
        }
        // Every severity the routing knows has at least one alert behind it.
        expect(new Set(ALERT_RULES.map(r => r.severity))).toEqual(new Set(SEVERITIES));
        const parsed = parse(renderAlertRules("green")) as { groups: { rules: { labels: Record<string, string> }[] }[] };
        expect(parsed.groups.flatMap(g => g.rules).every(r => r.labels.colour === "green")).toBe(true);
    });

    it("each fire just past the threshold and stay silent just short of it (promtool test rules)", async () => {
        await writeFile(join(dir, "rules.yml"), renderAlertRules("blue"));
        const tests = ALERT_RULES.flatMap(r => {
            const { fires, silent } = levels(r);
            return [unitTest(r, fires, true), unitTest(r, silent, false)];
        });
        await writeFile(join(dir, "rules.test.yml"), stringify({ rule_files: ["rules.yml"], evaluation_interval: "1m", tests }, { lineWidth: 0 }));
        const result = await promtool("test", "rules", "rules.test.yml");
        expect(result.output).not.toMatch(/FAILED/);
        expect(result.ok).toBe(true);
        expect(tests).toHaveLength(2 * ALERT_RULES.length);
    });

    it("would catch a rule at the wrong threshold (the unit tests can fail)", async () => {
        const wrong = ALERT_RULES.map(r => (r.alert === "GatewayErrorRateCritical" ? { ...r, expr: r.expr.replace("> 0.05", "> 0.06") } : r));
        await writeFile(join(dir, "wrong.yml"), renderAlertRules("blue", wrong));
        const r = ALERT_RULES.find(rule => rule.alert === "GatewayErrorRateCritical")!;
        await writeFile(join(dir, "wrong.test.yml"), stringify({ rule_files: ["wrong.yml"], evaluation_interval: "1m", tests: [unitTest(r, levels(r).fires, true)] }));
        const result = await promtool("test", "rules", "wrong.test.yml");
        expect(result.ok).toBe(false);
        expect(result.output).toMatch(/FAILED/);
    });
});
