import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { KNOWN_SERIES, seriesNamesIn, SWITCH_SERIES } from "../../components/metricSeries";
import { DATASOURCE_UID, renderDashboard, renderGrafanaProvisioning } from "../../components/monitoringDashboards";

/**
 * No Grafana package exists in Debian, so the dashboards are checked the way Grafana would fail:
 * the JSON parses, every panel names the provisioned datasource, and every query parses as PromQL
 * (promtool, with Grafana's `$__rate_interval` substituted) and reads only series the platform produces.
 */
const run = promisify(execFile);
let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "blkout-dash-")); });
afterAll(() => rm(dir, { recursive: true, force: true }));

interface DashboardJson {
    uid: string;
    panels: { id: number; title: string; datasource: { uid: string }; gridPos: { x: number; y: number; w: number; h: number }; targets: { refId: string; expr: string; datasource: { uid: string } }[] }[];
}

const exprsOf = (d: DashboardJson) => d.panels.flatMap(p => p.targets.map(t => t.expr));

async function promtoolCheck(exprs: readonly string[], file: string): Promise<{ ok: boolean; output: string }> {
    const rules = exprs.map((expr, i) => ({ record: `blkout:panel_query_${i}`, expr: expr.replaceAll("$__rate_interval", "5m") }));
    await writeFile(join(dir, file), stringify({ groups: [{ name: "panels", rules }] }, { lineWidth: 0 }));
    try {
        const { stdout, stderr } = await run("/usr/bin/promtool", ["check", "rules", file], { cwd: dir });
        return { ok: true, output: stdout + stderr };
    } catch (error: any) {
        return { ok: false, output: `${error.stdout ?? ""}${error.stderr ?? error.message}` };
    }
}

describe("the Grafana dashboards", () => {
    it.each(["blue", "green"])("%s: every panel query parses with promtool and reads only known series", async colour => {
        const dashboard = JSON.parse(renderDashboard(colour)) as DashboardJson;
        const exprs = exprsOf(dashboard);
        expect(exprs.length).toBeGreaterThanOrEqual(8);
        const result = await promtoolCheck(exprs, `${colour}.panels.yml`);
        expect(result.output).toContain(`SUCCESS: ${exprs.length} rules found`);
        for (const expr of exprs) {
            expect(seriesNamesIn(expr).filter(name => !KNOWN_SERIES.includes(name))).toEqual([]);
        }
    });

    it("charts the issue's views for the colour, on the provisioned datasource, without overlapping panels", () => {
        const dashboard = JSON.parse(renderDashboard("green")) as DashboardJson;
        expect(dashboard.uid).toBe("blkout-green");
        expect(dashboard.panels.map(p => p.title)).toEqual([
            "Traffic share by colour", "Switch: current step", "Request rate by API", "Error rate (5xx) by API", "p95 response time by API",
            "Saturation: node CPU, memory and disk", "PostgreSQL replication lag", "Valkey memory",
        ]);
        expect(new Set(dashboard.panels.map(p => p.id)).size).toBe(dashboard.panels.length);
        expect(dashboard.panels.every(p => p.datasource.uid === DATASOURCE_UID && p.targets.every(t => t.datasource.uid === DATASOURCE_UID))).toBe(true);
        const cells = dashboard.panels.map(p => `${p.gridPos.x},${p.gridPos.y}`);
        expect(new Set(cells).size).toBe(cells.length);
        // Traffic share is the switch's weights: each colour's Prometheus sees only its own gateway's requests.
        const share = dashboard.panels.find(p => p.title === "Traffic share by colour")!;
        expect(share.targets.map(t => seriesNamesIn(t.expr))).toEqual([[SWITCH_SERIES.weight], [SWITCH_SERIES.weight]]);
        const step = dashboard.panels.find(p => p.title === "Switch: current step")!;
        expect(step.targets.flatMap(t => seriesNamesIn(t.expr))).toEqual([SWITCH_SERIES.step, SWITCH_SERIES.steps, SWITCH_SERIES.state, SWITCH_SERIES.updated]);
        const gatewayQueries = exprsOf(dashboard).filter(e => e.includes("blkout_gateway"));
        expect(gatewayQueries.filter(e => !e.includes('colour="green"') && !e.includes('colour="blue"'))).toEqual([]);
        const datasource = parse(renderGrafanaProvisioning("prometheus").datasources) as { datasources: { uid: string; url: string }[] };
        expect(datasource.datasources).toEqual([expect.objectContaining({ uid: DATASOURCE_UID, url: "http://prometheus:9090" })]);
    });

    it("would catch a query that does not parse or names an unknown series (the checks can fail)", async () => {
        expect((await promtoolCheck(["sum(rate(blkout_gateway_requests_total[5m])"], "broken.yml")).ok).toBe(false);
        expect(seriesNamesIn('sum(rate(http_requests_total{colour="blue"}[$__rate_interval]))')).toEqual(["http_requests_total"]);
    });
});
