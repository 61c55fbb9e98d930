import { parseYamlSafely, secureProblem, splitStackDocument, textDepth } from "../../infra/config/guards";
import { nearest } from "../../infra/config/suggest";
import { movingTagProblem } from "../../infra/config/values";
import { postgresConnectionLimit } from "../../infra/config/valueTables";

describe("parseYamlSafely", () => {
    it("reads 200 000 keys of one mapping (linear: the parser's quadratic duplicate check is off, ours is a Set)", () => {
        const text = `m:\n${Array.from({ length: 200000 }, (_, i) => `  k${i}: ${i}`).join("\n")}\n`;
        const { value, problems } = parseYamlSafely(text, "wide.yaml", { maxBytes: 16 * 1024 * 1024, maxDepth: 32 });
        expect(problems).toEqual([]);
        expect(Object.keys((value as { m: object }).m)).toHaveLength(200000);
    }, 60_000);

    it("still finds a duplicate among them, naming it", () => {
        const text = `m:\n${Array.from({ length: 1000 }, (_, i) => `  k${i}: ${i}`).join("\n")}\n  k7: again\n`;
        expect(parseYamlSafely(text, "f.yaml").problems).toEqual(["f.yaml: m.k7: duplicate key (a later value would silently replace the first)"]);
    });

    it("refuses 20 000 nested mappings before parsing, and files over the size cap", () => {
        expect(parseYamlSafely(`a: ${"[".repeat(20000)}${"]".repeat(20000)}`, "f.yaml").problems).toEqual(["f.yaml: nested 20001 levels deep, deeper than the limit of 32"]);
        expect(parseYamlSafely("a: 1\n", "f.yaml", { maxBytes: 3, maxDepth: 32 }).problems).toEqual(["f.yaml: 5 bytes, larger than the 3-byte limit for a stack config"]);
    });

    it("measures block nesting by indentation and ignores comments", () => {
        expect(textDepth("a:\n  b:\n    c: 1\n  d: 2\n# x\n")).toBe(3);
        expect(textDepth("a:\n  - b: 1\n")).toBe(2);
    });

    it("refuses prototype keys and more than one document", () => {
        expect(parseYamlSafely("__proto__: {x: 1}\n", "f.yaml").problems).toEqual(['f.yaml: __proto__: "__proto__" is not allowed as a key']);
        expect(parseYamlSafely("a: 1\n---\nb: 2\n", "f.yaml").problems).toEqual(["f.yaml: holds 2 YAML documents; a stack config is one"]);
    });
});

describe("stack file structure", () => {
    it("names the nearest namespace for a typo, and ignores provider namespaces", () => {
        const split = splitStackDocument({ config: { "blkout-trafic:weights": {}, "cloudflare:apiToken": "x", "blkout-traffic:hostname": "a.b" } }, "blkout-traffic");
        expect(split.problems).toEqual(['blkout-trafic:weights: unknown config namespace "blkout-trafic" (did you mean "blkout-traffic:weights"?)']);
        expect(split.config).toEqual({ hostname: "a.b" });
    });

    it.each([
        [{ secure: "" }, "got an empty string"],
        [{ secure: 42 }, "got number"],
        [{ secure: null }, "got null"],
        [{ secure: ["a"] }, "got a list"],
        [{ secure: "v1:7EyUt9xHs/pwhZ+F:Ofd6yNSmxc9eFpZrA5w5ciX+OGZrg8c=", value: "plain" }, 'but also has "value"'],
        [{ secure: "sk-live-123" }, "got text that is not ciphertext"],
    ])("refuses the secure value %j without quoting it", (value, message) => {
        const problem = secureProblem(value as Record<string, unknown>);
        expect(problem).toContain(message);
        expect(problem).not.toContain("sk-live");
    });

    it("accepts passphrase and cloud ciphertext", () => {
        expect(secureProblem({ secure: "v1:7EyUt9xHs/pwhZ+F:Ofd6yNSmxc9eFpZrA5w5ciX+OGZrg8c=" })).toBeUndefined();
        expect(secureProblem({ secure: "AAABAKx6y2vhSEHJGt6fZK6Hq3Ys8mFqS1r2" })).toBeUndefined();
    });
});

describe("value tables", () => {
    it("suggests the nearest key only when it is close", () => {
        expect(nearest("intervall", ["interval", "timeout"])).toBe("interval");
        expect(nearest("zzzzzz", ["interval", "timeout"])).toBeUndefined();
    });

    it("knows moving tags in any case and tags without a version", () => {
        expect(movingTagProblem("r/x:LATEST")).toMatch(/moving tag/);
        expect(movingTagProblem("r/x:mainline-alpine")).toMatch(/"mainline"/);
        expect(movingTagProblem("r/x:alpine")).toMatch(/names no version/);
        expect(movingTagProblem("r/x:1.27.3-alpine")).toBeUndefined();
    });

    it("derives PostgreSQL connection limits from DigitalOcean's 25 per GiB less 3", () => {
        expect(postgresConnectionLimit("db-s-1vcpu-1gb")).toBe(22);
        expect(postgresConnectionLimit("db-s-2vcpu-4gb")).toBe(97);
        expect(postgresConnectionLimit("db-s-3vcpu-3gb")).toBeUndefined();
    });
});
