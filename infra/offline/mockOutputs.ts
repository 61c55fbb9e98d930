import { createHash } from "crypto";
import { LOAD_BALANCER_ID_ANNOTATION } from "../../components/gateway";

/**
 * Realistic, deterministic computed outputs for the resource types the platform creates, so the
 * offline preview's outputs mean something. Addresses come from the documentation ranges
 * (RFC 5737), hosts from the provider's real naming schemes, ids from names.
 */

function hashByte(seed: string, index = 0): number {
    return createHash("sha256").update(seed).digest()[index];
}

/** Deterministic UUID-shaped id from a seed, so every run of the preview shows the same ids. */
export function stableId(seed: string): string {
    const h = createHash("sha256").update(seed).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** A stable address in 203.0.113.0/24 (TEST-NET-3) for a seed. */
export function documentationAddress(seed: string): string {
    return `203.0.113.${1 + (hashByte(seed) % 254)}`;
}

function fakeSecret(seed: string): string {
    return `offline-${createHash("sha256").update(`secret:${seed}`).digest("hex").slice(0, 24)}`;
}

type Outputs = (name: string, id: string, inputs: Record<string, any>) => Record<string, any>;

interface EndpointShape {
    readonly scheme: "postgresql" | "rediss";
    readonly port: number;
    readonly user: string;
    readonly database: string;
}

/** A managed database's connection outputs, public and private, as DigitalOcean names them. */
function endpoint(name: string, id: string, shape: EndpointShape): Record<string, any> {
    const host = `${name}-do-user-0-0.l.db.ondigitalocean.com`;
    const privateHost = `private-${host}`;
    const password = fakeSecret(id);
    // PostgreSQL URIs name a database and demand TLS by parameter; Valkey is TLS-only (`rediss://`).
    const uri = (at: string) => shape.scheme === "postgresql"
        ? `postgresql://${shape.user}:${password}@${at}:${shape.port}/${shape.database}?sslmode=require`
        : `rediss://${shape.user}:${password}@${at}:${shape.port}`;
    return { host, privateHost, port: shape.port, user: shape.user, password, database: shape.database, uri: uri(host), privateUri: uri(privateHost) };
}

function databaseEndpoint(name: string, id: string, port: number, user: string, database: string): Record<string, any> {
    return endpoint(name, id, { scheme: "postgresql", port, user, database });
}

/** DO's Valkey (and retired Redis) clusters are TLS-only: their URIs use `rediss://` and carry no database. */
function cacheEndpoint(name: string, id: string): Record<string, any> {
    return endpoint(name, id, { scheme: "rediss", port: 25061, user: "default", database: "" });
}

/** One entry of a DOKS cluster's `kubeConfigs`: its API endpoint and a bearer token, raw and parsed. */
function doksKubeConfig(name: string, id: string, issue: string): Record<string, any> {
    const token = fakeSecret(`${id}:${issue}:token`);
    return {
        host: `https://${id}.k8s.ondigitalocean.com`,
        token,
        clusterCaCertificate: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t",
        rawConfig: [
            "apiVersion: v1",
            "kind: Config",
            `clusters: [{name: ${name}, cluster: {server: "https://${id}.k8s.ondigitalocean.com"}}]`,
            `users: [{name: ${name}-admin, user: {token: ${token}}}]`,
            `contexts: [{name: ${name}, context: {cluster: ${name}, user: ${name}-admin}}]`,
            `current-context: ${name}`,
        ].join("\n"),
    };
}

const OUTPUTS_BY_TYPE: Record<string, Outputs> = {
    "digitalocean:index/vpc:Vpc": (_name, id) => ({ vpcUrn: `do:vpc:${id}`, default: false }),
    "digitalocean:index/kubernetesCluster:KubernetesCluster": (name, id, inputs) => ({
        clusterUrn: `do:kubernetes:${id}`,
        endpoint: `https://${id}.k8s.ondigitalocean.com`,
        ipv4Address: documentationAddress(`${name}:api`),
        clusterSubnet: inputs.clusterSubnet ?? "10.244.0.0/16",
        serviceSubnet: inputs.serviceSubnet ?? "10.245.0.0/16",
        status: "running",
        kubeConfigs: [doksKubeConfig(name, id, "created")],
    }),
    "digitalocean:index/databaseCluster:DatabaseCluster": (name, id, inputs) => ({
        clusterUrn: `do:dbaas:${id}`,
        ...(inputs.engine === "valkey" || inputs.engine === "redis"
            ? cacheEndpoint(name, id)
            : databaseEndpoint(name, id, inputs.engine === "pg" ? 25060 : 25061, inputs.engine === "pg" ? "doadmin" : "default",
                inputs.engine === "pg" ? "defaultdb" : "")),
    }),
    "digitalocean:index/databaseReplica:DatabaseReplica": (name, id) => ({
        uuid: id,
        ...databaseEndpoint(name, id, 25060, "doadmin", "defaultdb"),
    }),
    "digitalocean:index/databaseUser:DatabaseUser": (_name, id) => ({ password: fakeSecret(id), role: "normal" }),
    "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool": (name, id, inputs) =>
        databaseEndpoint(name, id, 25061, inputs.user ?? "doadmin", inputs.dbName ?? "defaultdb"),
    "digitalocean:index/spacesBucket:SpacesBucket": (name, _id, inputs) => ({
        bucketUrn: `do:space:${inputs.name ?? name}`,
        bucketDomainName: `${inputs.name ?? name}.${inputs.region ?? "lon1"}.digitaloceanspaces.com`,
        endpoint: `${inputs.region ?? "lon1"}.digitaloceanspaces.com`,
    }),
    "digitalocean:index/cdn:Cdn": (_name, _id, inputs) => ({
        endpoint: `${String(inputs.origin ?? "").replace(".digitaloceanspaces.com", ".cdn.digitaloceanspaces.com")}`,
        createdAt: "2026-11-01T00:00:00Z",
    }),
    "digitalocean:index/certificate:Certificate": (_name, id) => ({ uuid: id, state: "verified", sha1Fingerprint: id.replace(/-/g, "") }),
    "random:index/randomPassword:RandomPassword": (_name, id, inputs) => ({
        // `special: false` asks for letters and digits only, which callers rely on (the monitor token).
        result: fakeSecret(id).replace(inputs.special === false ? /[^A-Za-z0-9]/g : /$^/, "").padEnd(inputs.length ?? 32, "x").slice(0, inputs.length ?? 32),
    }),
    // DigitalOcean's cloud controller creates a LoadBalancer Service's LB and annotates the Service with its id.
    "kubernetes:core/v1:Service": (name, _id, inputs) => inputs.spec?.type === "LoadBalancer"
        ? {
            metadata: { ...inputs.metadata, annotations: { ...inputs.metadata?.annotations, [LOAD_BALANCER_ID_ANNOTATION]: stableId(`${name}:lb`) } },
            status: { loadBalancer: { ingress: [{ ip: documentationAddress(`${name}:lb`) }] } },
        }
        : { spec: { ...inputs.spec, clusterIP: `10.245.0.${1 + (hashByte(name) % 254)}` } },
};

/** The state a mock resource reports: its inputs, then the computed outputs of its type. */
export function mockOutputsFor(type: string, name: string, id: string, inputs: Record<string, any>): Record<string, any> {
    const computed = OUTPUTS_BY_TYPE[type]?.(name, id, inputs) ?? {};
    return { ...inputs, ...computed };
}

/** Stable DOKS patch releases per minor, as the versions endpoint lists them (newest first). */
const DOKS_RELEASES: Readonly<Record<string, readonly string[]>> = {
    "1.31": ["1.31.9-do.2"],
    "1.32": ["1.32.5-do.1"],
    "1.33": ["1.33.1-do.3", "1.33.1-do.2"],
};

/** The read-only lookups the programs make (invokes), answered with realistic values. */
export const OFFLINE_INVOKES: Record<string, (args: Record<string, any>) => Record<string, any>> = {
    // A zone with no rulesets of its own yet (the traffic stack warns about existing entry points).
    "cloudflare:index/getRulesets:getRulesets": () => ({ rulesets: [] }),
    // A running cluster read back by name: each read issues a new token, as DigitalOcean does.
    "digitalocean:index/getKubernetesCluster:getKubernetesCluster": args => ({
        name: args.name,
        status: "running",
        kubeConfigs: [doksKubeConfig(String(args.name), createHash("sha256").update(String(args.name)).digest("hex").slice(0, 36), "read")],
    }),
    "digitalocean:index/getKubernetesVersions:getKubernetesVersions": args => {
        const minor = String(args.versionPrefix ?? "").replace(/\.$/, "");
        const valid = DOKS_RELEASES[minor] ?? [];
        return { versionPrefix: args.versionPrefix, latestVersion: valid[0] ?? "", validVersions: valid };
    },
};
