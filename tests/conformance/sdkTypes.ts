import { join, resolve } from "path";
import * as ts from "typescript";

/**
 * Checks recorded resource inputs against the pinned provider SDKs' own type declarations, with the
 * TypeScript compiler: each resource's inputs become an object literal typed as the SDK's
 * `<Resource>Args`, so an unknown key (excess property, at any depth), a wrong type or a missing
 * required input is a compiler diagnostic. The same declarations' doc comments carry the
 * provider's enums ("Available values: ..."), read here as value rules.
 */

const REPO = resolve(__dirname, "..", "..");
const PACKAGES: Readonly<Record<string, string>> = {
    cloudflare: "@pulumi/cloudflare",
    digitalocean: "@pulumi/digitalocean",
    random: "@pulumi/random",
};

export interface CheckedResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

/** `cloudflare:index/loadBalancer:LoadBalancer` -> `import("@pulumi/cloudflare").LoadBalancerArgs`, for the providers checked here. */
export function argsTypeOf(type: string): string | undefined {
    const match = /^([a-z]+):index\/\w+:(\w+)$/.exec(type);
    const pkg = match ? PACKAGES[match[1]] : undefined;
    return pkg ? `import("${pkg}").${match![2]}Args` : undefined;
}

/** A provider enum found in an SDK doc comment: the property path (`rules[].action`) and its values. */
export interface DocumentedEnum {
    readonly path: string;
    readonly values: readonly string[];
}

/** The values a doc comment lists as "Available values: "a", "b"." (the SDK escapes `_` as `*`). */
export function availableValues(doc: string): string[] | undefined {
    const match = /Available values: ((?:"[^"]*"(?:, )?)+)/.exec(doc);
    return match ? [...match[1].matchAll(/"([^"]*)"/g)].map(m => m[1].replace(/\*/g, "_")) : undefined;
}

/** The declared, non-promise, non-output member of an `Input<T>` (and of `T | undefined`). */
function plainType(checker: ts.TypeChecker, type: ts.Type): ts.Type {
    const members = type.isUnion() ? type.types : [type];
    const plain = members.filter(member => {
        const name = member.getSymbol()?.getName() ?? member.aliasSymbol?.getName();
        return name !== "Promise" && name !== "OutputInstance" && !(member.flags & ts.TypeFlags.Undefined);
    });
    if (plain.length === 1 && plain[0].isUnion()) {
        return plainType(checker, plain[0]);
    }
    return plain.length === 1 ? plain[0] : type;
}

/** What the SDK declarations say about a set of recorded resources. */
export interface SdkAnalysis {
    /** Compiler diagnostics per resource name (empty when its inputs fit its Args type). */
    readonly problems: Map<string, string[]>;
    /** The documented enums of each resource type's Args. */
    readonly enums: Map<string, DocumentedEnum[]>;
}

/**
 * One compiler program over the pinned SDKs: each resource's inputs as an object literal typed as
 * its Args (line i is resource i), then one declaration per type whose Args are walked for enums.
 */
export function analyseWithSdk(resources: readonly CheckedResource[]): SdkAnalysis {
    const file = join(REPO, "tests", "conformance", "__recorded_inputs__.ts");
    const checked = resources.filter(r => argsTypeOf(r.type) !== undefined);
    const types = [...new Set(checked.map(r => r.type))];
    const source = [
        ...checked.map((r, i) => `export const r${i}: ${argsTypeOf(r.type)} = ${JSON.stringify(r.inputs)};`),
        ...types.map((type, i) => `export declare const t${i}: ${argsTypeOf(type)};`),
    ].join("\n");
    const options: ts.CompilerOptions = {
        strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
        skipLibCheck: true, noEmit: true, types: [],
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, onError) => (name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, onError));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = name => name === file || fileExists(name);
    const program = ts.createProgram([file], options, host);
    const sourceFile = program.getSourceFile(file)!;
    const problems = new Map<string, string[]>(checked.map(r => [r.name, []]));
    for (const diagnostic of ts.getPreEmitDiagnostics(program, sourceFile)) {
        const line = diagnostic.start !== undefined ? sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line : -1;
        const owner = checked[line]?.name ?? "(generated file)";
        problems.set(owner, [...(problems.get(owner) ?? []), ts.flattenDiagnosticMessageText(diagnostic.messageText, " ")]);
    }
    const checker = program.getTypeChecker();
    const enums = new Map(types.map((type, i) => {
        const statement = sourceFile.statements[checked.length + i] as ts.VariableStatement;
        return [type, enumsOf(checker, statement.declarationList.declarations[0])];
    }));
    return { problems, enums };
}

function enumsOf(checker: ts.TypeChecker, declaration: ts.VariableDeclaration): DocumentedEnum[] {
    const found: DocumentedEnum[] = [];
    const walk = (node: ts.Type, path: string, depth: number) => {
        if (depth > 4) return;
        for (const property of checker.getPropertiesOfType(node)) {
            const here = path === "" ? property.getName() : `${path}.${property.getName()}`;
            const values = availableValues(ts.displayPartsToString(property.getDocumentationComment(checker)));
            if (values) found.push({ path: here, values });
            let inner = plainType(checker, checker.getTypeOfSymbolAtLocation(property, declaration));
            if (checker.isArrayType(inner)) {
                inner = plainType(checker, checker.getTypeArguments(inner as ts.TypeReference)[0]);
                walk(inner, `${here}[]`, depth + 1);
            } else if (inner.flags & ts.TypeFlags.Object && inner.getCallSignatures().length === 0) {
                walk(inner, here, depth + 1);
            }
        }
    };
    walk(checker.getTypeAtLocation(declaration), "", 0);
    return found;
}

/** The values at a documented path (`rules[].action`) in recorded inputs. */
export function valuesAt(inputs: unknown, path: string): unknown[] {
    return path.split(".").reduce<unknown[]>((values, key) => values.flatMap(value => {
        const array = key.endsWith("[]");
        const next = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[array ? key.slice(0, -2) : key] : undefined;
        return array ? (Array.isArray(next) ? next : []) : next === undefined ? [] : [next];
    }), [inputs]);
}
