import { isMap, isScalar, isSeq, Node, parseAllDocuments } from "yaml";
import { nearest, suggestion } from "./suggest";

/**
 * Reading a stack file as hostile input: bounded in size and nesting, linear in its keys, one YAML
 * document, no duplicate or prototype-polluting keys, every namespace and `secure:` value checked.
 * Each problem names where it is; nothing here throws anything but a list of problems.
 */

export interface YamlLimits {
    /** @default 1 MiB: a committed stack config is a few KiB. */
    readonly maxBytes: number;
    /** @default 32 levels of nested mappings and lists. */
    readonly maxDepth: number;
}

export const DEFAULT_LIMITS: YamlLimits = { maxBytes: 1024 * 1024, maxDepth: 32 };

/** Keys that would reach an object's prototype when a document becomes a JS object. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Nesting depth measured on the text before the parser sees it: the `yaml` package recurses per level
 * and overflows the stack on 20 000 nested mappings. Counts open flow brackets and block indentation
 * levels; brackets inside quotes count too, which can only overestimate (refuse), never under.
 */
export function textDepth(text: string): number {
    let deepest = 0;
    let flow = 0;
    const indents: number[] = [];
    for (const line of text.split("\n")) {
        const content = line.trimStart();
        if (content === "" || content.startsWith("#")) {
            continue;
        }
        const indent = line.length - content.length + (/^- /.test(content) ? 2 : 0);
        while (indents.length > 0 && indents[indents.length - 1] >= indent) {
            indents.pop();
        }
        indents.push(indent);
        for (const char of content) {
            flow += char === "{" || char === "[" ? 1 : char === "}" || char === "]" ? -1 : 0;
            deepest = Math.max(deepest, indents.length + Math.max(flow, 0));
        }
    }
    return deepest;
}

function keyText(key: unknown): string {
    return isScalar(key) ? String(key.value) : String(key);
}

/** Duplicate and forbidden keys, in one linear walk (the parser's own check is quadratic in a mapping's keys). */
function keyProblems(node: unknown, path: string, out: string[]): void {
    if (out.length >= 20) {
        return;
    }
    if (isMap(node)) {
        const seen = new Set<string>();
        for (const pair of node.items) {
            const key = keyText(pair.key);
            const at = path === "" ? key : `${path}.${key}`;
            if (FORBIDDEN_KEYS.has(key)) {
                out.push(`${at}: "${key}" is not allowed as a key`);
            } else if (seen.has(key)) {
                out.push(`${at}: duplicate key (a later value would silently replace the first)`);
            }
            seen.add(key);
            keyProblems(pair.value, at, out);
        }
    } else if (isSeq(node)) {
        node.items.forEach((item, index) => keyProblems(item, `${path}[${index}]`, out));
    }
}

/** Parses one YAML document within the limits, or returns every problem found (parsing stops at the first limit). */
export function parseYamlSafely(text: string, where: string, limits: YamlLimits = DEFAULT_LIMITS): { value?: unknown; problems: string[] } {
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > limits.maxBytes) {
        return { problems: [`${where}: ${bytes} bytes, larger than the ${limits.maxBytes}-byte limit for a stack config`] };
    }
    const depth = textDepth(text);
    if (depth > limits.maxDepth) {
        return { problems: [`${where}: nested ${depth} levels deep, deeper than the limit of ${limits.maxDepth}`] };
    }
    const documents = parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false });
    if (!Array.isArray(documents)) {
        return { value: undefined, problems: [] };
    }
    if (documents.length > 1) {
        return { problems: [`${where}: holds ${documents.length} YAML documents; a stack config is one`] };
    }
    const document = documents[0];
    if (document === undefined) {
        return { value: undefined, problems: [] };
    }
    const errors = document.errors.map(error => `${where}: invalid YAML at line ${error.linePos?.[0].line ?? "?"}: ${error.message.split("\n")[0]}`);
    if (errors.length > 0) {
        return { problems: errors };
    }
    const problems: string[] = [];
    keyProblems(document.contents as Node, "", problems);
    if (problems.length > 0) {
        return { problems: problems.map(problem => `${where}: ${problem}`) };
    }
    try {
        return { value: document.toJS({ maxAliasCount: 100 }), problems: [] };
    } catch (error) {
        return { problems: [`${where}: ${(error as Error).message.split("\n")[0]}`] };
    }
}

/** Top-level keys a `Pulumi.<stack>.yaml` may hold (https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/). */
const STACK_FILE_KEYS = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"];

/**
 * Provider namespaces whose keys configure a provider, not the program; any other namespace is a typo
 * of the project's (`blkout-platfrom:`) or a stray key.
 */
export const PROVIDER_NAMESPACES = ["digitalocean", "cloudflare", "kubernetes", "random", "pulumi"];

/** How Pulumi writes an encrypted value: `v1:<nonce>:<ciphertext>` (passphrase) or base64 (cloud KMS / service). */
const CIPHERTEXT = /^(?:v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9+/]{24,}={0,2})$/;

/** Why a `secure:` entry is not well-formed ciphertext; never quotes the value, which may be a secret in plain text. */
export function secureProblem(value: Record<string, unknown>): string | undefined {
    const extra = Object.keys(value).filter(key => key !== "secure");
    if (extra.length > 0) {
        return `a secure value holds only \`secure: <ciphertext>\`, but also has ${extra.map(key => `"${key}"`).join(", ")}`;
    }
    const secure = value.secure;
    const kind = secure === null ? "null" : Array.isArray(secure) ? "a list" : typeof secure === "string" && secure.trim() === "" ? "an empty string" : typeof secure;
    if (typeof secure !== "string" || secure.trim() === "") {
        return `expected \`secure:\` to hold ciphertext written by \`pulumi config set --secret\`, got ${kind}`;
    }
    return CIPHERTEXT.test(secure) ? undefined : "expected `secure:` to hold ciphertext written by `pulumi config set --secret`, got text that is not ciphertext";
}

/** A stack file's program config, split into plain and encrypted keys, with every structural problem. */
export interface SplitConfig {
    readonly config: Record<string, unknown>;
    readonly secureKeys: string[];
    readonly problems: string[];
}

export function splitStackDocument(doc: unknown, project: string): SplitConfig {
    const split: SplitConfig = { config: {}, secureKeys: [], problems: [] };
    if (doc === undefined || doc === null) {
        return split;
    }
    if (typeof doc !== "object" || Array.isArray(doc)) {
        split.problems.push(`(file): expected a mapping with a "config" section, got ${Array.isArray(doc) ? "a list" : typeof doc}`);
        return split;
    }
    for (const key of Object.keys(doc).filter(key => !STACK_FILE_KEYS.includes(key))) {
        split.problems.push(`${key}: unknown key of a stack file (${suggestion(key, STACK_FILE_KEYS)})`);
    }
    const config = (doc as Record<string, unknown>).config;
    if (config === undefined || config === null) {
        return split;
    }
    if (typeof config !== "object" || Array.isArray(config)) {
        split.problems.push(`config: expected a mapping of <namespace>:<key> settings, got ${Array.isArray(config) ? "a list" : typeof config}`);
        return split;
    }
    const namespaces = [project, ...PROVIDER_NAMESPACES];
    for (const [fullKey, value] of Object.entries(config)) {
        const at = fullKey.indexOf(":");
        const namespace = at < 0 ? "" : fullKey.slice(0, at);
        const key = fullKey.slice(at + 1);
        if (at <= 0 || key === "") {
            split.problems.push(`${fullKey}: expected a namespaced key like ${project}:${fullKey || "domain"}`);
        } else if (!namespaces.includes(namespace)) {
            const close = nearest(namespace, namespaces);
            split.problems.push(`${fullKey}: unknown config namespace "${namespace}" (${close ? `did you mean "${close}:${key}"?` : `namespaces: ${namespaces.join(", ")}`})`);
        } else if (namespace !== project) {
            continue;
        } else if (value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
            const problem = secureProblem(value as Record<string, unknown>);
            if (problem) {
                split.problems.push(`${key}: ${problem}`);
            } else {
                split.secureKeys.push(key);
            }
        } else {
            split.config[key] = value;
        }
    }
    return split;
}
