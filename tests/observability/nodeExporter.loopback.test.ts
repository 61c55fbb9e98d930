import { chmod, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { FS_TYPES_EXCLUDE, NODE_EXPORTER_HOST, NODE_EXPORTER_PORT, NODE_EXPORTER_UID, nodeExporterArgs } from "../../components/monitoringNodeExporter";
import { JOBS, renderPrometheusConfig } from "../../components/monitoringPrometheus";
import { dashboardPanels } from "../../components/monitoringDashboards";
import { ALERT_RULES, renderAlertRules } from "../../components/monitoringRules";
import { freePort } from "../support/nginx";
import { waitForValue } from "./support/observedPlatform";
import { instantQuery, loopbackJobs, PrometheusServer, Server, startPrometheus, startServer } from "./support/servers";

/**
 * Debian's node-exporter 1.5.0 (the image's version) with the container's own command line, only
 * the host paths pointed at this machine's and the listen address at a loopback port, scraped by
 * Debian's Prometheus with the rendered `node` job; the node rules' own expressions must answer
 * 0-100 for that instance, which pins the series names and labels the rules read to the exporter's.
 */

const NODE_EXPORTER_BINARY = "/usr/bin/prometheus-node-exporter";
const NODE_RULES = ALERT_RULES.filter(rule => rule.alert.startsWith("Node")).map(rule => rule.alert);

let exporter: Server;
let prometheus: PrometheusServer;
let instance: string;

/** Run as the pod's own UID when the tests run as root (as the container does), so non-root reading is proven too. */
function asPodUser(args: string[]): [string, string[]] {
    return process.getuid?.() === 0
        ? ["/usr/bin/setpriv", [`--reuid=${NODE_EXPORTER_UID}`, `--regid=${NODE_EXPORTER_UID}`, "--clear-groups", NODE_EXPORTER_BINARY, ...args]]
        : [NODE_EXPORTER_BINARY, args];
}

/** The rendered node job's DNS discovery must reach the exporter's port: the loopback config swaps only the address. */
function assertNodeJobPort(rendered: string): void {
    const job = (parse(rendered) as { scrape_configs: Array<Record<string, any>> }).scrape_configs.find(j => j.job_name === JOBS.node);
    if (job?.dns_sd_configs?.[0]?.port !== NODE_EXPORTER_PORT) throw new Error(`no node job on port ${NODE_EXPORTER_PORT} in the rendered config`);
}

beforeAll(async () => {
    // The disk proof needs a real filesystem at / (a container's overlay root is excluded, as on a node's pods).
    const root = (await readFile("/proc/1/mounts", "utf8")).split("\n").map(line => line.split(" ")).find(fields => fields[1] === "/");
    if (!root || new RegExp(FS_TYPES_EXCLUDE).test(root[2])) throw new Error(`this machine's / is ${root?.[2]}, a type node-exporter excludes: run the test on a host or VM`);
    const dir = await mkdtemp(join(tmpdir(), "blkout-node-exporter-"));
    // An empty sysfs: the cluster mounts no /sys from the node, so no series may depend on one.
    const sysfs = await mkdtemp(join(tmpdir(), "blkout-empty-sysfs-"));
    await chmod(sysfs, 0o755);
    const port = await freePort();
    instance = `127.0.0.1:${port}`;
    const [binary, args] = asPodUser([...nodeExporterArgs({ procfs: "/proc", rootfs: "/" }, instance), `--path.sysfs=${sysfs}`]);
    exporter = await startServer(binary, args, port, "/metrics", dir);
    const rendered = renderPrometheusConfig({
        colour: "blue", scrapeInterval: "1s",
        targets: { gatewayMetricsHost: "blue-gateway-metrics.blkout.svc.cluster.local", alertmanager: "alertmanager:9093", nodeExporterHost: NODE_EXPORTER_HOST },
    });
    assertNodeJobPort(rendered);
    prometheus = await startPrometheus(loopbackJobs(rendered, { [JOBS.node]: [instance] }));
    // rate() over the CPU counter needs two scrapes.
    await waitForValue(prometheus, `count(rate(node_cpu_seconds_total{job="node"}[5m]))`, v => v > 0);
}, 60_000);
afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
});

const query = (promql: string) => instantQuery(prometheus, promql);

describe("node-exporter 1.5 with the container's command line, scraped by the rendered node job", () => {
    it("exports only the three collectors' series, each collector succeeding", async () => {
        const text = await (await fetch(`${exporter.url}/metrics`)).text();
        const names = text.split("\n").filter(line => line && !line.startsWith("#")).map(line => line.split(/[{ ]/)[0]);
        const prefixes = new Set(names.map(name => name.split("_").slice(0, 2).join("_")));
        expect([...prefixes].sort()).toEqual(["node_cpu", "node_exporter", "node_filesystem", "node_memory", "node_scrape", "promhttp_metric"]);
        expect((await query(`up{job="node"}`)).map(s => [s.metric.instance, s.value[1]])).toEqual([[instance, "1"]]);
        for (const collector of ["cpu", "meminfo", "filesystem"]) {
            expect(text).toContain(`node_scrape_collector_success{collector="${collector}"} 1`);
        }
    });

    it.each(NODE_RULES)("%s: the rule's own expression answers 0-100 for the exporter", async alert => {
        const groups = (parse(renderAlertRules("blue")) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups;
        const rule = groups.flatMap(g => g.rules).find(r => r.alert === alert)!;
        const match = /^(.*) > (\d+)$/.exec(rule.expr);
        expect(match).not.toBeNull();
        const samples = await query(match![1]);
        const mine = samples.filter(s => s.metric.instance === instance);
        expect(mine.length).toBeGreaterThan(0);
        for (const sample of mine) {
            const value = Number(sample.value[1]);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThanOrEqual(100);
        }
        if (alert.startsWith("NodeDisk")) expect(mine.map(s => s.metric.mountpoint)).toContain("/");
    });

    it("answers the dashboard's saturation panel, every query 0-100 for the exporter", async () => {
        const exprs = dashboardPanels("blue").flatMap(panel => panel.targets.map(target => target.expr)).filter(expr => expr.includes("node_"));
        expect(exprs.length).toBeGreaterThanOrEqual(2);
        for (const expr of exprs) {
            const values = (await query(expr.replaceAll("$__rate_interval", "1m"))).filter(s => s.metric.instance === instance).map(s => Number(s.value[1]));
            expect(values).toEqual([expect.any(Number)]);
            expect(values[0]).toBeGreaterThanOrEqual(0);
            expect(values[0]).toBeLessThanOrEqual(100);
        }
    });
});
