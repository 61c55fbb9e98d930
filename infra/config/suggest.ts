import { z } from "zod";

/**
 * "Did you mean" for misspelt config keys and namespaces: a typo must be an error that names the
 * key the author meant, never a silently dropped setting.
 */

/** Levenshtein distance, with a cap so a long hostile key costs O(n * cap) at most. */
export function editDistance(a: string, b: string, cap = 64): number {
    if (Math.abs(a.length - b.length) > cap || a.length > 256 || b.length > 256) {
        return cap + 1;
    }
    let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/** The closest candidate, when it is close enough to be the likely intent (at most a third of the word edited). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of candidates) {
        const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
        if (distance < bestDistance) {
            best = candidate;
            bestDistance = distance;
        }
    }
    return best !== undefined && bestDistance <= Math.max(2, Math.ceil(best.length / 3)) ? best : undefined;
}

/** ` (did you mean "x"?)`, or a list of what is valid when nothing is close. */
export function suggestion(word: string, candidates: readonly string[]): string {
    const close = nearest(word, candidates);
    if (close !== undefined) {
        return `did you mean "${close}"?`;
    }
    return candidates.length > 0 ? `valid keys: ${candidates.join(", ")}` : "no keys are valid here";
}

type AnySchema = z.core.$ZodType;

/** The object shapes a schema can take at its top (through defaults, optionals, pipes and unions). */
function shapesOf(schema: AnySchema | undefined, depth = 0): Array<Record<string, AnySchema>> {
    if (schema === undefined || depth > 16) {
        return [];
    }
    // zod's definitions are a union of many shapes; only these few fields are read, each checked before use.
    const def = schema._zod.def as unknown as { type?: string; shape?: unknown; options?: unknown; innerType?: unknown; in?: unknown; schema?: unknown };
    if (def.type === "object") {
        return [def.shape as Record<string, AnySchema>];
    }
    if (def.type === "union") {
        return (def.options as AnySchema[]).flatMap(option => shapesOf(option, depth + 1));
    }
    const inner = def.innerType ?? def.in ?? def.schema;
    return inner ? shapesOf(inner as AnySchema, depth + 1) : [];
}

/** The valid keys of the section at `path` of a schema (all options of a union together). */
export function keysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
    let shapes = shapesOf(schema);
    for (const key of path) {
        shapes = shapes.flatMap(shape => shapesOf(shape[String(key)]));
    }
    return [...new Set(shapes.flatMap(shape => Object.keys(shape)))];
}
