import { mtailCommand, renderMtailProgram } from "../../components/gatewayMetrics";
import { errorRateQuery, GATEWAY_REQUESTS, p95MsQuery, selector, seriesNamesIn } from "../../components/metricSeries";
import { DEFAULT_GATEWAY_ROUTES, renderNginxConfig, validateGatewayOptions } from "../../components/nginxConfig";
import { prometheusQueries } from "../../switch/metrics";

/** The one module naming the series, and the renderers built on it, without servers. */
describe("the series module", () => {
    it("is what the switch queries: the same strings, built in one place", () => {
        const scope = { match: { colour: "green" }, range: "1m" };
        expect(prometheusQueries("green")).toEqual({ errorRate: errorRateQuery(scope), p95Ms: p95MsQuery(scope) });
        expect(seriesNamesIn(prometheusQueries("green").errorRate)).toEqual([GATEWAY_REQUESTS]);
        expect(seriesNamesIn(prometheusQueries("green").p95Ms)).toEqual(["blkout_gateway_request_duration_seconds_bucket"]);
    });

    it("refuses a label value that could inject PromQL", () => {
        expect(() => selector({ colour: 'blue"} or vector(1) #' })).toThrow(/selector: label colour expected letters/);
        expect(selector({ colour: "blue", api: "ivor" }, ['status_class="5xx"'])).toBe('{colour="blue",api="ivor",status_class="5xx"}');
    });

    it("finds series names, not functions, labels, durations or strings", () => {
        expect(seriesNamesIn('100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])))')).toEqual(["node_cpu_seconds_total"]);
        expect(seriesNamesIn("a_total / on (job) group_left b_bytes")).toEqual(["a_total", "b_bytes"]);
    });
});

describe("the mtail program and command", () => {
    it("counts each API's routes under its name, with colour and release literal", () => {
        const program = renderMtailProgram({ colour: "blue", release: "2026.11.2", routes: DEFAULT_GATEWAY_ROUTES });
        expect(program).toContain("histogram blkout_gateway_request_duration_seconds buckets 0.1, 0.5, 1, 2, 5 by colour, release, api");
        expect(program).toContain('blkout_gateway_requests_total["blue"]["2026.11.2"]["ivor"][$method][$class + "xx"]++');
        expect(program).toContain("(?:\\/api\\/chat|\\/api\\/resources)");
        expect(() => renderMtailProgram({ colour: 'blue"]', release: "1", routes: DEFAULT_GATEWAY_ROUTES })).toThrow(/colour expected/);
    });

    it("builds one shell command that trims the log past its cap and execs mtail", () => {
        const [shell, flag, script] = mtailCommand({ programDir: "/etc/mtail", logFile: "/var/log/gateway/metrics.log", metricsPort: 3903, address: "0.0.0.0", capBytes: 100 });
        expect([shell, flag]).toEqual(["sh", "-c"]);
        expect(script).toMatch(/^touch \/var\/log\/gateway\/metrics.log && while sleep 30; do .* -gt 100 \] && : > \/var\/log\/gateway\/metrics.log; done & exec mtail --progs \/etc\/mtail --logs \/var\/log\/gateway\/metrics.log --address 0.0.0.0 --port 3903 --emit_prog_label=false --logtostderr$/);
        expect(() => mtailCommand({ programDir: "/etc/mtail; rm -rf /", logFile: "/x", metricsPort: 1, address: "0.0.0.0" })).toThrow(/programDir expected an absolute path/);
    });

    it("renders the gateway's metrics log only when asked, and refuses a path that could inject config", () => {
        const options = {
            upstreams: { ivor: { host: "127.0.0.1", port: 3000 } }, routes: [{ prefix: "/api/chat", api: "ivor" }],
            allowedHosts: ["blkoutuk.com"], loadBalancerRanges: ["10.20.0.0/16"],
        };
        expect(renderNginxConfig(options)).not.toContain("blkout_metrics");
        const config = renderNginxConfig({ ...options, metricsLogPath: "/var/log/gateway/metrics.log" });
        expect(config).toContain("access_log /var/log/gateway/metrics.log blkout_metrics;");
        expect(validateGatewayOptions({ ...options, metricsLogPath: "/tmp/x; access_log /etc/passwd" })).toEqual([
            'metricsLogPath: expected an absolute path, got "/tmp/x; access_log /etc/passwd"',
        ]);
    });
});
