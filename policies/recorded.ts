import { isUnknown } from "@pulumi/pulumi/output";
import type { RecordedResource } from "../infra/offline/mockRuntime";
import type { PolicyInputResource } from "./harness";
import { UNKNOWN } from "./lib/references";
import { isRecord } from "./lib/resources";

/**
 * Turns the mock runtime's recorded registrations into what the engine would send the analyzer,
 * so the offline preview can run the pack over an evaluated stack.
 */

/** A recorded value in the form it crosses the wire: the runtime's unknown becomes the engine's marker. */
function wire(value: unknown): unknown {
    if (isUnknown(value)) {
        return UNKNOWN;
    }
    if (Array.isArray(value)) {
        return value.map(item => (item === undefined ? null : wire(item)));
    }
    if (isRecord(value)) {
        return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined).map(([key, item]) => [key, wire(item)]));
    }
    return value;
}

/** The engine's view of each recorded resource: inputs, outputs (with the id), options and dependencies. */
export function fromRecorded(recorded: readonly RecordedResource[]): PolicyInputResource[] {
    const byUrn = new Map(recorded.map(resource => [resource.urn, resource]));
    return recorded.map(resource => {
        const propertyDependencies = Object.fromEntries(Object.entries(resource.propertyDependencies).map(([key, urns]) => [key, [...urns]]));
        const provider = byUrn.get(resource.provider.split("::").slice(0, -1).join("::"));
        return {
            type: resource.type,
            name: resource.name,
            urn: resource.urn,
            props: wire(resource.inputs) as Record<string, unknown>,
            outputs: wire(resource.custom && resource.id ? { ...resource.state, id: resource.id } : resource.state) as Record<string, unknown>,
            opts: {
                protect: resource.protect,
                deleteBeforeReplace: resource.deleteBeforeReplace,
                ignoreChanges: [...resource.ignoreChanges],
                ...(resource.parent ? { parent: resource.parent } : {}),
            },
            ...(provider ? { provider: { type: provider.type, name: provider.name, urn: provider.urn, props: wire(provider.inputs) as Record<string, unknown> } } : {}),
            dependencies: [...new Set(Object.values(propertyDependencies).flat())],
            propertyDependencies,
        };
    });
}
