import { METRICS_PORT, METRICS_PORT_NAME, PROMETHEUS_SELECTOR } from "../../components/gatewayMetrics";
import { GATEWAY_SELECTOR } from "../../components/platformNames";
import { evaluateTest, named } from "../support/pulumi";
import { colourWorkloads, uniqueName } from "../support/workloadFixtures";

/** The gateway pod's metrics sidecar as declared: reachable by Prometheus only, never through the load balancer. */
let child: (suffix: string) => ReturnType<typeof named>;
beforeAll(async () => {
    const prefix = uniqueName("sidecar");
    const { resources } = await evaluateTest(() => { colourWorkloads(prefix); return {}; });
    child = suffix => named(resources, `${prefix}-gateway-${suffix}`);
});

describe("the gateway's metrics sidecar", () => {
    it("runs beside nginx with the named metrics port, sharing only the metrics log volume", () => {
        const spec = child("deployment").inputs.spec.template.spec;
        const [nginx, sidecar] = spec.containers;
        expect(sidecar.name).toBe("metrics");
        expect(sidecar.ports).toEqual([{ name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" }]);
        expect(sidecar.command.slice(0, 2)).toEqual(["sh", "-c"]);
        expect(sidecar.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        const shared = nginx.volumeMounts.map((m: { name: string }) => m.name).filter((n: string) => sidecar.volumeMounts.some((m: { name: string }) => m.name === n));
        expect(shared).toEqual(["metrics-log"]);
        expect(spec.volumes.find((v: { name: string }) => v.name === "metrics-log")).toEqual({ name: "metrics-log", emptyDir: { sizeLimit: "128Mi" } });
        const config = child("config").inputs.data["nginx.conf"] as string;
        expect(config).toContain("access_log /var/log/gateway/metrics.log blkout_metrics;");
    });

    it("is never on the load balancer, only on a headless Service, and admitted from Prometheus alone", () => {
        expect(child("service").inputs.spec.ports).toEqual([{ name: "https", port: 443, targetPort: 8080, protocol: "TCP" }]);
        expect(child("metrics").inputs.spec).toEqual({
            clusterIP: "None", selector: GATEWAY_SELECTOR,
            ports: [{ name: "metrics", port: METRICS_PORT, targetPort: "metrics", protocol: "TCP" }],
        });
        // By the container port's name, which the gateway-ingress-load-balancer-only policy requires.
        const ingress = child("netpol").inputs.spec.ingress as { from?: unknown[]; ports: { port: number | string }[] }[];
        const toMetrics = ingress.filter(rule => rule.ports.some(p => p.port === METRICS_PORT_NAME));
        expect(toMetrics).toEqual([{ from: [{ podSelector: { matchLabels: PROMETHEUS_SELECTOR } }], ports: [{ protocol: "TCP", port: METRICS_PORT_NAME }] }]);
    });
});
