import type {
    EnforcementLevel,
    Policies,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
} from "@pulumi/policy";
import { PACK_ENFORCEMENT, PACK_NAME, POLICIES } from "./catalogue";
import { resolvePackConfig, ResolvedPolicyConfig } from "./lib/packConfig";
import { nameOf, stackOf } from "./lib/resources";
import { PolicyViolation } from "./lib/violation";
import { version as PACK_VERSION } from "./package.json";

/**
 * Runs the pack's policies offline, the way the Pulumi engine runs them during `pulumi preview
 * --policy-pack policies`: every value goes through the same protobuf Struct and the same
 * deserializer and unknown-checking proxy that @pulumi/policy's analyzer server uses, so a policy
 * that reads a value unknown at preview fails here exactly as it would there. Unlike the engine,
 * which then silently downgrades a mandatory policy to advisory, the harness reports the gap.
 */

/* eslint-disable @typescript-eslint/no-var-requires -- these modules are internal to their packages and have no typings */
const { unknownCheckingProxy, UnknownValueError } = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(value: T): T;
    UnknownValueError: new (...args: any[]) => Error & { props: Array<string | symbol> };
};
const { deserializeProperties } = require("@pulumi/policy/deserialize") as {
    deserializeProperties(struct: unknown, proxySecrets: boolean): Record<string, any>;
};
const { isResourcePolicy, isStackPolicy } = require("@pulumi/policy/policy") as {
    isResourcePolicy(policy: unknown): policy is ResourceValidationPolicy;
    isStackPolicy(policy: unknown): policy is StackValidationPolicy;
};
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(value: object): unknown } };
/* eslint-enable @typescript-eslint/no-var-requires */

/** A resource to check: what the engine sends the analyzer for it. */
export interface PolicyInputResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** The inputs, in wire form: secrets as the SDK's secret envelopes, unknowns as the engine's marker. */
    readonly props: Record<string, unknown>;
    /** The outputs stack policies see; the inputs when absent. */
    readonly outputs?: Record<string, unknown>;
    readonly opts?: Partial<PolicyResourceOptions>;
    readonly provider?: PolicyProviderResource;
    readonly dependencies?: readonly string[];
    /** Input key -> URNs of the resources that value was built from. */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

export interface RunOptions {
    /** Policy pack config (the `--policy-pack-config` shape, e.g. parsed from its JSON file); invalid config throws PolicyConfigError. */
    readonly config?: unknown;
    /** @default the whole pack */
    readonly policies?: Policies;
    readonly stackTags?: Readonly<Record<string, string>>;
}

class NotApplicable extends Error {}

/** Props as the analyzer receives them: a protobuf Struct, deserialized, behind the unknown-checking proxy. */
export function engineProps(props: Record<string, unknown>): Record<string, any> {
    return unknownCheckingProxy(deserializeProperties(Struct.fromJavaScript(props), false));
}

function engineProvider(provider: PolicyProviderResource): PolicyProviderResource {
    return { ...provider, props: engineProps(provider.props) };
}

function options(opts: Partial<PolicyResourceOptions> | undefined): PolicyResourceOptions {
    return {
        protect: opts?.protect ?? false,
        ignoreChanges: [...(opts?.ignoreChanges ?? [])],
        aliases: [...(opts?.aliases ?? [])],
        customTimeouts: opts?.customTimeouts ?? { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? [])],
        ...(opts?.deleteBeforeReplace !== undefined ? { deleteBeforeReplace: opts.deleteBeforeReplace } : {}),
        ...(opts?.parent ? { parent: opts.parent } : {}),
    };
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    return (resourceClass as { __pulumiType?: string }).__pulumiType === type;
}

interface RunContext {
    readonly level: EnforcementLevel;
    readonly severity: Severity;
    readonly policy: ResourceValidationPolicy | StackValidationPolicy;
    readonly out: PolicyViolation[];
    readonly names: ReadonlyMap<string, string>;
}

function reporter(ctx: RunContext, defaultUrn?: string) {
    return (message: string, urn?: string): void => {
        const resourceUrn = defaultUrn ?? urn;
        ctx.out.push({
            policyName: ctx.policy.name,
            enforcementLevel: ctx.level,
            severity: ctx.severity,
            message,
            ...(resourceUrn ? { resourceUrn, resourceName: ctx.names.get(resourceUrn) ?? nameOf(resourceUrn), stack: stackOf(resourceUrn) } : {}),
        });
    };
}

/** Runs one validation as the analyzer server does: unknown reads and "not applicable" are verdicts, anything else a bug. */
async function runGuarded(ctx: RunContext, urn: string | undefined, run: () => void | Promise<void>): Promise<void> {
    try {
        await run();
    } catch (error) {
        if (error instanceof UnknownValueError) {
            reporter({ ...ctx, level: "advisory" }, urn)(
                `can't run policy '${ctx.policy.name}' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: ${error.message}`);
            const last = ctx.out[ctx.out.length - 1];
            ctx.out[ctx.out.length - 1] = { ...last, unknownAtPreview: { path: error.props.map(String).join("."), configuredLevel: ctx.level } };
        } else if (!(error instanceof NotApplicable)) {
            throw new Error(`policy "${ctx.policy.name}" failed${urn ? ` on ${urn}` : ""}: ${(error as Error).message}`);
        }
    }
}

function levelOf(policy: ResourceValidationPolicy | StackValidationPolicy, config: ResolvedPolicyConfig | undefined): EnforcementLevel {
    const level = config?.enforcementLevel ?? policy.enforcementLevel ?? PACK_ENFORCEMENT;
    return level === "remediate" ? "mandatory" : level;
}

/** Every violation the policies report for these resources (one stack's worth), resource policies first. */
export async function runPolicies(resources: readonly PolicyInputResource[], run: RunOptions = {}): Promise<PolicyViolation[]> {
    const policies = run.policies ?? POLICIES;
    const config = resolvePackConfig(policies, run.config ?? {});
    const stackTags: ReadonlyMap<string, string> = new Map(Object.entries(run.stackTags ?? {}));
    const names = new Map(resources.map(resource => [resource.urn, resource.name]));
    const out: PolicyViolation[] = [];
    const notApplicable = (reason?: string): never => {
        throw new NotApplicable(reason);
    };
    // The wire form (a protobuf Struct) is built once per resource; like the analyzer server, every
    // validation then gets its own freshly deserialized props, so no policy can see another's edits.
    const structs = new Map<Record<string, unknown>, ReturnType<typeof Struct.fromJavaScript>>();
    const structOf = (props: Record<string, unknown>) => {
        let struct = structs.get(props);
        if (!struct) {
            struct = Struct.fromJavaScript(props);
            structs.set(props, struct);
        }
        return struct;
    };
    const argsOf = (resource: PolicyInputResource) => ({
        props: unknownCheckingProxy(deserializeProperties(structOf(resource.props), false)),
        ...(resource.provider ? { provider: { ...resource.provider, props: unknownCheckingProxy(deserializeProperties(structOf(resource.provider.props), false)) } } : {}),
    });
    let builtStack: PolicyResource[] | undefined;
    for (const policy of policies) {
        const level = levelOf(policy, config.get(policy.name));
        if (level === "disabled") {
            continue;
        }
        const ctx: RunContext = { level, severity: policy.severity ?? "medium", policy, out, names };
        const getConfig = <T extends object>() => (config.get(policy.name)?.properties ?? {}) as T;
        if (isResourcePolicy(policy) && policy.validateResource) {
            const validations: ResourceValidation[] = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
            for (const resource of resources) {
                for (const validation of validations) {
                    await runGuarded(ctx, resource.urn, () => {
                        const { props, provider } = argsOf(resource);
                        const args: ResourceValidationArgs = {
                            type: resource.type, props, urn: resource.urn, name: resource.name, opts: options(resource.opts), stackTags,
                            ...(provider ? { provider } : {}),
                            isType: resourceClass => isTypeOf(resource.type, resourceClass),
                            asType: ((resourceClass: unknown) => (isTypeOf(resource.type, resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
                            getConfig, notApplicable,
                        };
                        return validation(args, reporter(ctx, resource.urn));
                    });
                }
            }
        } else if (isStackPolicy(policy)) {
            builtStack ??= stackResources(resources);
            const stack = builtStack;
            await runGuarded(ctx, undefined, () => policy.validateStack({ resources: stack, stackTags, getConfig, notApplicable }, reporter(ctx)));
        }
    }
    return out;
}

/** The resources as analyzeStack sees them: outputs behind the proxy, parents and dependencies linked. */
function stackResources(resources: readonly PolicyInputResource[]): PolicyResource[] {
    const built = resources.map(resource => {
        const props = engineProps(resource.outputs ?? resource.props);
        const policyResource: PolicyResource = {
            type: resource.type, props, urn: resource.urn, name: resource.name, opts: options(resource.opts),
            dependencies: [], propertyDependencies: {},
            ...(resource.provider ? { provider: engineProvider(resource.provider) } : {}),
            isType: resourceClass => isTypeOf(resource.type, resourceClass),
            asType: ((resourceClass: unknown) => (isTypeOf(resource.type, resourceClass) ? props : undefined)) as PolicyResource["asType"],
        };
        return policyResource;
    });
    const byUrn = new Map(built.map(resource => [resource.urn, resource]));
    const lookup = (urns: readonly string[] | undefined) => (urns ?? []).map(urn => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined);
    resources.forEach((resource, index) => {
        const target = built[index];
        const parent = resource.opts?.parent ? byUrn.get(resource.opts.parent) : undefined;
        if (parent) {
            target.parent = parent;
        }
        target.dependencies = lookup(resource.dependencies);
        target.propertyDependencies = Object.fromEntries(Object.entries(resource.propertyDependencies ?? {}).map(([key, urns]) => [key, lookup(urns)]));
    });
    return built;
}
