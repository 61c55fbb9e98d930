import { Gateway } from "../../components/gateway";
import {
    MONITOR_AUTH_DIR, MONITOR_AUTH_FILE, MONITOR_HEALTH_PATH, monitorAuthProblems, monitorAuthServerLines, renderMonitorTokenMap,
} from "../../components/monitorAuth";
import { renderNginxConfig } from "../../components/nginxConfig";
import { evaluateTest, named } from "../support/pulumi";
import { colourWorkloads, gatewayArgs, testProvider, uniqueName } from "../support/workloadFixtures";

const TOKEN = "A".repeat(24) + "0123456789abcdefghijklmn";

describe("renderMonitorTokenMap", () => {
    it("maps exactly the token header's value to 1", () => {
        expect(renderMonitorTokenMap(TOKEN)).toBe(`map $http_x_blkout_monitor_token $blkout_monitor_authorised {\n    default 0;\n    "${TOKEN}" 1;\n}\n`);
    });

    it.each([["a quote that would end the string", `${TOKEN}"; }`], ["a short token", "abc"], ["a variable", `${TOKEN}$host`]])(
        "refuses %s without echoing it", (_case, token) => {
            expect(() => renderMonitorTokenMap(token)).toThrow("monitor token: expected 32-128 letters and digits (the value is not shown)");
        });
});

describe("the gateway's monitor path", () => {
    it("is absent unless asked for, and when asked for pins the Host and requires the token", () => {
        const upstreams = { ivor: { host: "127.0.0.1", port: 9 } };
        const routes = [{ prefix: "/api/chat", api: "ivor" }];
        const gateway = { upstreams, routes, allowedHosts: ["blkoutuk.com", "blue.blkoutuk.com"], loadBalancerRanges: ["10.20.0.0/16"] };
        expect(renderNginxConfig(gateway)).not.toContain(MONITOR_HEALTH_PATH);
        const config = renderNginxConfig({ ...gateway, monitorAuth: { hostname: "blue.blkoutuk.com" } });
        expect(config).toContain(`include ${MONITOR_AUTH_DIR}/${MONITOR_AUTH_FILE};`);
        // A health location like the others (GET/HEAD only, no body), then the Host and token checks.
        const lines = monitorAuthServerLines({ hostname: "blue.blkoutuk.com" }, "{}");
        expect(lines[0]).toBe(`location = ${MONITOR_HEALTH_PATH} {`);
        expect(lines.some(line => line.includes("return 405"))).toBe(true);
        expect(lines.slice(5, 7)).toEqual([
            "    if ($host != \"blue.blkoutuk.com\") { return 421 '{\"error\":\"misdirected\"}'; }",
            "    if ($blkout_monitor_authorised = 0) { return 401 '{\"error\":\"unauthorised\"}'; }",
        ]);
    });

    it("refuses a hostname or path that could inject config, naming the key", () => {
        expect(monitorAuthProblems({ hostname: "blue.blkoutuk.com\"; }", includePath: "relative.conf" })).toEqual([
            "monitorAuth.hostname: expected a lower-case DNS hostname, got \"blue.blkoutuk.com\\\"; }\"",
            "monitorAuth.includePath: expected an absolute path, got \"relative.conf\"",
        ]);
    });

    it("keeps the token out of the ConfigMap: a secret Kubernetes Secret mounted read-only holds it", async () => {
        const prefix = uniqueName("gwauth");
        const evaluation = await evaluateTest(() => {
            const { apis } = colourWorkloads(prefix);
            new Gateway(`${prefix}-auth`, { ...gatewayArgs(testProvider(`${prefix}-auth`), apis, {}), monitorAuth: { token: TOKEN, hostname: "blue.blkoutuk.com" } });
            return {};
        });
        const secret = named(evaluation.resources, `${prefix}-auth-monitor-auth`);
        expect(secret.secretInputPaths).toEqual(expect.arrayContaining([expect.stringMatching(/^stringData/)]));
        expect(JSON.stringify(named(evaluation.resources, `${prefix}-auth-config`).inputs)).not.toContain(TOKEN);
        const pod = named(evaluation.resources, `${prefix}-auth-deployment`).inputs.spec.template.spec;
        expect(pod.containers[0].volumeMounts).toContainEqual({ name: "monitor-auth", mountPath: MONITOR_AUTH_DIR, readOnly: true });
        expect(pod.volumes).toContainEqual({ name: "monitor-auth", secret: { secretName: `${prefix}-auth-monitor-auth` } });
    });
});
