import { parse, stringify } from "yaml";
import { COMMITTED } from "./roots";

/**
 * The generated corpus: mutated stack files (types, ranges, unicode, cycles, sizes, YAML oddities).
 * Each case says what the preview must do: fail naming a key (`names`), or pass (`valid`).
 */

export interface CorpusCase {
    readonly title: string;
    /** Stack files replaced (text) or removed (null). */
    readonly files: Readonly<Record<string, string | null>>;
    /** Text every failure report must contain, or "valid" for an accepted variation. */
    readonly names: string | "valid";
}

type Stack = "blue" | "green" | "production";
const PREFIX: Record<Stack, string> = { blue: "blkout-platform:", green: "blkout-platform:", production: "blkout-traffic:" };

const docOf = (stack: Stack) => parse(COMMITTED[stack]) as { config: Record<string, unknown> };

/** Every leaf of a stack's program config, as [full key, dotted path inside it]. */
function leaves(stack: Stack): Array<[string, string[]]> {
    const out: Array<[string, string[]]> = [];
    const walk = (value: unknown, key: string, path: string[]) => {
        if (value !== null && typeof value === "object" && !Array.isArray(value)) {
            Object.entries(value).forEach(([child, item]) => walk(item, key, [...path, child]));
        } else {
            out.push([key, path]);
        }
    };
    Object.entries(docOf(stack).config).forEach(([key, value]) => walk(value, key, []));
    return out;
}

/** The stack's file with the value at `path` under `key` replaced (undefined removes it). */
export function mutated(stack: Stack, key: string, path: readonly string[], value: unknown): string {
    const doc = docOf(stack);
    if (path.length === 0) {
        doc.config[key] = value;
    } else {
        // Sections the committed file leaves to their defaults (the traffic stack's weights, say) are created.
        doc.config[key] ??= {};
        const parent = path.slice(0, -1).reduce<any>((node, part) => (node[part] ??= {}), doc.config[key]);
        if (value === undefined) {
            delete parent[path[path.length - 1]];
        } else {
            parent[path[path.length - 1]] = value;
        }
    }
    return stringify(doc);
}

/** A value of the wrong type for what is there now. */
function wrongTypes(current: unknown): unknown[] {
    if (typeof current === "number") {
        return [null, "not-a-number"];
    }
    if (typeof current === "boolean") {
        return [null, "maybe"];
    }
    if (Array.isArray(current)) {
        return [{ nested: true }, "one-string"];
    }
    return [{ nested: true }, 12345];
}

const keyName = (stack: Stack, key: string, path: readonly string[]) => [key.slice(PREFIX[stack].length), ...path].join(".");

function typeCases(): CorpusCase[] {
    // Green's keys are blue's (one schema); its own differences (the follower's data) are mutated in the range and cross-stack cases.
    return (["blue", "production"] as const).flatMap(stack => leaves(stack).flatMap(([key, path]) => {
        const current = path.reduce<any>((node, part) => node?.[part], docOf(stack).config[key]);
        const name = keyName(stack, key, path);
        return wrongTypes(current).map(value => ({
            title: `${stack} ${name} = ${JSON.stringify(value)}`,
            files: { [stack]: mutated(stack, key, path, value) },
            names: name,
        }));
    }));
}

const at = (stack: Stack, name: string, value: unknown, names = name): CorpusCase => {
    const [top, ...path] = name.split(".");
    return { title: `${stack} ${name} = ${JSON.stringify(value)?.slice(0, 40)}`, files: { [stack]: mutated(stack, `${PREFIX[stack]}${top}`, path, value) }, names };
};

function rangeCases(): CorpusCase[] {
    const integers: Array<[Stack, string]> = [
        ["blue", "apis.ivor.replicas"], ["blue", "apis.events.maxReplicas"], ["blue", "apis.newsroom.poolSize"], ["blue", "apis.ivor.port"],
        ["blue", "cluster.minNodes"], ["blue", "cluster.maxNodes"], ["blue", "gateway.rateLimitPerMinute"], ["blue", "gateway.maxBodyMegabytes"],
        ["blue", "data.postgres.nodeCount"], ["blue", "alerts.cpuPercent"], ["blue", "site.cdnTtlSeconds"], ["green", "gateway.replicas"],
        ["production", "maxStepShare"], ["production", "monitor.interval"], ["production", "monitor.timeout"], ["production", "sessionAffinity.ttl"],
        ["production", "apiRateLimit.period"], ["production", "weights.blue"],
    ];
    const badNumbers = [-1, 0.5, 1e12, -0];
    return integers.flatMap(([stack, name]) => badNumbers.map(value => at(stack, name, value, name.startsWith("weights") ? "weights" : name)))
        .filter(c => !(c.title.endsWith("= 0") && /minNodes|rateLimitBurst/.test(c.title)));
}

const LONG = "a".repeat(5000);
function stringCases(): CorpusCase[] {
    const strings: Array<[Stack, string]> = [
        ["blue", "domain"], ["blue", "releaseVersion"], ["blue", "cloudflare.zoneId"], ["blue", "network.vpcCidr"], ["blue", "cluster.nodeSize"],
        ["blue", "data.postgres.size"], ["blue", "gateway.image"], ["blue", "apis.ivor.image"], ["blue", "apis.ivor.memoryLimit"], ["green", "data.replicaSize"],
        ["production", "hostname"], ["production", "zoneId"], ["production", "previewCookie"], ["production", "previewHeader"], ["production", "notificationEmail"],
        ["production", "monitor.expectedCodes"], ["blue", "cluster.kubernetesVersion"], ["blue", "mode"],
    ];
    const values = ["", LONG, "blkоutuk.com" /* Cyrillic о */, "x\u202Eevil", "😀", "a\u0000b", "line\nbreak", " padded "];
    return strings.flatMap(([stack, name]) => values.map(value => at(stack, name, value)));
}

function realityCases(): CorpusCase[] {
    return [
        at("blue", "cluster.kubernetesVersion", "1.29"), at("blue", "cluster.kubernetesVersion", "1.99"), at("green", "cluster.kubernetesVersion", "1.30"),
        at("blue", "cluster.nodeSize", "s-3vcpu-5gb"), at("blue", "data.postgres.size", "db-s-3vcpu-6gb"), at("blue", "data.valkey.size", "db-s-1vcpu-3gb"),
        at("blue", "data.postgres.replicaSize", "db-s-1vcpu-1gb"), at("green", "data.replicaSize", "db-s-1vcpu-2gb"),
        at("blue", "apis.ivor.cpuRequest", "4"), at("blue", "apis.ivor.memoryRequest", "2Gi"), at("blue", "apis.ivor.memoryLimit", "0Mi"), at("blue", "apis.events.cpuLimit", "0m"),
        at("blue", "apis.ivor.poolSize", 100, "apis.*.poolSize"),
        at("blue", "apis.ivor.image", "docker.io/someone/ivor:2026.11.2"), at("blue", "apis.ivor.image", "registry.digitalocean.com/blkout/ivor:mainline"),
        at("blue", "apis.ivor.image", "registry.digitalocean.com/blkout/ivor:LATEST"), at("blue", "apis.ivor.image", "registry.digitalocean.com/blkout/ivor:stable"),
        at("blue", "gateway.image", "nginx:1.27.3"), at("blue", "gateway.image", "nginxinc/nginx-unprivileged:mainline-alpine"),
        at("production", "monitor.expectedCodes", "5xx"), at("production", "monitor.expectedCodes", "404"), at("production", "monitor.path", "/index.html"),
        at("production", "monitor.path", "/static/app.js"), at("production", "previewCookie", "session"), at("production", "previewCookie", "_ga"),
        at("production", "previewHeader", "Host"), at("production", "previewHeader", "X-Forwarded-For"), at("production", "previewHeader", "Accept"),
    ];
}

function crossStackCases(): CorpusCase[] {
    const follow = (target: string) => ({ green: COMMITTED.green.replace("organization/blkout-platform/blue", target) });
    const blueFollowsGreen = COMMITTED.green.replace(/green/g, "blue").replace(/10\.12/g, "10.11").replace("organization/blkout-platform/blue", "organization/blkout-platform/green");
    return [
        { title: "a follower of itself", files: follow("organization/blkout-platform/green"), names: "data.ownerStack" },
        { title: "green following the traffic stack", files: follow("organization/blkout-traffic/production"), names: "data.ownerStack" },
        { title: "green following a stack with no file", files: follow("organization/blkout-platform/purple"), names: "data.ownerStack" },
        { title: "green following another organisation", files: follow("elsewhere/blkout-platform/blue"), names: "organisation" },
        { title: "two followers of each other", files: { blue: blueFollowsGreen }, names: "data.role" },
        { title: "the traffic stack naming itself", files: { production: COMMITTED.production.replace("organization/blkout-platform/blue", "organization/blkout-traffic/production") }, names: "colourStacks.blue" },
        { title: "the traffic stack's colours swapped", files: { production: COMMITTED.production.replace("platform/blue", "platform/TMP").replace("platform/green", "platform/blue").replace("platform/TMP", "platform/green") }, names: "colourStacks.blue" },
        { title: "no traffic stack file", files: { production: null }, names: "no traffic stack file" },
        { title: "no green stack file", files: { green: null }, names: "colourStacks.green" },
        { title: "different domains", files: { green: COMMITTED.green.replace("domain: blkoutuk.com", "domain: blkout.org") }, names: "domain" },
        { title: "different zones", files: { green: COMMITTED.green.replace("zoneId: 3f2a9c4e8b1d4f6a9e0c7b5d2a1f8e3c", "zoneId: 0000000000000000000000000000000a") }, names: "cloudflare.zoneId" },
        { title: "overlapping peered networks", files: { green: COMMITTED.green.replace("vpcCidr: 10.120.0.0/20", "vpcCidr: 10.110.0.0/20") }, names: "network.vpcCidr" },
        { title: "two owners", files: { green: mutated("green", "blkout-platform:data", [], (docOf("blue").config["blkout-platform:data"])) }, names: "data.role" },
    ];
}

export { typeCases, rangeCases, stringCases, realityCases, crossStackCases, docOf };
