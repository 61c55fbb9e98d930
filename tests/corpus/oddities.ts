import { CorpusCase, docOf, mutated } from "./mutations";
import { COMMITTED } from "./roots";

/** Corpus cases on the file itself: YAML oddities, sizes, namespaces, `secure:` values, and valid variations. */

const blue = COMMITTED.blue;
const production = COMMITTED.production;

/** 1 000 nested block mappings (20 000 would take 200 MB of indentation: the size cap's case) and 20 000 flow ones. */
const deepBlock = `config:\n  blkout-platform:site:\n${Array.from({ length: 1000 }, (_, i) => `${" ".repeat(4 + i)}k${i}:`).join("\n")} 1\n`;
const deepFlow = `config:\n  blkout-platform:site: ${"{a: ".repeat(20000)}1${"}".repeat(20000)}\n`;
/** 200 000 keys in one mapping. */
const wideMapping = `${blue}  blkout-platform:extra:\n${Array.from({ length: 200000 }, (_, i) => `    k${i}: ${i}`).join("\n")}\n`;
const aliasBomb = `${blue}  blkout-platform:bomb:\n    a: &a ["x","x","x","x","x","x","x","x","x","x"]\n${Array.from({ length: 8 }, (_, i) => `    b${i}: &b${i} [${Array(10).fill(i === 0 ? "*a" : `*b${i - 1}`).join(",")}]`).join("\n")}\n`;

export function yamlCases(): CorpusCase[] {
    return [
        { title: "a duplicate top-level key", files: { blue: `${blue}  blkout-platform:mode: standby\n` }, names: "duplicate key" },
        { title: "a duplicate nested key", files: { production: production.replace("    ttl: 1800\n", "    ttl: 1800\n    ttl: 900\n") }, names: "sessionAffinity.ttl: duplicate key" },
        { title: "tabs for indentation", files: { blue: blue.replace("  blkout-platform:mode", "\tblkout-platform:mode") }, names: "invalid YAML" },
        { title: "two YAML documents", files: { blue: `${blue}---\nconfig: {}\n` }, names: "YAML documents" },
        { title: "an unterminated flow mapping", files: { blue: `${blue}  blkout-platform:site: {cdnTtlSeconds: 3600\n` }, names: "invalid YAML" },
        { title: "an alias bomb", files: { blue: aliasBomb }, names: "Pulumi.blue.yaml" },
        { title: "a __proto__ key", files: { blue: `${blue}  blkout-platform:gateway2:\n    __proto__: {polluted: true}\n` }, names: "__proto__" },
        { title: "a constructor key", files: { production: production.replace("  blkout-traffic:monitor:\n", "  blkout-traffic:monitor:\n    constructor: 1\n") }, names: "constructor" },
        { title: "a non-string key", files: { blue: blue.replace("  blkout-platform:apis:\n", "  blkout-platform:apis:\n    1: x\n") }, names: "apis.1" },
        { title: "a binary tag", files: { blue: blue.replace("releaseVersion: 2026.11.2", "releaseVersion: !!binary aGVsbG8=") }, names: "releaseVersion" },
        { title: "YAML 1.1 yes for a boolean", files: { blue: blue.replace("haControlPlane: true", "haControlPlane: yes") }, names: "cluster.haControlPlane" },
        { title: "a quoted weight", files: { production: `${production}  blkout-traffic:weights:\n    blue: "100"\n    green: 0\n` }, names: "weights.blue" },
        { title: "an empty file", files: { blue: "" }, names: "blue" },
        { title: "config: null", files: { blue: "config:\n" }, names: "colour" },
        { title: "config as a list", files: { blue: "config:\n  - a\n  - b\n" }, names: "config" },
        { title: "the file a scalar", files: { production: "just text\n" }, names: "(file)" },
        { title: "an unknown top-level key of the file", files: { blue: `confg:\n${blue.split("config:\n")[1]}` }, names: "confg" },
        { title: "1 000 nested block mappings", files: { blue: deepBlock }, names: "nested" },
        { title: "20 000 nested flow mappings", files: { blue: deepFlow }, names: "nested" },
        { title: "200 000 keys in one mapping", files: { blue: wideMapping }, names: "bytes" },
        { title: "a 2 MiB comment", files: { production: `${production}#${"x".repeat(2 * 1024 * 1024)}\n` }, names: "bytes" },
    ];
}

export function namespaceCases(): CorpusCase[] {
    const secure = (value: string) => ({ blue: `${blue}  blkout-platform:ivorModelApiKey:\n${value}` });
    return [
        { title: "blkout-platfrom: namespace", files: { blue: blue.replace("blkout-platform:gateway:", "blkout-platfrom:gateway:") }, names: "did you mean \"blkout-platform:gateway\"" },
        { title: "blkout-trafic:weights", files: { production: `${production}  blkout-trafic:weights:\n    blue: 100\n    green: 0\n` }, names: "did you mean \"blkout-traffic:weights\"" },
        { title: "a key without a namespace", files: { blue: `${blue}  domain2: x\n` }, names: "domain2" },
        { title: "an unknown namespace", files: { blue: `${blue}  aws:region: eu-west-2\n` }, names: "aws:region" },
        { title: "a misspelt top-level key", files: { blue: blue.replace("blkout-platform:gateway:", "blkout-platform:gatway:") }, names: "did you mean \"gateway\"" },
        { title: "a misspelt nested key", files: { production: production.replace("    retries: 2", "    retriez: 2") }, names: "did you mean \"retries\"" },
        { title: "secure: empty", files: secure("    secure: \"\"\n"), names: "ivorModelApiKey" },
        { title: "secure: a number", files: secure("    secure: 42\n"), names: "ivorModelApiKey" },
        { title: "secure: null", files: secure("    secure:\n"), names: "ivorModelApiKey" },
        { title: "secure: a list", files: secure("    secure: [a, b]\n"), names: "ivorModelApiKey" },
        { title: "secure: with a plain field beside it", files: secure("    secure: v1:7EyUt9xHs/pwhZ+F:Ofd6yNSmxc9eFpZrA5w5ciX+OGZrg8c=\n    value: sk-live-123\n"), names: "ivorModelApiKey" },
        { title: "secure: plain text", files: secure("    secure: sk-live-not-encrypted\n"), names: "ivorModelApiKey" },
        { title: "a secret in plain text", files: { blue: `${blue}  blkout-platform:originPrivateKey: "-----BEGIN PRIVATE KEY-----"\n` }, names: "originPrivateKey" },
    ];
}

/** Variations that change nothing that matters, or change it within what is allowed: the preview passes. */
export function validCases(): CorpusCase[] {
    const reordered = () => {
        const doc = docOf("blue");
        const entries = Object.entries(doc.config).reverse();
        return `config:\n${entries.map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`).join("\n")}\n`;
    };
    return [
        { title: "the committed stacks", files: {}, names: "valid" },
        { title: "CRLF line endings", files: { blue: blue.replace(/\n/g, "\r\n") }, names: "valid" },
        { title: "keys reordered, values in flow (JSON) style", files: { blue: reordered() }, names: "valid" },
        { title: "an anchor and its alias", files: { blue: blue.replace("  blkout-platform:cluster:\n", "  blkout-platform:cluster: &cluster\n").replace("  blkout-platform:site:\n    cdnTtlSeconds: 3600\n", "  blkout-platform:site: &site\n    cdnTtlSeconds: 3600\n") }, names: "valid" },
        { title: "a well-formed secure value", files: { blue: `${blue}  blkout-platform:ivorModelApiKey:\n    secure: v1:7EyUt9xHs/pwhZ+F:Ofd6yNSmxc9eFpZrA5w5ciX+OGZrg8c=\n` }, names: "valid" },
        { title: "a provider setting", files: { production: `${production}  cloudflare:apiUserServiceKey: ""\n` }, names: "valid" },
        { title: "a new release with more replicas", files: { green: mutated("green", "blkout-platform:releaseVersion", [], "2026.12.1") }, names: "valid" },
        { title: "an unprivileged gateway from the registry", files: { blue: blue.replace("nginxinc/nginx-unprivileged:1.27.3-alpine", "registry.digitalocean.com/blkout/nginx-unprivileged:1.27.3-alpine@sha256:" + "a".repeat(64)) }, names: "valid" },
        { title: "a larger replica than the primary", files: { blue: blue.replace("      replicaSize: db-s-2vcpu-4gb", "      replicaSize: db-s-4vcpu-8gb") }, names: "valid" },
        { title: "a stricter step ceiling", files: { production: production.replace("maxStepShare: 50", "maxStepShare: 20") }, names: "valid" },
    ];
}
