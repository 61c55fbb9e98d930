import { POLICIES } from "../../policies/catalogue";
import { PolicyInputResource, runPolicies } from "../../policies/harness";
import { PackConfig } from "../../policies/lib/packConfig";
import { PolicyViolation } from "../../policies/lib/violation";

/** Builders for minimal policy inputs, shaped the way the engine sends them. */

export interface ResourceOptions {
    readonly stack?: string;
    readonly protect?: boolean;
    readonly deleteBeforeReplace?: boolean;
    /** Gives the resource an output `id` (what stack policies match references against). */
    readonly id?: string;
    /** Input key -> the resources that value was built from. */
    readonly deps?: Readonly<Record<string, readonly PolicyInputResource[]>>;
    readonly outputs?: Record<string, unknown>;
}

export function urnOf(type: string, name: string, stack = "blue"): string {
    return `urn:pulumi:${stack}::blkout-platform::${type}::${name}`;
}

export function resource(type: string, name: string, props: Record<string, unknown>, options: ResourceOptions = {}): PolicyInputResource {
    const propertyDependencies = Object.fromEntries(Object.entries(options.deps ?? {}).map(([key, from]) => [key, from.map(r => r.urn)]));
    return {
        type,
        name,
        urn: urnOf(type, name, options.stack),
        props,
        outputs: { ...props, ...(options.id ? { id: options.id } : {}), ...options.outputs },
        opts: { protect: options.protect ?? false, ...(options.deleteBeforeReplace !== undefined ? { deleteBeforeReplace: options.deleteBeforeReplace } : {}) },
        propertyDependencies,
        dependencies: Object.values(propertyDependencies).flat(),
    };
}

/** A deep copy of `value` with the property at a dotted path set (or removed, for undefined). */
export function tweak<T>(value: T, path: string, replacement: unknown): T {
    const copy = structuredClone(value) as any;
    const keys = path.split(".");
    const parent = keys.slice(0, -1).reduce((node, key) => node[key], copy);
    const last = keys[keys.length - 1];
    if (replacement === undefined) {
        delete parent[last];
    } else {
        parent[last] = replacement;
    }
    return copy;
}

/** A resource with its props tweaked at a path (the rest of the input unchanged). */
export function withProp(input: PolicyInputResource, path: string, value: unknown): PolicyInputResource {
    const props = tweak(input.props, path, value);
    return { ...input, props, outputs: { ...tweak(input.outputs ?? {}, path, value) } };
}

/** Runs one policy of the pack, by name, over the resources. */
export async function verdicts(policyName: string, resources: readonly PolicyInputResource[], config?: PackConfig): Promise<PolicyViolation[]> {
    const policies = POLICIES.filter(policy => policy.name === policyName);
    if (policies.length !== 1) {
        throw new Error(`no policy named ${policyName}`);
    }
    return runPolicies(resources, { policies, ...(config ? { config } : {}) });
}

/** A case per policy: a compliant stack it passes, and minimal breaches it must catch. */
export interface PolicyCase {
    readonly policy: string;
    readonly compliant: () => PolicyInputResource[];
    readonly violations: ReadonlyArray<{
        readonly title: string;
        readonly resources: () => PolicyInputResource[];
        readonly message: RegExp;
        readonly config?: PackConfig;
    }>;
}
