import { SECRET_CONFIG_KEYS } from "../../infra/config/colourConfig";
import { runColourProgram } from "../../infra/colourProgram";
import { LOAD_BALANCER_ID_ANNOTATION } from "../../components/gateway";
import { effectiveScaling } from "../../infra/colourStack";
import { loadColourConfig } from "../../infra/config/loadColourConfig";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { settle } from "../../infra/offline/evaluate";
import { installMockRuntime, RecordedResource } from "../../infra/offline/mockRuntime";
import { OFFLINE_INVOKES } from "../../infra/offline/mockOutputs";
import { evaluate, outputValues } from "../../infra/offline/evaluate";
import { evaluateStack, offlineConfig, StackEvaluation } from "../../infra/offline/stacks";
import { readStackFile, REPO_ROOT } from "../../infra/offline/stackFiles";
import { kubernetesResources, unwrapSecrets, validateKubernetesObjects } from "../support/k8sValidate";
import { named, ofType } from "../support/pulumi";

const T = {
    pg: "digitalocean:index/databaseCluster:DatabaseCluster",
    replica: "digitalocean:index/databaseReplica:DatabaseReplica",
    bucket: "digitalocean:index/spacesBucket:SpacesBucket",
    database: "digitalocean:index/databaseDb:DatabaseDb",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    cluster: "digitalocean:index/kubernetesCluster:KubernetesCluster",
    secret: "kubernetes:core/v1:Secret",
    alert: "digitalocean:index/monitorAlert:MonitorAlert",
} as const;

const STATEFUL = [T.pg, T.replica, T.bucket, T.database];

let blue: StackEvaluation;
let green: StackEvaluation;

beforeAll(async () => {
    const cache = new Map<string, StackEvaluation>();
    blue = await evaluateStack("blue", cache);
    green = await evaluateStack("green", cache);
});

function value(evaluation: StackEvaluation, key: string): unknown {
    return evaluation.outputs[key]?.value;
}

describe("the owner colour (blue)", () => {
    test("declares the whole data plane, every stateful resource protected and none delete-before-replace", () => {
        const stateful = blue.resources.filter(r => STATEFUL.includes(r.type as (typeof STATEFUL)[number]));
        expect(ofType(blue.resources, T.pg).map(r => r.inputs.engine).sort()).toEqual(["pg", "valkey"]);
        expect(stateful.length).toBeGreaterThanOrEqual(9);
        expect(stateful.filter(r => !r.protect).map(r => r.name)).toEqual([]);
        expect(stateful.filter(r => r.deleteBeforeReplace).map(r => r.name)).toEqual([]);
    });

    test("exports what the traffic stack reads, in plain text, and the data connection strings as secrets", () => {
        expect(blue.outputs).toMatchObject({
            colour: { value: "blue", secret: false },
            mode: { value: "active", secret: false },
            dataRole: { value: "owner", secret: false },
            healthPath: { value: "/healthz", secret: false },
            previewHostname: { value: "blue.blkoutuk.com", secret: false },
            releaseVersion: { value: "2026.11.2", secret: false },
        });
        expect(value(blue, "gatewayOrigin")).toMatch(/^203\.0\.113\.\d+$/);
        for (const key of ["dataIvorDatabaseUrl", "dataEventsReadDatabaseUrl", "dataRedisUrl", "dataSessionSecret"]) {
            expect([key, blue.outputs[key]?.secret]).toEqual([key, true]);
        }
    });

    test("the gateway's load balancer presents the colour's origin certificate, the one the CDN presents", () => {
        const certificate = named(blue.resources, "blue-site-certificate");
        expect(certificate.inputs.type).toBe("custom");
        const annotations = named(blue.resources, "blue-gateway-service").inputs.metadata.annotations;
        expect(annotations["service.beta.kubernetes.io/do-loadbalancer-certificate-id"]).toBe(certificate.state.uuid);
        expect(named(blue.resources, "blue-site-cdn").inputs.certificateName).toEqual(certificate.inputs.name);
    });

    test("an active colour scales between the configured bounds", () => {
        const hpa = named(blue.resources, "blue-ivor-hpa").inputs.spec;
        expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([2, 10]);
        expect(ofType(blue.resources, T.cluster)[0].inputs.nodePool).toMatchObject({ minNodes: 2, maxNodes: 10, tags: ["blkout-data-client", "blkout-blue-nodes"] });
    });
});

describe("the follower colour (green)", () => {
    test("in standby it declares no primary, cache, data buckets, nor a read replica of its own (the warm-up adds it)", () => {
        expect(ofType(green.resources, T.pg)).toHaveLength(0);
        expect(ofType(green.resources, T.replica)).toHaveLength(0);
        expect(ofType(green.resources, T.bucket).map(r => r.name)).toEqual(["green-site-bucket"]);
    });

    test("its APIs write to the owner's pools, so a canary never splits writes", () => {
        const ownerPoolHost = named(blue.resources, "blue-data-events-pool").state.privateHost;
        const credentials = unwrapSecrets(named(green.resources, "green-events-credentials").inputs) as { stringData: Record<string, string> };
        expect(new URL(credentials.stringData.DATABASE_URL).hostname).toBe(ownerPoolHost);
        // In standby the reads go to the owner's replica, as the owner's own read URL does.
        const ownerCredentials = unwrapSecrets(named(blue.resources, "blue-events-credentials").inputs) as { stringData: Record<string, string> };
        expect(new URL(credentials.stringData.DATABASE_READ_URL).hostname).toBe(named(blue.resources, "blue-data-pg-replica").state.privateHost);
        expect(credentials.stringData.DATABASE_READ_URL).toBe(ownerCredentials.stringData.DATABASE_READ_URL);
    });

    test("a standby colour keeps two replicas per workload on one node, tagged standby, without an HA control plane", () => {
        const hpa = named(green.resources, "green-newsroom-hpa").inputs.spec;
        expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([2, 2]);
        const cluster = ofType(green.resources, T.cluster)[0].inputs;
        expect(cluster.nodePool).toMatchObject({ minNodes: 1, maxNodes: 1 });
        expect(cluster.tags).toEqual(["blkout-standby"]);
        expect(cluster.ha).toBe(false);
        expect(ofType(blue.resources, T.cluster)[0].inputs.tags).toEqual([]);
    });

    test("exports no data outputs of its own (nobody follows a follower)", () => {
        expect(Object.keys(green.outputs).filter(key => key.startsWith("data"))).toEqual(["dataRole", "dataOwnerStack"]);
        expect(green.outputs.dataOwnerStack).toEqual({ value: "organization/blkout-platform/blue", secret: false });
    });
});

describe("both colours", () => {
    test("every Kubernetes object validates against the official Kubernetes schemas", () => {
        const objects = [...kubernetesResources(blue.resources), ...kubernetesResources(green.resources)];
        expect(objects.length).toBeGreaterThanOrEqual(40);
        expect(validateKubernetesObjects(objects).flat()).toEqual([]);
    });

    test("no secret value appears in plain text in any output or any resource input the SDK does not track as secret", () => {
        const secretValues = new Set<string>(SECRET_CONFIG_KEYS.map(key => `offline-placeholder-${key}`));
        for (const evaluation of [blue, green]) {
            Object.values(evaluation.outputs).filter(o => o.secret).forEach(o => secretValues.add(String(o.value)));
        }
        expect(secretValues.size).toBeGreaterThanOrEqual(SECRET_CONFIG_KEYS.length + 8);
        const leaks: string[] = [];
        for (const evaluation of [blue, green]) {
            for (const resource of evaluation.resources) {
                const tracked = new Set(resource.secretInputPaths);
                const visible = JSON.stringify(Object.fromEntries(Object.entries(resource.inputs).filter(([key]) => !tracked.has(key))));
                secretValues.forEach(secret => visible.includes(secret) && leaks.push(`${resource.name} carries a secret in plain text`));
            }
            Object.entries(evaluation.outputs).filter(([, o]) => !o.secret).forEach(([key, o]) => {
                secretValues.forEach(secret => JSON.stringify(o.value).includes(secret) && leaks.push(`output ${key} carries a secret in plain text`));
            });
        }
        expect(leaks).toEqual([]);
    });

    test("alert on their own nodes, gateway load balancer and, for the owner only, its database", () => {
        const watched = (evaluation: StackEvaluation) => ofType(evaluation.resources, T.alert).map(a => a.inputs.type.split("/").slice(-2).join("/")).sort();
        const nodeAndLb = ["droplet/cpu", "droplet/disk_utilization_percent", "droplet/memory_utilization_percent",
            "lbaas/high_http_request_response_time_95p", "lbaas/increase_in_http_error_rate_percentage_5xx"];
        expect(watched(blue)).toEqual([...nodeAndLb, "alerts/cpu_alerts", "alerts/disk_utilization_alerts", "alerts/memory_utilization_alerts"].sort());
        expect(watched(green)).toEqual(nodeAndLb);
        for (const [evaluation, colour] of [[blue, "blue"], [green, "green"]] as const) {
            const lbId = named(evaluation.resources, `${colour}-gateway-service`).state.metadata.annotations[LOAD_BALANCER_ID_ANNOTATION];
            expect(named(evaluation.resources, `${colour}-alerts-lb-5xx`).inputs.entities).toEqual([lbId]);
            expect(named(evaluation.resources, `${colour}-alerts-node-cpu`).inputs.tags).toEqual([`blkout-${colour}-nodes`]);
            expect(ofType(evaluation.resources, T.cluster)[0].inputs.nodePool.tags).toContain(`blkout-${colour}-nodes`);
        }
        expect(named(blue.resources, "blue-alerts-db-disk").inputs.entities).toEqual([value(blue, "dataPostgresClusterId")]);
        expect(named(blue.resources, "blue-alerts-lb-5xx").inputs.entities).not.toEqual(named(green.resources, "green-alerts-lb-5xx").inputs.entities);
    });

    test("the secret-leak check would catch a leak: a Secret's credentials are in its inputs, tracked as secret", () => {
        const credentials: RecordedResource = named(blue.resources, "blue-ivor-credentials");
        expect(credentials.secretInputPaths).toContain("stringData");
        expect(JSON.stringify(unwrapSecrets(credentials.inputs))).toContain(String(blue.outputs.dataIvorDatabaseUrl.value));
    });
});

describe("the data exporters each colour's Prometheus scrapes", () => {
    const jobs = (evaluation: StackEvaluation, colour: string) => {
        const config = named(evaluation.resources, `${colour}-monitoring-prometheus-config`).inputs.data["prometheus.yml"] as string;
        return (parse(config) as { scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[] }).scrape_configs
            .filter(job => job.job_name === "postgres" || job.job_name === "redis");
    };
    const secretData = (evaluation: StackEvaluation, name: string) => (unwrapSecrets(named(evaluation.resources, name).inputs) as { stringData: Record<string, string> }).stringData;

    test("the owner scrapes its read replica and its Valkey", () => {
        expect(jobs(blue, "blue").map(job => [job.job_name, job.static_configs![0].targets])).toEqual([
            ["postgres", [`blue-data-exporters-postgres-exporter.${named(blue.resources, "blue-cluster-namespace").inputs.metadata.name}.svc.cluster.local:9187`]],
            ["redis", [expect.stringMatching(/^blue-data-exporters-redis-exporter\..+:9121$/)]],
        ]);
        const url = new URL(secretData(blue, "blue-data-exporters-postgres-exporter-secret").url);
        expect([url.username, url.hostname, url.searchParams.get("sslmode")])
            .toEqual(["blue_data_metrics", named(blue.resources, "blue-data-pg-replica").state.privateHost, "require"]);
        const valkey = named(blue.resources, "blue-data-valkey").state;
        expect(secretData(blue, "blue-data-exporters-redis-exporter-secret").address).toBe(`rediss://${valkey.privateHost}:${valkey.port}`);
    });

    test("a standby follower, without a replica, scrapes neither", () => {
        expect(jobs(green, "green")).toEqual([]);
        expect(green.resources.filter(r => r.name.startsWith("green-data-exporters"))).toEqual([]);
    });

    test("an active follower scrapes its own replica with its own user on the owner's cluster, and leaves Valkey to the owner", async () => {
        const file = readStackFile(REPO_ROOT, "green");
        const { config, secretConfigKeys } = offlineConfig({ ...file, config: { ...file.config, mode: "active" } }, SECRET_CONFIG_KEYS);
        const owner = "organization/blkout-platform/blue";
        const stackReferences = { [owner]: { outputs: outputValues(blue.outputs), secretOutputNames: Object.keys(blue.outputs).filter(key => blue.outputs[key].secret) } };
        const active = await evaluate({ project: file.project, stack: "green", config, secretConfigKeys, stackReferences, invokes: OFFLINE_INVOKES }, runColourProgram);
        const evaluation = { resources: active.resources } as StackEvaluation;
        expect(jobs(evaluation, "green").map(job => job.job_name)).toEqual(["postgres"]);
        const user = named(active.resources, "green-data-metrics-user");
        expect(user.inputs.clusterId).toBe(named(blue.resources, "blue-data-pg").id);
        const url = new URL(secretData(evaluation, "green-data-exporters-postgres-exporter-secret").url);
        expect([url.username, url.hostname]).toEqual(["green_data_metrics", named(active.resources, "green-data-pg-replica").state.privateHost]);
        const egress = named(active.resources, "green-data-exporters-postgres-exporter-netpol").inputs.spec.egress[0];
        expect(egress.to).toEqual([{ ipBlock: { cidr: (file.config.network as { vpcCidr: string }).vpcCidr } }]);
    }, 60_000);
});

describe("the entry program", () => {
    const blueConfig = readStackFile(REPO_ROOT, "blue").config;
    const secrets = Object.fromEntries(SECRET_CONFIG_KEYS.map(key => [key, `test-${key}`]));

    function install(stack: string, config: Record<string, unknown>, secretConfigKeys: readonly string[]) {
        return installMockRuntime({ project: "blkout-platform", stack, config: { ...config, ...secrets }, secretConfigKeys, invokes: OFFLINE_INVOKES });
    }

    test("bad config stops the program with every problem listed and no resource registered", async () => {
        const mocks = install("bad-config", { ...blueConfig, colour: "purple", apis: { ...(blueConfig.apis as object), ivor: { image: "registry.digitalocean.com/blkout/ivor:latest" } } }, SECRET_CONFIG_KEYS);
        expect(runColourProgram).toThrow(/stack bad-config's config has 2 problems:\n {2}- colour: expected one of "blue", "green", got "purple"\n {2}- apis\.ivor\.image: expected a pinned tag/);
        expect(runColourProgram).toThrow(pulumi.RunError);
        await settle();
        expect(mocks.resources).toEqual([]);
    });

    test("a secret stored in plain text is refused, without echoing its value", async () => {
        const mocks = install("plain-secret", blueConfig, ["originCertificate", "originPrivateKey"]);
        expect(runColourProgram).toThrow("ivorModelApiKey: is stored in plain text; remove it and run `pulumi config set --secret ivorModelApiKey <value>`");
        expect(runColourProgram).not.toThrow("test-ivorModelApiKey");
        await settle();
        expect(mocks.resources).toEqual([]);
    });
});

describe("effectiveScaling", () => {
    const cfg = loadColourConfig(readStackFile(REPO_ROOT, "blue").config, SECRET_CONFIG_KEYS);

    test("active keeps the configured bounds; standby pins replicas and nodes to the minimum", () => {
        expect(effectiveScaling(cfg).apis.ivor).toEqual({ minReplicas: 2, maxReplicas: 10, cpuTargetPercent: 70 });
        const standby = effectiveScaling({ ...cfg, mode: "standby", apis: { ...cfg.apis, events: { ...cfg.apis.events, replicas: 4 } } });
        expect(standby.apis.events).toEqual({ minReplicas: 2, maxReplicas: 2, cpuTargetPercent: 70 });
        expect(standby.nodes).toEqual({ minNodes: 1, maxNodes: 1 });
    });
});
