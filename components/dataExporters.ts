import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isPrivateCidr } from "./cidr";
import { restrictedPodSecurity, spreadOverNodes, ZERO_DOWNTIME_STRATEGY } from "./k8sWorkload";
import {
    DATA_EXPORTER_KINDS, DATA_EXPORTER_PORTS, DATA_EXPORTER_SELECTORS, DATA_EXPORTER_UIDS, dataExporterContainer, DataExporterKind,
    dataExporterPolicies, dataUrlProblem, exporterSecretData, POSTGRES_QUERIES_FILE, renderPostgresQueries,
} from "./monitoringDataExporters";
import { assertNoProblems, LABELS } from "./platformNames";

export interface DataExportersArgs {
    readonly provider: k8s.Provider;
    readonly namespace: pulumi.Input<string>;
    /** @default none (required) */
    readonly colour: string;
    /**
     * Secret: the URL postgres_exporter connects with, a read replica's with `sslmode=require`.
     * @default none (no PostgreSQL exporter)
     */
    readonly postgresUrl?: pulumi.Input<string>;
    /** Secret: the Valkey URL (`rediss://`) redis_exporter connects with. @default none (no Redis exporter) */
    readonly redisUrl?: pulumi.Input<string>;
    /** Where the data stores' private hosts sit (private ranges only); the exporters' egress goes nowhere else. @default none (required) */
    readonly databaseCidrs: readonly string[];
}

/**
 * The PostgreSQL and Redis exporters of one colour, in its platform namespace: each a Deployment of
 * two replicas (the series are read from the database, so either pod answers the same) behind a
 * ClusterIP Service Prometheus scrapes by DNS name. Credentials live only in a Secret per exporter.
 */
export class DataExporters extends pulumi.ComponentResource {
    /** `host:port` Prometheus scrapes, per exporter this colour runs. */
    readonly targets: Readonly<Partial<Record<DataExporterKind, pulumi.Output<string>>>>;

    constructor(name: string, args: DataExportersArgs, opts: pulumi.ComponentResourceOptions = {}) {
        assertNoProblems(`DataExporters "${name}" args`, dataExportersProblems(args));
        super("blkout:platform:DataExporters", name, {}, opts);
        const o = { parent: this, provider: args.provider };
        const urls: Partial<Record<DataExporterKind, pulumi.Input<string>>> = { postgres: args.postgresUrl, redis: args.redisUrl };
        const kinds = DATA_EXPORTER_KINDS.filter(kind => urls[kind] !== undefined);
        const targets: Partial<Record<DataExporterKind, pulumi.Output<string>>> = {};
        for (const kind of kinds) {
            const part = `${kind}-exporter`;
            const selector = DATA_EXPORTER_SELECTORS[kind];
            const metadata = {
                name: `${name}-${part}`, namespace: args.namespace,
                labels: { ...selector, [LABELS.component]: "monitoring", [LABELS.colour]: args.colour },
            };
            const data = pulumi.secret(pulumi.output(urls[kind]!).apply(url => exporterSecretData(kind, url)));
            const secret = new k8s.core.v1.Secret(`${name}-${part}-secret`, { metadata, type: "Opaque", stringData: data }, o);
            const queryFile = kind === "postgres" ? renderPostgresQueries() : undefined;
            const queries = queryFile === undefined ? []
                : [new k8s.core.v1.ConfigMap(`${name}-${part}-queries`, { metadata, data: { [POSTGRES_QUERIES_FILE]: queryFile } }, o)];
            // A new password or query file rolls the pods: env from a Secret is read only at start.
            const rollOn = pulumi.secret(data.apply(d => createHash("sha256").update(JSON.stringify(d) + (queryFile ?? "")).digest("hex")));
            new k8s.apps.v1.Deployment(`${name}-${part}`, {
                metadata,
                spec: {
                    replicas: 2,
                    strategy: ZERO_DOWNTIME_STRATEGY,
                    selector: { matchLabels: { ...selector } },
                    template: {
                        metadata: { labels: metadata.labels, annotations: { "blkout.org/config-hash": rollOn } },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurity(DATA_EXPORTER_UIDS[kind]),
                            topologySpreadConstraints: spreadOverNodes({ ...selector }),
                            containers: [dataExporterContainer(kind, secret.metadata.name)],
                            volumes: queries.map(map => ({ name: "queries", configMap: { name: map.metadata.name } })),
                        },
                    },
                },
            }, o);
            new k8s.policy.v1.PodDisruptionBudget(`${name}-${part}-pdb`, { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: { ...selector } } } }, o);
            const service = new k8s.core.v1.Service(`${name}-${part}-service`, {
                metadata,
                spec: { type: "ClusterIP", selector: { ...selector }, ports: [{ name: "http", port: DATA_EXPORTER_PORTS[kind], targetPort: "http", protocol: "TCP" }] },
            }, o);
            targets[kind] = pulumi.interpolate`${service.metadata.name}.${args.namespace}.svc.cluster.local:${DATA_EXPORTER_PORTS[kind]}`;
        }
        for (const policy of dataExporterPolicies(kinds, args.databaseCidrs)) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${policy.key}-netpol`, {
                metadata: { name: `${name}-${policy.key}`, namespace: args.namespace, labels: { [LABELS.component]: "monitoring", [LABELS.colour]: args.colour } },
                spec: policy.spec,
            }, o);
        }
        this.targets = targets;
        this.registerOutputs({ targets });
    }
}

/** Every problem with the args, each naming its key; a URL given as a plain string is checked here, an Output when it resolves. */
export function dataExportersProblems(args: DataExportersArgs): string[] {
    const problems: string[] = [];
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(args.colour ?? "")) problems.push(`colour: expected a lower-case name like "blue", got ${JSON.stringify(args.colour)}`);
    if (args.postgresUrl === undefined && args.redisUrl === undefined) problems.push("postgresUrl, redisUrl: expected at least one data store to export, got neither");
    for (const [kind, url] of [["postgres", args.postgresUrl], ["redis", args.redisUrl]] as const) {
        const problem = typeof url === "string" ? dataUrlProblem(kind, url) : undefined;
        if (problem) problems.push(problem);
    }
    const cidrs: readonly unknown[] = Array.isArray(args.databaseCidrs) ? args.databaseCidrs : [];
    if (cidrs.length === 0) problems.push(`databaseCidrs: expected at least one private CIDR (the VPC), got ${JSON.stringify(args.databaseCidrs)}`);
    for (const cidr of cidrs) {
        if (typeof cidr !== "string" || !isPrivateCidr(cidr)) problems.push(`databaseCidrs: expected private CIDRs only, got ${JSON.stringify(cidr)}`);
    }
    return problems;
}
