import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { PROMETHEUS_SELECTOR } from "../../components/gatewayMetrics";
import { Monitoring, MonitoringArgs } from "../../components/monitoring";
import { MONITORING_IMAGES } from "../../components/monitoringWorkloads";
import { PUSHGATEWAY_IMAGE } from "../../components/monitoringPushgateway";
import { imageProblem } from "../../components/k8sWorkload";
import { InvalidArgsError } from "../../components/platformNames";
import { kubernetesResources, unwrapSecrets, validateKubernetesObjects } from "../support/k8sValidate";
import { evaluateTest, named, RecordedResource } from "../support/pulumi";
import { registrationsOnFailure, testProvider, uniqueName } from "../support/workloadFixtures";

const SECRET_KEYS = { pagerDutyRoutingKey: "pd-key-123456", slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/abc", smtpPassword: "smtp-pass-789" };

function monitoringArgs(prefix: string, overrides: Partial<MonitoringArgs> = {}): MonitoringArgs {
    return {
        provider: testProvider(prefix),
        namespace: "blkout-blue",
        colour: "blue",
        gatewayName: "blue-gateway",
        apis: ["ivor", "events", "newsroom"],
        receivers: {
            pagerDutyRoutingKey: pulumi.secret(SECRET_KEYS.pagerDutyRoutingKey),
            slackWebhookUrl: pulumi.secret(SECRET_KEYS.slackWebhookUrl),
            smtpPassword: pulumi.secret(SECRET_KEYS.smtpPassword),
            slackChannel: "#blkout-alerts",
            smtp: { smarthost: "smtp.eu.mailgun.org:587", from: "alerts@blkoutuk.com", username: "alerts@mg.blkoutuk.com" },
            emails: ["platform-alerts@blkoutuk.com"],
        },
        ...overrides,
    };
}

async function evaluateMonitoring(mode: "active" | "standby") {
    const prefix = uniqueName(`mon-${mode}`);
    const evaluation = await evaluateTest(() => {
        const m = new Monitoring(`${prefix}`, monitoringArgs(prefix, { mode, scrapeInterval: "5s" }));
        return { prometheus: m.prometheusService };
    });
    return { ...evaluation, child: (part: string) => named(evaluation.resources, `${prefix}-${part}`), prefix };
}

let active: Awaited<ReturnType<typeof evaluateMonitoring>>;
let standby: Awaited<ReturnType<typeof evaluateMonitoring>>;
beforeAll(async () => {
    active = await evaluateMonitoring("active");
    standby = await evaluateMonitoring("standby");
});

const podSpec = (r: RecordedResource) => (unwrapSecrets(r.inputs) as any).spec.template.spec;

describe("Monitoring", () => {
    it("runs Prometheus and Alertmanager as single StatefulSets and Grafana as two replicas with a budget", () => {
        expect(active.child("prometheus").type).toBe("kubernetes:apps/v1:StatefulSet");
        expect(active.child("alertmanager").type).toBe("kubernetes:apps/v1:StatefulSet");
        expect(active.child("prometheus").inputs.spec.replicas).toBe(1);
        expect(active.child("grafana").inputs.spec.replicas).toBe(2);
        expect(active.child("grafana-pdb").inputs.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: active.child("grafana").inputs.spec.selector.matchLabels } });
    });

    it("pins every image and holds Pod Security restricted in every pod", () => {
        const workloads = active.resources.filter(r => ["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:Deployment"].includes(r.type));
        expect(workloads).toHaveLength(4);
        for (const w of workloads) {
            const spec = podSpec(w);
            expect(spec.automountServiceAccountToken).toBe(false);
            expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            for (const c of spec.containers) {
                expect(imageProblem("image", c.image)).toBeUndefined();
                expect([...Object.values(MONITORING_IMAGES), PUSHGATEWAY_IMAGE]).toContain(c.image);
                expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
                expect(c.readinessProbe).toBeDefined();
                expect(c.livenessProbe).toBeDefined();
            }
        }
    });

    it("scrapes the gateway's metrics Service by DNS and probes its health endpoints, with the rendered rules", () => {
        const config = parse(active.child("prometheus-config").inputs.data["prometheus.yml"]);
        expect(config.global).toMatchObject({ scrape_interval: "5s", external_labels: { colour: "blue" } });
        const gateway = config.scrape_configs.find((j: { job_name: string }) => j.job_name === "gateway");
        expect(gateway.dns_sd_configs).toEqual([{ names: ["blue-gateway-metrics.blkout-blue.svc.cluster.local"], type: "A", port: 3903, refresh_interval: "15s" }]);
        const health = config.scrape_configs.find((j: { job_name: string }) => j.job_name === "health");
        expect(health.static_configs[0].targets).toEqual([
            "http://blue-gateway.blkout-blue.svc.cluster.local:443/healthz",
            ...["ivor", "events", "newsroom"].map(api => `http://blue-gateway.blkout-blue.svc.cluster.local:443/health/${api}`),
        ]);
        const rules = active.child("rules-config").inputs.data["blue.yml"];
        expect(parse(rules).groups.flatMap((g: { rules: unknown[] }) => g.rules).length).toBeGreaterThanOrEqual(14);
    });

    it("keeps the receivers' keys in a Secret sent as a secret, never in a ConfigMap", () => {
        const secret = active.child("alertmanager-secret");
        expect(secret.secretInputPaths).toContain("stringData");
        const text = (unwrapSecrets(secret.inputs.stringData) as Record<string, string>)["alertmanager.yml"];
        expect(text).toContain(SECRET_KEYS.pagerDutyRoutingKey);
        const configMaps = active.resources.filter(r => r.type === "kubernetes:core/v1:ConfigMap").map(r => JSON.stringify(r.inputs));
        for (const value of Object.values(SECRET_KEYS)) {
            expect(configMaps.filter(text => text.includes(value))).toEqual([]);
        }
    });

    it("admits the monitoring pods' traffic only as the policies say", () => {
        const prometheus = active.child("prometheus-netpol");
        expect(prometheus.inputs.spec.podSelector).toEqual({ matchLabels: PROMETHEUS_SELECTOR });
        expect(prometheus.inputs.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: expect.objectContaining({ "app.kubernetes.io/name": "grafana" }) } }], ports: [{ protocol: "TCP", port: 9090 }] }]);
        const grafana = active.child("grafana-netpol");
        expect(grafana.inputs.spec.ingress).toEqual([]);
    });

    it("runs one Pushgateway per colour, scraped with honor_labels, reachable from Prometheus only and calling no one", () => {
        const workload = active.child("pushgateway");
        expect(workload.type).toBe("kubernetes:apps/v1:StatefulSet");
        expect(workload.inputs.spec.replicas).toBe(1);
        const [container] = podSpec(workload).containers;
        expect(container.image).toBe("quay.io/prometheus/pushgateway:v1.5.1");
        expect(container.args).toEqual(["--web.listen-address=:9091", "--persistence.file=/data/pushgateway.data", "--persistence.interval=1m"]);
        expect(container.volumeMounts).toEqual([{ name: "data", mountPath: "/data" }]);
        expect(podSpec(workload).volumes).toEqual([{ name: "data", emptyDir: { sizeLimit: "64Mi" } }]);
        expect(active.child("pushgateway-service").inputs.spec).toMatchObject({ type: "ClusterIP", ports: [{ port: 9091, targetPort: "http" }] });
        const config = parse(active.child("prometheus-config").inputs.data["prometheus.yml"]);
        expect(config.scrape_configs.find((j: { job_name: string }) => j.job_name === "pushgateway")).toEqual({
            job_name: "pushgateway", honor_labels: true, static_configs: [{ targets: [`${active.prefix}-pushgateway.blkout-blue.svc.cluster.local:9091`] }],
        });
        const policy = active.child("pushgateway-netpol").inputs.spec;
        expect(policy).toEqual({
            podSelector: { matchLabels: workload.inputs.spec.selector.matchLabels },
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: { matchLabels: PROMETHEUS_SELECTOR } }], ports: [{ protocol: "TCP", port: 9091 }] }],
            egress: [],
        });
        expect(active.child("prometheus-netpol").inputs.spec.egress).toContainEqual({ to: [{ podSelector: { matchLabels: workload.inputs.spec.selector.matchLabels } }], ports: [{ protocol: "TCP", port: 9091 }] });
    });

    it("keeps a standby colour's stack running with a day of history and small resources", () => {
        const args = (r: RecordedResource) => podSpec(r).containers[0].args as string[];
        expect(args(active.child("prometheus"))).toContain("--storage.tsdb.retention.time=15d");
        expect(args(standby.child("prometheus"))).toContain("--storage.tsdb.retention.time=1d");
        expect(standby.child("prometheus").inputs.spec.replicas).toBe(1);
        expect(podSpec(standby.child("prometheus")).containers[0].resources.limits.memory).toBe("512Mi");
    });

    it("creates only objects valid against the official Kubernetes schemas", () => {
        for (const evaluation of [active, standby]) {
            const objects = kubernetesResources(evaluation.resources.map(r => ({ ...r, inputs: unwrapSecrets(r.inputs) as Record<string, unknown> })));
            expect(objects.length).toBeGreaterThanOrEqual(17);
            expect(validateKubernetesObjects(objects).flat()).toEqual([]);
        }
    });

    it("refuses bad args with every problem named, before registering anything", async () => {
        const prefix = uniqueName("mon-bad");
        const { error, resources } = await registrationsOnFailure(() => new Monitoring(prefix, monitoringArgs(prefix, {
            colour: "Blue!", scrapeInterval: "fast", apiMetrics: { ivor: { host: "ivor", port: 0 } },
            receivers: { ...monitoringArgs(prefix).receivers, emails: [] },
        })));
        expect(error).toBeInstanceOf(InvalidArgsError);
        expect((error as InvalidArgsError).problems).toEqual([
            'colour: expected a lower-case name like "blue", got "Blue!"',
            'scrapeInterval: expected seconds like "15s", got "fast"',
            "apiMetrics.ivor.port: expected a port 1-65535, got 0",
            "receivers.emails: expected at least one address for e-mail alerts and the digest",
        ]);
        expect(resources.filter(r => r.name.startsWith(prefix) && r.type !== "pulumi:providers:kubernetes")).toEqual([]);
    });
});
