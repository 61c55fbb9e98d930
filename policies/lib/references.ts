import type { PolicyResource } from "@pulumi/policy";
import { has } from "./resources";

/**
 * Which stack resource a property points at. Ids of resources being created are unknown during
 * preview, so comparing ids would make a mandatory stack policy fall back to advisory exactly when
 * it matters (a new stack). The engine records which resources each input was built from
 * (`propertyDependencies`); that is known at preview and is what these helpers read first.
 */

/** The key under which @pulumi/policy's unknown-checking proxy hands out its target without checks. */
const PROXY_TARGET = "__getSpecialProxyTarget";

/** The engine's marker for a value not known until the update runs. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Reads a property without the unknown check: an unknown value reads as undefined. */
export function peek(record: unknown, key: string): unknown {
    if (record === null || typeof record !== "object") {
        return undefined;
    }
    const raw = (record as Record<string, any>)[PROXY_TARGET] ?? record;
    const value = raw[key];
    return value === UNKNOWN ? undefined : value;
}

/**
 * The resources `resource.props[key]` was built from. Without recorded dependencies (a literal
 * value, e.g. an id pasted into config) it falls back to matching the value against the candidates'
 * known ids.
 */
export function referencedBy(resource: PolicyResource, key: string, candidates: readonly PolicyResource[]): PolicyResource[] {
    const dependencies = resource.propertyDependencies[key] ?? [];
    if (dependencies.length > 0) {
        return candidates.filter(candidate => dependencies.some(dependency => dependency.urn === candidate.urn));
    }
    if (!has(resource.props, key)) {
        return [];
    }
    const value = resource.props[key];
    return candidates.filter(candidate => {
        const id = peek(candidate.props, "id");
        return id !== undefined && id === value;
    });
}
