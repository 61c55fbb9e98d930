import { SWITCH_SERIES } from "../../components/metricSeries";
import { dashboardPanels } from "../../components/monitoringDashboards";
import { JOBS, renderPrometheusConfig } from "../../components/monitoringPrometheus";
import { runCliOnDoubles } from "../switch/support/cliOnDoubles";
import { harness, Harness } from "../switch/support/fakes";
import { startPushgateway } from "./support/pushgateway";
import { instantQuery, loopbackJobs, PrometheusServer, Server, startPrometheus } from "./support/servers";
import { waitForValue } from "./support/observedPlatform";

/**
 * The switch's step on real servers: Debian's Pushgateway (the cluster image's 1.5.1, started with
 * the container's flags) and Debian's Prometheus scraping it with the rendered `pushgateway` job.
 * The real CLI reports through `--pushgateway-url`; the traffic stack, health and metrics are doubles
 * in virtual time. What Prometheus answers is what the dashboard charts.
 */

let pushgateway: Server;
let prometheus: PrometheusServer;
let h: Harness;

beforeAll(async () => {
    pushgateway = await startPushgateway();
    const rendered = renderPrometheusConfig({
        colour: "blue",
        targets: { gatewayMetricsHost: "blue-gateway-metrics.blkout.svc.cluster.local", alertmanager: "alertmanager:9093", pushgateway: "blue-monitoring-pushgateway.blkout.svc.cluster.local:9091" },
    });
    prometheus = await startPrometheus(loopbackJobs(rendered, { [JOBS.pushgateway]: [`127.0.0.1:${pushgateway.port}`] }, { scrapeInterval: "1s" }));
});
afterAll(async () => {
    await prometheus?.stop();
    await pushgateway?.stop();
});
beforeEach(async () => { h = await harness(); });
afterEach(() => h.cleanup());

const query = (promql: string) => instantQuery(prometheus, promql);
const valueOf = async (promql: string) => Number((await query(promql))[0]?.value[1]);

/** Once Prometheus has scraped the state the switch ended in, the weights of that same push, by colour. */
async function scrapedAfter(state: string): Promise<Record<string, number>> {
    await waitForValue(prometheus, `${SWITCH_SERIES.state}{state="${state}"}`, v => v === 1);
    const weights = await query(SWITCH_SERIES.weight);
    return Object.fromEntries(weights.map(s => [s.metric.colour, Number(s.value[1])]));
}

jest.setTimeout(45_000);

describe("the switch's step, through a real Pushgateway and Prometheus", () => {
    it("reads the target at 100 % and the other colour at 0 once a switch completes, under the switch's own job label", async () => {
        const run = await runCliOnDoubles(h, ["to", "green", "--window", "60s", "--pushgateway-url", pushgateway.url]);
        expect(run).toMatchObject({ code: 0, stderr: [] });
        expect(await scrapedAfter("done")).toEqual({ blue: 0, green: 1 });
        expect(await valueOf(`${SWITCH_SERIES.step}{from="blue",to="green"}`)).toBe(4);
        expect(await valueOf(SWITCH_SERIES.steps)).toBe(4);
        // honor_labels: the pushed job survives the scrape job's name, with no exported_job beside it.
        const [state] = await query(`${SWITCH_SERIES.state} == 1`);
        expect(state.metric).toMatchObject({ job: "blkout_switch", state: "done", from: "blue", to: "green" });
        expect(state.metric.exported_job).toBeUndefined();
        // The dashboard's switch panels answer from these series.
        const panels = dashboardPanels("blue").filter(p => p.title === "Traffic share by colour" || p.title === "Switch: current step");
        for (const target of panels.flatMap(p => p.targets)) {
            expect(await query(target.expr)).not.toEqual([]);
        }
    });

    it("reads the live colour back at 100 % with the state rolled_back after a forced rollback", async () => {
        h.health.script = (colour, ms) => ({ healthy: !(colour === "green" && ms >= 80_000) });
        const run = await runCliOnDoubles(h, ["to", "green", "--window", "60s", "--pushgateway-url", `blue=${pushgateway.url},green=${pushgateway.url}`]);
        expect(run.code).toBe(3);
        expect(run.greenShares).toEqual([5, 20, 0]);
        expect(run.stderr.filter(line => line.includes("warning"))).toEqual([]);
        expect(await scrapedAfter("rolled_back")).toEqual({ blue: 1, green: 0 });
        expect(await valueOf(SWITCH_SERIES.step)).toBe(0);
        expect((await query(`${SWITCH_SERIES.state} == 1`)).map(s => s.metric.state)).toEqual(["rolled_back"]);
    });
});
