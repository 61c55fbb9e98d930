import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isPrivateCidr } from "./cidr";
import { isCidrOrAddress } from "./cloudflareRanges";
import {
    ContainerResources, createScalingAndBudget, DNS_EGRESS, httpProbes, imageProblem, podsLabelled, resolveScaling, restrictedContainerSecurity,
    restrictedPodSecurity, ScalingArgs, scalingProblems, spreadOverNodes, tcpPort, ZERO_DOWNTIME_STRATEGY,
} from "./k8sWorkload";
import { API_COMPONENT, API_HEALTH_PATH, apiSelector, assertNoProblems, GATEWAY_SELECTOR, LABELS } from "./platformNames";

/** An unprivileged uid; the API images run as any non-root user. */
const API_UID = 10001;
/** DigitalOcean managed PostgreSQL (25060), its pooler and Valkey (25061). */
const DEFAULT_DATA_PORTS: readonly number[] = [25060, 25061];
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/** What an API needs to reach its data; every value goes into a Kubernetes Secret, never plain env. */
export interface ApiCredentials {
    readonly databaseUrl: pulumi.Input<string>;
    /** Sent as DATABASE_READ_URL; absent when this colour reads from the primary. */
    readonly readReplicaUrl?: pulumi.Input<string>;
    readonly redisUrl: pulumi.Input<string>;
    readonly sessionSecret: pulumi.Input<string>;
    /** Bucket role -> name, sent as `BUCKET_<ROLE>` (e.g. `media` -> BUCKET_MEDIA). @default {} */
    readonly bucketNames?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Further secret env by name, e.g. IVOR's `MODEL_API_KEY` or the Spaces keys. @default {} */
    readonly extraSecretEnv?: Readonly<Record<string, pulumi.Input<string>>>;
}

export interface ApiServiceArgs {
    readonly provider: k8s.Provider;
    readonly namespace: pulumi.Input<string>;
    /** The API's name (`ivor`, `events`, `newsroom`): its labels, Service name and API_NAME env. */
    readonly api: string;
    /** Pinned by tag or digest; `latest` or untagged is refused. */
    readonly image: string;
    readonly colour: string;
    readonly release: string;
    readonly credentials: ApiCredentials;
    /** Container and Service port. @default DEFAULT_API_PORT */
    readonly port?: number;
    /** Plain, non-secret env. @default {} */
    readonly env?: Readonly<Record<string, string>>;
    /** @default { minReplicas: 2, maxReplicas: 10, cpuTargetPercent: 70 } */
    readonly scaling?: ScalingArgs;
    /** @default { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } } */
    readonly resources?: ContainerResources;
    /** TCP ports of the data plane the API may connect to. @default [25060, 25061] */
    readonly dataPorts?: readonly number[];
    /**
     * Where the databases' private hosts sit (the VPC CIDRs, private ranges only); data-port egress
     * goes nowhere else. Required: a default of "any address" would open the database ports to the
     * internet. @default none (required)
     */
    readonly dataPlaneCidrs: readonly string[];
}

/** The port every API listens on unless told otherwise (the colour config's default too). */
export const DEFAULT_API_PORT = 8080;

const DEFAULT_RESOURCES: ContainerResources = {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "1", memory: "512Mi" },
};

/** Every problem with the args, each naming its key. */
export function apiServiceProblems(args: ApiServiceArgs): string[] {
    const problems: string[] = [];
    if (typeof args.api !== "string" || !/^[a-z][a-z0-9-]{0,30}$/.test(args.api)) {
        problems.push(`api: expected a lower-case name like "ivor", got ${JSON.stringify(args.api)}`);
    }
    const image = imageProblem("image", args.image);
    if (image) problems.push(image);
    const port = args.port ?? DEFAULT_API_PORT;
    if (!Number.isInteger(port) || port < 1024 || port > 65535) {
        problems.push(`port: expected an unprivileged port 1024-65535, got ${JSON.stringify(port)}`);
    }
    for (const key of ["databaseUrl", "redisUrl", "sessionSecret"] as const) {
        if (args.credentials?.[key] === undefined) problems.push(`credentials.${key}: required`);
    }
    const secretNames = Object.keys(secretEnvOf(args.credentials ?? ({} as ApiCredentials)));
    for (const name of [...secretNames, ...Object.keys(args.env ?? {})]) {
        if (!ENV_NAME.test(name)) problems.push(`env name ${JSON.stringify(name)}: expected UPPER_SNAKE_CASE`);
    }
    for (const name of Object.keys(args.env ?? {}).filter(n => secretNames.includes(n) || PLATFORM_ENV.includes(n))) {
        problems.push(`env.${name}: already set by the platform or the credentials`);
    }
    (args.dataPorts ?? DEFAULT_DATA_PORTS).forEach((p, i) => {
        if (!Number.isInteger(p) || p < 1 || p > 65535) problems.push(`dataPorts[${i}]: expected an integer 1-65535, got ${JSON.stringify(p)}`);
    });
    if (!Array.isArray(args.dataPlaneCidrs) || args.dataPlaneCidrs.length === 0) {
        problems.push(`dataPlaneCidrs: expected the private CIDR ranges of the data plane, got ${JSON.stringify(args.dataPlaneCidrs)}`);
    }
    (Array.isArray(args.dataPlaneCidrs) ? args.dataPlaneCidrs : []).forEach((cidr, i) => {
        if (!(isCidrOrAddress(cidr) && cidr.includes("/") && isPrivateCidr(cidr))) {
            problems.push(`dataPlaneCidrs[${i}]: expected a private CIDR range like "10.20.0.0/16", got ${JSON.stringify(cidr)}`);
        }
    });
    return [...problems, ...scalingProblems("scaling", resolveScaling(args.scaling))];
}

const PLATFORM_ENV = ["API_NAME", "COLOUR", "RELEASE", "PORT"];

/** The credentials Secret's keys and values. */
export function secretEnvOf(credentials: ApiCredentials): Record<string, pulumi.Input<string>> {
    const entries: [string, pulumi.Input<string> | undefined][] = [
        ["DATABASE_URL", credentials.databaseUrl],
        ["DATABASE_READ_URL", credentials.readReplicaUrl],
        ["REDIS_URL", credentials.redisUrl],
        ["SESSION_SECRET", credentials.sessionSecret],
        ...Object.entries(credentials.bucketNames ?? {}).map(([role, bucket]): [string, pulumi.Input<string>] =>
            [`BUCKET_${role.toUpperCase().replace(/-/g, "_")}`, bucket]),
        ...Object.entries(credentials.extraSecretEnv ?? {}),
    ];
    return Object.fromEntries(entries.filter((e): e is [string, pulumi.Input<string>] => e[1] !== undefined));
}

/** One API of one colour: Deployment, ClusterIP Service, credentials Secret, HPA, PDB and NetworkPolicy. */
export class ApiService extends pulumi.ComponentResource {
    readonly service: k8s.core.v1.Service;
    /** The Service's cluster DNS name, for the gateway's upstream. */
    readonly serviceHost: pulumi.Output<string>;
    readonly port: number;

    constructor(name: string, args: ApiServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
        assertNoProblems(`ApiService "${name}" args`, apiServiceProblems(args));
        super("blkout:platform:ApiService", name, {}, opts);
        this.port = args.port ?? DEFAULT_API_PORT;
        const childOpts = { parent: this, provider: args.provider };
        const selector = apiSelector(args.api);
        const labels = { ...selector, [LABELS.component]: API_COMPONENT, [LABELS.colour]: args.colour, [LABELS.version]: args.release };
        const scaling = resolveScaling(args.scaling);

        const secret = new k8s.core.v1.Secret(`${name}-credentials`, {
            metadata: { name: `${name}-credentials`, namespace: args.namespace, labels },
            type: "Opaque",
            // The SDK marks a Secret's stringData secret as a whole, plain-passed values included.
            stringData: secretEnvOf(args.credentials),
        }, childOpts);
        const deployment = this.createDeployment(name, args, labels, selector, secret, scaling.minReplicas, childOpts);
        createScalingAndBudget(name, { namespace: args.namespace, deploymentName: deployment.metadata.name, labels, selector, scaling }, childOpts);
        this.createNetworkPolicy(name, args, labels, selector, childOpts);
        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name, namespace: args.namespace, labels },
            spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: this.port, targetPort: this.port, protocol: "TCP" }] },
        }, childOpts);
        this.serviceHost = pulumi.interpolate`${this.service.metadata.name}.${args.namespace}.svc.cluster.local`;
        this.registerOutputs({ service: this.service, serviceHost: this.serviceHost, port: this.port });
    }

    private createDeployment(name: string, args: ApiServiceArgs, labels: Record<string, string>, selector: Record<string, string>,
        secret: k8s.core.v1.Secret, replicas: number, opts: pulumi.CustomResourceOptions) {
        const plainEnv = { API_NAME: args.api, COLOUR: args.colour, RELEASE: args.release, PORT: String(this.port), ...args.env };
        return new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: { name, namespace: args.namespace, labels },
            spec: {
                // The HPA owns the count after creation; ignoreChanges keeps `pulumi up` from resetting it.
                replicas,
                selector: { matchLabels: selector },
                strategy: ZERO_DOWNTIME_STRATEGY,
                template: {
                    metadata: { labels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurity(API_UID),
                        topologySpreadConstraints: spreadOverNodes(selector),
                        containers: [{
                            name: args.api,
                            image: args.image,
                            ports: [{ name: "http", containerPort: this.port, protocol: "TCP" }],
                            env: Object.entries(plainEnv).map(([envName, value]) => ({ name: envName, value })),
                            envFrom: [{ secretRef: { name: secret.metadata.name } }],
                            resources: args.resources ?? DEFAULT_RESOURCES,
                            securityContext: restrictedContainerSecurity(),
                            ...httpProbes(API_HEALTH_PATH, this.port),
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        }],
                        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
                    },
                },
            },
        }, { ...opts, ignoreChanges: ["spec.replicas"] });
    }

    private createNetworkPolicy(name: string, args: ApiServiceArgs, labels: Record<string, string>, selector: Record<string, string>,
        opts: pulumi.CustomResourceOptions) {
        return new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, {
            metadata: { name, namespace: args.namespace, labels },
            spec: {
                podSelector: { matchLabels: selector },
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [podsLabelled(GATEWAY_SELECTOR)], ports: [tcpPort(this.port)] }],
                egress: [
                    DNS_EGRESS,
                    {
                        to: args.dataPlaneCidrs.map(cidr => ({ ipBlock: { cidr } })),
                        ports: (args.dataPorts ?? DEFAULT_DATA_PORTS).map(tcpPort),
                    },
                    // Model APIs and Spaces sit outside the cluster at addresses that change.
                    { ports: [tcpPort(443)] },
                ],
            },
        }, opts);
    }
}
