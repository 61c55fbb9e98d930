import type {
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { stackOf } from "./resources";

/**
 * Builders for the pack's policies: each policy states why it exists, how bad a breach is, how to
 * fix one, and the thresholds a team may tune (config with a JSON schema whose defaults are the
 * seeds' numbers). Every message carries its own fix, so a failed preview says what to change.
 */

export interface PolicySpec {
    readonly name: string;
    /** Why the rule exists (shown by the CLI above every violation). */
    readonly description: string;
    readonly severity: Severity;
    /** @default "mandatory": a rule is advisory only when its description says why. */
    readonly enforcementLevel?: EnforcementLevel;
    /** The general way out; each message adds the specific change. */
    readonly remediationSteps: string;
    /** Tunable thresholds; every property has a default. */
    readonly config?: Record<string, PolicyConfigJSONSchema>;
}

/** A failure: what is wrong, then the change that fixes it. */
export type Fail = (problem: string, fix: string, urn?: string) => void;

export interface CheckContext {
    /** Config with the schema's defaults filled in (the CLI fills them too; offline they come from here). */
    readonly config: Record<string, any>;
    readonly stack: string;
    readonly fail: Fail;
}

export interface ResourceCheckContext extends CheckContext {
    readonly args: ResourceValidationArgs;
}

export interface StackCheckContext extends CheckContext {
    readonly args: StackValidationArgs;
    /** The stack's resources of one type. */
    ofType(type: string): PolicyResource[];
}

/** The config a policy runs with: its schema defaults overlaid by what the engine passed. */
function configOf(spec: PolicySpec, given: Record<string, unknown>): Record<string, any> {
    const defaults = Object.fromEntries(Object.entries(spec.config ?? {}).map(([key, schema]) => [key, schema.default]));
    return { ...defaults, ...given };
}

function failWith(report: ReportViolation): Fail {
    return (problem, fix, urn) => report(`${problem} Fix: ${fix}`, urn);
}

function metadata(spec: PolicySpec): Omit<ResourceValidationPolicy, "validateResource"> {
    const configSchema: PolicyConfigSchema | undefined = spec.config ? { properties: { ...spec.config } } : undefined;
    return {
        name: spec.name,
        description: spec.description,
        severity: spec.severity,
        enforcementLevel: spec.enforcementLevel ?? "mandatory",
        remediationSteps: spec.remediationSteps,
        ...(configSchema ? { configSchema } : {}),
    };
}

/** A policy run on each resource of the given types (the inputs the program declared). */
export function resourcePolicy(
    spec: PolicySpec & {
        readonly types: readonly string[];
        /** Also run on types this accepts (e.g. every pod-bearing kind in any API version). */
        readonly matches?: (type: string) => boolean;
        check(props: any, ctx: ResourceCheckContext): void;
    },
): ResourceValidationPolicy {
    const types = new Set(spec.types);
    return {
        ...metadata(spec),
        validateResource: (args, report) => {
            if (!types.has(args.type) && !(spec.matches?.(args.type) ?? false)) {
                return;
            }
            spec.check(args.props, { args, config: configOf(spec, args.getConfig()), stack: stackOf(args.urn), fail: failWith(report) });
        },
    };
}

/** A policy run once over the whole stack (resources with their outputs, options and dependencies). */
export function stackPolicy(spec: PolicySpec & { check(ctx: StackCheckContext): void }): StackValidationPolicy {
    return {
        ...metadata(spec),
        validateStack: (args, report) => {
            const stack = args.resources.map(resource => stackOf(resource.urn)).find(name => name !== "") ?? "";
            spec.check({
                args,
                config: configOf(spec, args.getConfig()),
                stack,
                fail: failWith(report),
                ofType: type => args.resources.filter(resource => resource.type === type),
            });
        },
    };
}

/** Config shared by the rules that apply only in production: which stacks are production. */
export const PRODUCTION_STACKS: Record<string, PolicyConfigJSONSchema> = {
    productionStacks: {
        type: "array",
        items: { type: "string", minLength: 1 },
        description: "Stack names that serve the public; production-only rules apply to these.",
        default: ["blue", "green"],
    },
};

export function isProduction(ctx: CheckContext): boolean {
    return (ctx.config.productionStacks as string[]).includes(ctx.stack);
}
