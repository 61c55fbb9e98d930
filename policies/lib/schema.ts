import type { PolicyConfigJSONSchema, PolicyConfigJSONSchemaDefinition } from "@pulumi/policy/schema";
import { isRecord } from "./resources";

/**
 * The JSON-schema subset the pack's config schemas use, checked the way the Pulumi CLI checks
 * `--policy-pack-config` (it fills each policy's defaults, then validates against the schema), so
 * the offline preview refuses the same bad config the CLI would. The keyword list is closed: a
 * schema using anything else is a programming error (see `unsupportedKeywords`), so a keyword can
 * never be silently ignored here while the CLI enforces it.
 */

export const SUPPORTED_KEYWORDS: readonly string[] = Object.freeze([
    "type", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "pattern", "items", "minItems", "maxItems", "uniqueItems",
    "properties", "required", "additionalProperties", "description", "default",
]);

/** Keywords of a schema (and its nested schemas) that `schemaProblems` does not understand. */
export function unsupportedKeywords(schema: PolicyConfigJSONSchemaDefinition, path = ""): string[] {
    if (typeof schema === "boolean") {
        return [];
    }
    const own = Object.keys(schema).filter(key => !SUPPORTED_KEYWORDS.includes(key)).map(key => `${path}${key}`);
    const nested: Array<[string, PolicyConfigJSONSchemaDefinition]> = [
        ...Object.entries(schema.properties ?? {}).map(([key, child]): [string, PolicyConfigJSONSchemaDefinition] => [`${path}properties.${key}.`, child]),
        ...(schema.items !== undefined && !Array.isArray(schema.items) ? [[`${path}items.`, schema.items] as [string, PolicyConfigJSONSchemaDefinition]] : []),
        ...(isRecord(schema.additionalProperties) ? [[`${path}additionalProperties.`, schema.additionalProperties] as [string, PolicyConfigJSONSchemaDefinition]] : []),
    ];
    return [...own, ...nested.flatMap(([childPath, child]) => unsupportedKeywords(child, childPath))];
}

function typeName(value: unknown): string {
    if (value === null) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "array";
    }
    return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
    switch (type) {
        case "integer":
            return Number.isInteger(value);
        case "number":
            return typeof value === "number" && Number.isFinite(value);
        case "object":
            return isRecord(value);
        default:
            return typeName(value) === type;
    }
}

const ARTICLE: Record<string, string> = { integer: "an integer", array: "a list", object: "a mapping", null: "null" };

function typeText(types: readonly string[]): string {
    return types.map(type => ARTICLE[type] ?? `a ${type}`).join(" or ");
}

/** Every way `value` breaks `schema`, each prefixed with its key path. */
export function schemaProblems(schema: PolicyConfigJSONSchemaDefinition, value: unknown, path: string): string[] {
    if (schema === true) {
        return [];
    }
    if (schema === false) {
        return [`${path}: is not allowed`];
    }
    const got = JSON.stringify(value);
    if (schema.type !== undefined) {
        const types = Array.isArray(schema.type) ? schema.type : [schema.type];
        if (!types.some(type => matchesType(value, type))) {
            return [`${path}: expected ${typeText(types)}, got ${got}`];
        }
    }
    if (schema.enum !== undefined && !schema.enum.some(option => JSON.stringify(option) === got)) {
        return [`${path}: expected one of ${schema.enum.map(option => JSON.stringify(option)).join(", ")}, got ${got}`];
    }
    const problems: string[] = [];
    if (typeof value === "number") {
        problems.push(...numberProblems(schema, value, path));
    }
    if (typeof value === "string") {
        problems.push(...stringProblems(schema, value, path));
    }
    if (Array.isArray(value)) {
        problems.push(...arrayProblems(schema, value, path));
    }
    if (isRecord(value)) {
        problems.push(...objectProblems(schema, value, path));
    }
    return problems;
}

function numberProblems(schema: PolicyConfigJSONSchema, value: number, path: string): string[] {
    const checks: Array<[boolean, string]> = [
        [schema.minimum !== undefined && value < schema.minimum, `at least ${schema.minimum}`],
        [schema.maximum !== undefined && value > schema.maximum, `at most ${schema.maximum}`],
        [schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum, `more than ${schema.exclusiveMinimum}`],
        [schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum, `less than ${schema.exclusiveMaximum}`],
        [schema.multipleOf !== undefined && value % schema.multipleOf !== 0, `a multiple of ${schema.multipleOf}`],
    ];
    return checks.filter(([failed]) => failed).map(([, expected]) => `${path}: expected a value ${expected}, got ${value}`);
}

function stringProblems(schema: PolicyConfigJSONSchema, value: string, path: string): string[] {
    const problems: string[] = [];
    if (schema.minLength !== undefined && value.length < schema.minLength) {
        problems.push(`${path}: expected at least ${schema.minLength} characters, got ${JSON.stringify(value)}`);
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
        problems.push(`${path}: expected at most ${schema.maxLength} characters, got ${JSON.stringify(value)}`);
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) {
        problems.push(`${path}: expected text matching /${schema.pattern}/, got ${JSON.stringify(value)}`);
    }
    return problems;
}

function arrayProblems(schema: PolicyConfigJSONSchema, value: unknown[], path: string): string[] {
    const problems: string[] = [];
    if (schema.minItems !== undefined && value.length < schema.minItems) {
        problems.push(`${path}: expected at least ${schema.minItems} item(s), got ${value.length}`);
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
        problems.push(`${path}: expected at most ${schema.maxItems} item(s), got ${value.length}`);
    }
    if (schema.uniqueItems === true && new Set(value.map(item => JSON.stringify(item))).size !== value.length) {
        problems.push(`${path}: expected no repeated items, got ${JSON.stringify(value)}`);
    }
    const items = schema.items;
    if (items !== undefined && !Array.isArray(items)) {
        value.forEach((item, index) => problems.push(...schemaProblems(items, item, `${path}[${index}]`)));
    }
    return problems;
}

function objectProblems(schema: PolicyConfigJSONSchema, value: Record<string, unknown>, path: string): string[] {
    const problems: string[] = [];
    const properties = schema.properties ?? {};
    for (const key of schema.required ?? []) {
        if (!(key in value)) {
            problems.push(`${path}.${key}: is required`);
        }
    }
    for (const [key, child] of Object.entries(value)) {
        const childSchema = properties[key] ?? schema.additionalProperties;
        if (childSchema !== undefined) {
            problems.push(...schemaProblems(childSchema, child, `${path}.${key}`));
        }
    }
    return problems;
}
