import { parse } from "yaml";
import { PROMETHEUS_SELECTOR } from "../../components/gatewayMetrics";
import { monitoringPolicies } from "../../components/monitoringNetwork";
import {
    kubernetesVersionProblem, NODE_EXPORTER_EGRESS, NODE_EXPORTER_HOST, NODE_EXPORTER_IMAGE, NODE_EXPORTER_PORT, NODE_EXPORTER_UID, NodeExporter, nodeExporterArgs,
} from "../../components/monitoringNodeExporter";
import { InvalidArgsError } from "../../components/platformNames";
import { JOBS, renderPrometheusConfig } from "../../components/monitoringPrometheus";
import { MONITORING_UIDS } from "../../components/monitoringWorkloads";
import { evaluateStack, StackEvaluation } from "../../infra/offline/stacks";
import { PolicyInputResource, runPolicies } from "../../policies/harness";
import { blocking, PolicyViolation } from "../../policies/lib/violation";
import { NODE_EXPORTER_ALLOWANCE } from "../../policies/podSecurityAllowance";
import { recordOf } from "../../policies/lib/resources";
import { fromRecorded } from "../../policies/recorded";
import { withProp } from "../policies/helpers";
import { kubernetesResources, validateKubernetesObjects } from "../support/k8sValidate";
import { evaluateTest, RecordedResource } from "../support/pulumi";
import { testProvider, uniqueName } from "../support/workloadFixtures";

/** The NodeExporter component under the recording mocks, and the whole policy pack over what it declares. */

async function evaluateNodeExporter(mode: "active" | "standby") {
    const prefix = uniqueName(`nodeexp-${mode}`);
    const evaluation = await evaluateTest(() => {
        new NodeExporter(prefix, { provider: testProvider(prefix), colour: "blue", mode, platformNamespace: "blkout", kubernetesVersion: "1.33" });
        return {};
    });
    const part = (suffix: string) => {
        const found = evaluation.resources.filter(r => r.name === `${prefix}-${suffix}`);
        if (found.length !== 1) throw new Error(`expected one ${prefix}-${suffix}, found ${found.length}`);
        return found[0];
    };
    return { resources: evaluation.resources, part };
}

let active: Awaited<ReturnType<typeof evaluateNodeExporter>>;
let standby: Awaited<ReturnType<typeof evaluateNodeExporter>>;
beforeAll(async () => {
    active = await evaluateNodeExporter("active");
    standby = await evaluateNodeExporter("standby");
});

const pod = (r: RecordedResource) => r.inputs.spec.template.spec;
const ruleNames = (violations: readonly PolicyViolation[]) => [...new Set(blocking(violations).map(v => v.policyName))].sort();

/** The pack over the component's resources, with the DaemonSet (and optionally the Namespace) replaced. */
async function packVerdicts(change: (input: PolicyInputResource) => PolicyInputResource = input => input): Promise<PolicyViolation[]> {
    const inputs = fromRecorded(active.resources).map(input => (input.type === "kubernetes:apps/v1:DaemonSet" ? change(input) : input));
    return runPolicies(inputs);
}

describe("NodeExporter", () => {
    it("runs the pinned image on every node with exactly the two read-only host paths and nothing else from the host", () => {
        const daemonSet = active.part("daemonset");
        expect(daemonSet.type).toBe("kubernetes:apps/v1:DaemonSet");
        const spec = pod(daemonSet);
        expect(spec.containers).toHaveLength(1);
        expect(spec.containers[0].image).toBe("quay.io/prometheus/node-exporter:v1.5.0");
        expect(spec.volumes).toEqual([
            { name: "proc", hostPath: { path: "/proc", type: "Directory" } },
            { name: "root", hostPath: { path: "/", type: "Directory" } },
        ]);
        expect(spec.containers[0].volumeMounts).toEqual([
            { name: "proc", mountPath: "/host/proc", readOnly: true, recursiveReadOnly: "IfPossible" },
            { name: "root", mountPath: "/host/root", readOnly: true, recursiveReadOnly: "IfPossible" },
        ]);
        for (const key of ["hostNetwork", "hostPID", "hostIPC"]) expect(spec[key]).toBeUndefined();
        expect(spec.containers[0].ports).toEqual([{ name: "metrics", containerPort: NODE_EXPORTER_PORT, protocol: "TCP" }]);
        expect(spec.tolerations).toEqual([{ operator: "Exists" }]);
    });

    it("keeps every restricted setting: non-root under a UID no other monitoring pod uses, no token, read-only root, no capabilities, RuntimeDefault", () => {
        const spec = pod(active.part("daemonset"));
        expect(spec.automountServiceAccountToken).toBe(false);
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: NODE_EXPORTER_UID, runAsGroup: NODE_EXPORTER_UID, fsGroup: NODE_EXPORTER_UID, seccompProfile: { type: "RuntimeDefault" } });
        expect(Object.values(MONITORING_UIDS)).not.toContain(NODE_EXPORTER_UID);
        expect(spec.containers[0].securityContext).toMatchObject({
            allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] },
        });
    });

    it("sizes smaller in standby and keeps running there", () => {
        const limits = (r: RecordedResource) => pod(r).containers[0].resources.limits;
        expect(limits(standby.part("daemonset"))).toEqual({ cpu: "100m", memory: "64Mi" });
        expect(limits(active.part("daemonset"))).toEqual({ cpu: "200m", memory: "96Mi" });
        expect(standby.part("daemonset").inputs.spec.template.spec.containers[0].image).toBe(NODE_EXPORTER_IMAGE);
    });

    it("puts everything in its own namespace, which enforces privileged but audits and warns at restricted, pinned to the cluster's minor", () => {
        const labels = active.part("namespace").inputs.metadata.labels;
        expect(active.part("namespace").inputs.metadata.name).toBe(NODE_EXPORTER_ALLOWANCE.namespace);
        expect(labels).toMatchObject({
            "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/enforce-version": "v1.33",
            "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/warn": "restricted",
        });
        for (const part of ["daemonset", "service", "netpol"]) {
            expect(active.part(part).inputs.metadata).toMatchObject({ name: NODE_EXPORTER_ALLOWANCE.workload, namespace: NODE_EXPORTER_ALLOWANCE.namespace });
        }
    });

    it("admits only the platform namespace's Prometheus pods on the metrics port, and sends nothing out", () => {
        const spec = active.part("netpol").inputs.spec;
        expect(spec.policyTypes).toEqual(["Ingress", "Egress"]);
        expect(spec.ingress).toEqual([{
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "blkout" } }, podSelector: { matchLabels: { ...PROMETHEUS_SELECTOR } } }],
            ports: [{ protocol: "TCP", port: NODE_EXPORTER_PORT }],
        }]);
        expect(spec.egress).toEqual([]);
        expect(spec.podSelector.matchLabels).toEqual(active.part("daemonset").inputs.spec.selector.matchLabels);
        const service = active.part("service").inputs.spec;
        expect(service).toMatchObject({ clusterIP: "None", ports: [{ port: NODE_EXPORTER_PORT, targetPort: "metrics" }] });
    });

    it("refuses a Kubernetes version its Pod Security labels could not pin, and an unknown mode, naming both", () => {
        const bad = () => new NodeExporter(uniqueName("nodeexp-bad"), {
            provider: testProvider("bad"), colour: "blue", mode: "paused" as "active", platformNamespace: "blkout", kubernetesVersion: "1.33.1",
        });
        expect(bad).toThrow(InvalidArgsError);
        expect(bad).toThrow(/kubernetesVersion: expected a Kubernetes minor like "1.33", got "1.33.1"[\s\S]*mode: expected "active" or "standby", got "paused"/);
        expect(kubernetesVersionProblem("nodeExporter.kubernetesVersion", "1.33")).toBeUndefined();
    });

    it("validates against the official Kubernetes schemas", () => {
        expect(validateKubernetesObjects(kubernetesResources(active.resources)).flat()).toEqual([]);
    });

    it("turns on only the collectors the rules read, with no --path.sysfs (the container's own /sys serves the cpu collector)", () => {
        const args = nodeExporterArgs();
        expect(args.filter(a => a.startsWith("--collector.") && !a.includes("="))).toEqual(["--collector.disable-defaults", "--collector.cpu", "--collector.meminfo", "--collector.filesystem"]);
        expect(args).toContain("--path.procfs=/host/proc");
        expect(args).toContain("--path.rootfs=/host/root");
        expect(args.some(a => a.startsWith("--path.sysfs"))).toBe(false);
    });
});

describe("the Pod Security allowance for node-exporter", () => {
    it("admits the rendered namespace and DaemonSet: the whole pack has nothing blocking", async () => {
        expect(blocking(await packVerdicts())).toEqual([]);
    });

    const breaches: ReadonlyArray<[string, (input: PolicyInputResource) => PolicyInputResource, string[], RegExp]> = [
        ["a writable host mount", input => withProp(input, "spec.template.spec.containers.0.volumeMounts.1.readOnly", false), ["pod-restricted-volumes"], /mounts host path "\/" writable/],
        ["an extra host path", input => withProp(withProp(input, "spec.template.spec.volumes.2", { name: "sys", hostPath: { path: "/sys", type: "Directory" } }),
            "spec.template.spec.containers.0.volumeMounts.2", { name: "sys", mountPath: "/host/sys", readOnly: true }), ["pod-restricted-volumes"], /host path "\/sys", not one of/],
        ["hostNetwork", input => withProp(input, "spec.template.spec.hostNetwork", true), ["pod-no-host-namespaces"], /hostNetwork is true/],
        ["another image", input => withProp(input, "spec.template.spec.containers.0.image", "docker.io/library/busybox:1.36"), ["pod-restricted-volumes"], /runs "docker.io\/library\/busybox", not "quay.io\/prometheus\/node-exporter"/],
        ["another namespace", input => withProp(input, "metadata.namespace", "blkout"), ["pod-restricted-volumes", "workload-has-network-policy"], /volumes\[0\] is a hostPath volume/],
        ["mount propagation", input => withProp(input, "spec.template.spec.containers.0.volumeMounts.1.mountPropagation", "HostToContainer"), ["pod-restricted-volumes"], /propagates mounts/],
    ];

    it.each(breaches)("refuses the same pod with %s", async (_title, change, rules, message) => {
        const violations = await packVerdicts(change);
        expect(ruleNames(violations)).toEqual(rules);
        expect(blocking(violations).map(v => v.message).join("\n")).toMatch(message);
    });

    it("allows the privileged enforce level only on the allowance's namespace", async () => {
        const namespace = fromRecorded(active.resources).find(r => r.type === "kubernetes:core/v1:Namespace")!;
        expect(blocking(await runPolicies([namespace]))).toEqual([]);
        const renamed = withProp(namespace, "metadata.name", "blkout");
        expect(blocking(await runPolicies([renamed])).map(v => v.message)).toEqual([expect.stringMatching(/sets pod-security.kubernetes.io\/enforce to "privileged"/)]);
        const labels = recordOf(recordOf(namespace.props.metadata).labels);
        const lowered = withProp(namespace, "metadata.labels", { ...labels, "pod-security.kubernetes.io/warn": "privileged" });
        expect(blocking(await runPolicies([lowered])).map(v => v.message)).toEqual([expect.stringMatching(/sets pod-security.kubernetes.io\/warn to "privileged"/)]);
    });
});

describe("Prometheus's side", () => {
    it("scrapes the exporters by the headless Service's A records in a `node` job", () => {
        const config = parse(renderPrometheusConfig({ colour: "blue", targets: { gatewayMetricsHost: "g", alertmanager: "a:9093", nodeExporterHost: NODE_EXPORTER_HOST } }));
        const node = config.scrape_configs.find((job: { job_name: string }) => job.job_name === JOBS.node);
        expect(node).toEqual({ job_name: "node", dns_sd_configs: [{ names: ["node-exporter.node-exporter.svc.cluster.local"], type: "A", port: 9100, refresh_interval: "15s" }] });
        const without = parse(renderPrometheusConfig({ colour: "blue", targets: { gatewayMetricsHost: "g", alertmanager: "a:9093" } }));
        expect(without.scrape_configs.map((job: { job_name: string }) => job.job_name)).not.toContain("node");
    });

    it("lets Prometheus out to the exporters' namespace and pods on the metrics port only when they are deployed", () => {
        const egress = (on: boolean) => monitoringPolicies([], on).find(p => p.key === "prometheus")!.spec.egress as unknown[];
        expect(egress(true)).toContainEqual(NODE_EXPORTER_EGRESS);
        expect(egress(false)).not.toContainEqual(NODE_EXPORTER_EGRESS);
        expect(NODE_EXPORTER_EGRESS).toEqual({
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "node-exporter" } }, podSelector: { matchLabels: active.part("daemonset").inputs.spec.selector.matchLabels } }],
            ports: [{ protocol: "TCP", port: 9100 }],
        });
    });
});

describe("in the committed colour stacks", () => {
    let stacks: Record<"blue" | "green", StackEvaluation>;
    beforeAll(async () => {
        const cache = new Map<string, StackEvaluation>();
        stacks = { blue: await evaluateStack("blue", cache), green: await evaluateStack("green", cache) };
    }, 120_000);

    it.each(["blue", "green"] as const)("%s runs the exporters, pinned to the same minor as its platform namespace, and its Prometheus scrapes and reaches them", colour => {
        const { resources } = stacks[colour];
        const of = (type: string, name: string) => resources.filter(r => r.type === type && r.name === name);
        expect(of("kubernetes:apps/v1:DaemonSet", `${colour}-monitoring-node-exporter-daemonset`)).toHaveLength(1);
        const [namespace] = of("kubernetes:core/v1:Namespace", `${colour}-monitoring-node-exporter-namespace`);
        const [platform] = of("kubernetes:core/v1:Namespace", `${colour}-cluster-namespace`);
        expect(namespace.inputs.metadata.labels["pod-security.kubernetes.io/enforce-version"]).toMatch(/^v1\.\d+$/);
        expect(namespace.inputs.metadata.labels["pod-security.kubernetes.io/enforce-version"]).toBe(platform.inputs.metadata.labels["pod-security.kubernetes.io/enforce-version"]);
        const [config] = of("kubernetes:core/v1:ConfigMap", `${colour}-monitoring-prometheus-config`);
        const jobs = parse(config.inputs.data["prometheus.yml"]).scrape_configs.map((job: { job_name: string }) => job.job_name);
        expect(jobs).toContain("node");
        const [policy] = of("kubernetes:networking.k8s.io/v1:NetworkPolicy", `${colour}-monitoring-prometheus-netpol`);
        expect(policy.inputs.spec.egress).toContainEqual(NODE_EXPORTER_EGRESS);
    });
});
