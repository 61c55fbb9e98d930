import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { DataExporters, DataExportersArgs } from "../../components/dataExporters";
import { PROMETHEUS_SELECTOR } from "../../components/gatewayMetrics";
import { imageProblem } from "../../components/k8sWorkload";
import { EXPORTER_SERIES } from "../../components/metricSeries";
import { Monitoring } from "../../components/monitoring";
import {
    DATA_EXPORTER_IMAGES, DATA_EXPORTER_SELECTORS, DATA_JOBS, dataExporterArgs, exporterSecretData, renderPostgresQueries,
} from "../../components/monitoringDataExporters";
import { InvalidArgsError } from "../../components/platformNames";
import { kubernetesResources, unwrapSecrets, validateKubernetesObjects } from "../support/k8sValidate";
import { evaluateTest, named, RecordedResource } from "../support/pulumi";
import { registrationsOnFailure, testProvider, uniqueName } from "../support/workloadFixtures";

const PG_PASSWORD = "pg-metrics-pw-4821";
const VALKEY_PASSWORD = "valkey-pw-9917";
const PG_URL = `postgresql://blue_data_metrics:${PG_PASSWORD}@private-replica.db.ondigitalocean.com:25060/defaultdb?sslmode=require`;
const VALKEY_URL = `rediss://default:${VALKEY_PASSWORD}@private-valkey.db.ondigitalocean.com:25061`;

function exporterArgs(prefix: string, overrides: Partial<DataExportersArgs> = {}): DataExportersArgs {
    return {
        provider: testProvider(prefix), namespace: "blkout-blue", colour: "blue",
        postgresUrl: pulumi.secret(PG_URL), redisUrl: pulumi.secret(VALKEY_URL), databaseCidrs: ["10.20.0.0/16"],
        ...overrides,
    };
}

async function evaluateExporters(overrides: Partial<DataExportersArgs> = {}) {
    const prefix = uniqueName("dbx");
    const evaluation = await evaluateTest(() => {
        const exporters = new DataExporters(prefix, exporterArgs(prefix, overrides));
        const monitoring = new Monitoring(`${prefix}-mon`, {
            provider: testProvider(`${prefix}-mon`), namespace: "blkout-blue", colour: "blue", gatewayName: "blue-gateway",
            dataExporters: exporters.targets,
            receivers: {
                pagerDutyRoutingKey: pulumi.secret("pd"), slackWebhookUrl: pulumi.secret("https://hooks.slack.com/services/T/B/c"), smtpPassword: pulumi.secret("pw"),
                slackChannel: "#alerts", smtp: { smarthost: "smtp.example.org:587", from: "a@blkoutuk.com", username: "a" }, emails: ["a@blkoutuk.com"],
            },
        });
        return { prometheus: monitoring.prometheusService };
    });
    return { ...evaluation, child: (part: string) => named(evaluation.resources, `${prefix}-${part}`), prefix };
}

let both: Awaited<ReturnType<typeof evaluateExporters>>;
let postgresOnly: Awaited<ReturnType<typeof evaluateExporters>>;
beforeAll(async () => {
    both = await evaluateExporters();
    postgresOnly = await evaluateExporters({ redisUrl: undefined });
});

const podSpec = (r: RecordedResource) => (unwrapSecrets(r.inputs) as any).spec.template.spec;

describe("the exporters' render functions", () => {
    it("splits the Valkey URL so the password is never part of the address, and keeps the PostgreSQL URL whole", () => {
        expect(exporterSecretData("redis", VALKEY_URL)).toEqual({ address: "rediss://private-valkey.db.ondigitalocean.com:25061", user: "default", password: VALKEY_PASSWORD });
        expect(exporterSecretData("postgres", PG_URL)).toEqual({ url: PG_URL });
    });

    it("refuses plain-text URLs without echoing them", () => {
        expect(() => exporterSecretData("postgres", PG_URL.replace("require", "disable"))).toThrow("postgresUrl: expected sslmode=require, verify-ca or verify-full (DigitalOcean accepts TLS only), got disable");
        expect(() => exporterSecretData("redis", VALKEY_URL.replace("rediss:", "redis:"))).toThrow("redisUrl: expected scheme rediss:// (TLS), got redis://");
        expect(() => exporterSecretData("redis", "rediss://private-valkey:25061")).toThrow("redisUrl: expected a password in the URL, got none");
        try {
            exporterSecretData("redis", VALKEY_URL.replace("rediss:", "redis:"));
        } catch (error) {
            expect(String(error)).not.toContain(VALKEY_PASSWORD);
        }
    });

    it("names the lag series the rules read through the query file, and points the exporter at it", () => {
        const queries = parse(renderPostgresQueries()) as Record<string, { metrics: Record<string, unknown>[] }>;
        const [[key, query]] = Object.entries(queries);
        expect(`${key}_${Object.keys(query.metrics[0])[0]}`).toBe(EXPORTER_SERIES.postgresReplicationLag);
        expect(dataExporterArgs("postgres")).toEqual(["--web.listen-address=:9187", "--extend.query-path=/etc/postgres-exporter/queries.yaml", "--disable-settings-metrics"]);
        expect(dataExporterArgs("redis")).toEqual(["--web.listen-address=:9121"]);
    });
});

describe("DataExporters", () => {
    it("runs each exporter from its pinned image, two replicas with a budget, restricted and without a token", () => {
        for (const kind of ["postgres", "redis"] as const) {
            const deployment = both.child(`${kind}-exporter`);
            expect(deployment.type).toBe("kubernetes:apps/v1:Deployment");
            const deploymentSpec = (unwrapSecrets(deployment.inputs) as any).spec;
            expect(deploymentSpec.replicas).toBe(2);
            expect(both.child(`${kind}-exporter-pdb`).inputs.spec).toEqual({ maxUnavailable: 1, selector: deploymentSpec.selector });
            const spec = podSpec(deployment);
            expect(spec.automountServiceAccountToken).toBe(false);
            expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            const [container] = spec.containers;
            expect(container.image).toBe(DATA_EXPORTER_IMAGES[kind]);
            expect(imageProblem("image", container.image)).toBeUndefined();
            expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        }
        expect(DATA_EXPORTER_IMAGES).toEqual({
            postgres: "quay.io/prometheuscommunity/postgres-exporter:v0.11.1", redis: "docker.io/oliver006/redis_exporter:v1.45.0",
        });
    });

    it("keeps the credentials only in Secrets sent as secrets, read by key into the environment", () => {
        const postgresSecret = both.child("postgres-exporter-secret");
        expect(postgresSecret.secretInputPaths).toContain("stringData");
        expect(unwrapSecrets(postgresSecret.inputs.stringData)).toEqual({ url: PG_URL });
        expect(unwrapSecrets(both.child("redis-exporter-secret").inputs.stringData)).toMatchObject({ password: VALKEY_PASSWORD });
        const env = podSpec(both.child("redis-exporter")).containers[0].env;
        expect(env).toEqual(["REDIS_ADDR", "REDIS_USER", "REDIS_PASSWORD"].map((name, i) => ({
            name, valueFrom: { secretKeyRef: { name: `${both.prefix}-redis-exporter`, key: ["address", "user", "password"][i] } },
        })));
        const outsideSecrets = both.resources.filter(r => r.type !== "kubernetes:core/v1:Secret").map(r => JSON.stringify(unwrapSecrets(r.inputs)));
        for (const password of [PG_PASSWORD, VALKEY_PASSWORD]) {
            expect(outsideSecrets.filter(text => text.includes(password))).toEqual([]);
        }
    });

    it("admits only Prometheus to the exporters, lets them out only to the VPC's data port, and lets Prometheus out to them", () => {
        const postgres = both.child("postgres-exporter-netpol").inputs.spec;
        expect(postgres.ingress).toEqual([{ from: [{ podSelector: { matchLabels: PROMETHEUS_SELECTOR } }], ports: [{ protocol: "TCP", port: 9187 }] }]);
        expect(postgres.egress[0]).toEqual({ to: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ protocol: "TCP", port: 25060 }] });
        expect(both.child("redis-exporter-netpol").inputs.spec.egress[0].ports).toEqual([{ protocol: "TCP", port: 25061 }]);
        const prometheus = both.child("mon-prometheus-netpol").inputs.spec;
        expect(prometheus.podSelector).toEqual({ matchLabels: PROMETHEUS_SELECTOR });
        const toExporter = (kind: "postgres" | "redis", port: number) => ({ to: [{ podSelector: { matchLabels: DATA_EXPORTER_SELECTORS[kind] } }], ports: [{ protocol: "TCP", port }] });
        expect(prometheus.egress).toEqual(expect.arrayContaining([toExporter("postgres", 9187), toExporter("redis", 9121)]));
        const postgresOnlyEgress = postgresOnly.child("mon-prometheus-netpol").inputs.spec.egress;
        expect(postgresOnlyEgress).toEqual(expect.arrayContaining([toExporter("postgres", 9187)]));
        expect(postgresOnlyEgress).not.toEqual(expect.arrayContaining([toExporter("redis", 9121)]));
    });

    it("gives Prometheus one job per exporter, at its Service's DNS name", () => {
        const config = parse(both.child("mon-prometheus-config").inputs.data["prometheus.yml"]);
        const jobs = config.scrape_configs.filter((j: { job_name: string }) => Object.values(DATA_JOBS).includes(j.job_name));
        expect(jobs).toEqual([
            { job_name: "postgres", static_configs: [{ targets: [`${both.prefix}-postgres-exporter.blkout-blue.svc.cluster.local:9187`] }] },
            { job_name: "redis", static_configs: [{ targets: [`${both.prefix}-redis-exporter.blkout-blue.svc.cluster.local:9121`] }] },
        ]);
        const onlyPostgres = parse(postgresOnly.child("mon-prometheus-config").inputs.data["prometheus.yml"]);
        expect(onlyPostgres.scrape_configs.map((j: { job_name: string }) => j.job_name)).not.toContain("redis");
        expect(postgresOnly.resources.filter(r => r.name.includes("redis-exporter"))).toEqual([]);
    });

    it("creates only objects valid against the official Kubernetes schemas", () => {
        const objects = kubernetesResources(both.resources.filter(r => r.name.startsWith(both.prefix) && !r.name.includes("-mon-"))
            .map(r => ({ ...r, inputs: unwrapSecrets(r.inputs) as Record<string, unknown> })));
        expect(objects).toHaveLength(11);
        expect(validateKubernetesObjects(objects).flat()).toEqual([]);
    });

    it("refuses bad args with every problem named, before registering anything", async () => {
        const prefix = uniqueName("dbx-bad");
        const { error, resources } = await registrationsOnFailure(() => new DataExporters(prefix, exporterArgs(prefix, {
            colour: "Blue", postgresUrl: PG_URL.replace("require", "disable"), redisUrl: undefined, databaseCidrs: ["0.0.0.0/0"],
        })));
        expect(error).toBeInstanceOf(InvalidArgsError);
        expect((error as InvalidArgsError).problems).toEqual([
            'colour: expected a lower-case name like "blue", got "Blue"',
            "postgresUrl: expected sslmode=require, verify-ca or verify-full (DigitalOcean accepts TLS only), got disable",
            'databaseCidrs: expected private CIDRs only, got "0.0.0.0/0"',
        ]);
        expect(resources.filter(r => r.name.startsWith(prefix) && r.type !== "pulumi:providers:kubernetes")).toEqual([]);
        const neither = await registrationsOnFailure(() => new DataExporters(prefix, exporterArgs(prefix, { postgresUrl: undefined, redisUrl: undefined, databaseCidrs: [] })));
        expect((neither.error as InvalidArgsError).problems).toEqual([
            "postgresUrl, redisUrl: expected at least one data store to export, got neither",
            "databaseCidrs: expected at least one private CIDR (the VPC), got []",
        ]);
    });
});
