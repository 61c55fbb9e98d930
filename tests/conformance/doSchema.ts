import { readFileSync } from "fs";
import { join } from "path";

/**
 * Checks recorded DigitalOcean inputs against the provider's own schema (a trimmed copy of
 * pulumi/pulumi-digitalocean's schema.json, `oracles/`; its `source` names the commit). Every key
 * must be an input the schema declares, every value of the declared type (and enum, where the
 * schema has one), and every required input present.
 */

interface Property {
    readonly type?: string;
    readonly $ref?: string;
    readonly items?: Property;
    readonly additionalProperties?: Property;
    readonly oneOf?: readonly Property[];
    readonly enum?: ReadonlyArray<{ readonly value: unknown }>;
    readonly properties?: Readonly<Record<string, Property>>;
    readonly required?: readonly string[];
}

interface Schema {
    readonly source: string;
    readonly resources: Readonly<Record<string, { inputProperties: Record<string, Property>; requiredInputs?: string[] }>>;
    readonly types: Readonly<Record<string, Property>>;
}

export const DO_SCHEMA: Schema = JSON.parse(readFileSync(join(__dirname, "oracles", "digitalocean-4.76.0+1.schema.trimmed.json"), "utf8"));

function resolve(property: Property): Property {
    return property.$ref ? DO_SCHEMA.types[property.$ref.replace("#/types/", "")] ?? {} : property;
}

function typeProblem(path: string, value: unknown, property: Property): string[] {
    if (property.oneOf) {
        const fits = property.oneOf.filter(option => valueProblems(path, value, option).length === 0);
        return fits.length > 0 ? [] : [`${path}: ${JSON.stringify(value)} fits none of the schema's alternatives`];
    }
    const target = resolve(property);
    if (target.enum && !target.enum.some(entry => entry.value === value)) {
        return [`${path}: ${JSON.stringify(value)} is not one of ${target.enum.map(entry => JSON.stringify(entry.value)).join(", ")}`];
    }
    const type = target.type ?? (target.properties ? "object" : undefined);
    const actual = Array.isArray(value) ? "array" : typeof value;
    const expected: Record<string, (v: unknown) => boolean> = {
        string: v => typeof v === "string",
        integer: v => Number.isInteger(v),
        number: v => typeof v === "number",
        boolean: v => typeof v === "boolean",
        array: v => Array.isArray(v),
        object: v => v !== null && typeof v === "object" && !Array.isArray(v),
    };
    if (type !== undefined && expected[type] && !expected[type](value)) {
        return [`${path}: expected ${type}, got ${actual} ${JSON.stringify(value)}`];
    }
    return [];
}

function valueProblems(path: string, value: unknown, property: Property): string[] {
    const own = typeProblem(path, value, property);
    if (own.length > 0 || property.oneOf) {
        return own;
    }
    const target = resolve(property);
    if (Array.isArray(value) && target.items) {
        return value.flatMap((item, i) => valueProblems(`${path}[${i}]`, item, target.items!));
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        if (target.additionalProperties) {
            return Object.entries(value).flatMap(([key, item]) => valueProblems(`${path}.${key}`, item, target.additionalProperties!));
        }
        if (target.properties) {
            return objectProblems(path, value as Record<string, unknown>, target.properties, target.required ?? []);
        }
    }
    return [];
}

function objectProblems(path: string, value: Record<string, unknown>, properties: Readonly<Record<string, Property>>, required: readonly string[]): string[] {
    const prefix = path === "" ? "" : `${path}.`;
    return [
        ...Object.entries(value).flatMap(([key, item]) => (properties[key] === undefined
            ? [`${prefix}${key}: not an input the provider declares`]
            : item === undefined ? [] : valueProblems(`${prefix}${key}`, item, properties[key]))),
        ...required.filter(key => value[key] === undefined).map(key => `${prefix}${key}: required by the provider, missing`),
    ];
}

/** Every way `inputs` break DigitalOcean's schema for `type`; undefined when the trimmed schema lacks the type. */
export function doSchemaProblems(type: string, inputs: Record<string, unknown>): string[] | undefined {
    const resource = DO_SCHEMA.resources[type];
    return resource ? objectProblems("", inputs, resource.inputProperties, resource.requiredInputs ?? []) : undefined;
}
