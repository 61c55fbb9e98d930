import * as pulumi from "@pulumi/pulumi";
import { mockOutputsFor, stableId } from "./mockOutputs";

/** The signature the SDK puts on a serialized secret value. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** One resource the program registered, with the options the engine would have seen. */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** The URN of the parent ("" for resources parented to the stack). */
    readonly parent: string;
    readonly custom: boolean;
    readonly id: string;
    readonly inputs: Record<string, any>;
    /** The state the mock returned: the inputs plus realistic computed outputs. */
    readonly state: Record<string, any>;
    readonly protect: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly retainOnDelete: boolean;
    readonly ignoreChanges: readonly string[];
    readonly provider: string;
    /** Dotted paths of input values sent as secrets (e.g. `stringData.DATABASE_URL`). */
    readonly secretInputPaths: readonly string[];
    /** Input key -> URNs of the resources its value was built from, as the engine records it. */
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
}

/** The outputs of another stack, as a StackReference would read them. */
export interface StackReferenceFixture {
    readonly outputs: Record<string, unknown>;
    readonly secretOutputNames?: readonly string[];
}

export interface MockRuntimeOptions {
    readonly project: string;
    readonly stack: string;
    /** Stack config, keys without the project prefix (they are namespaced here). */
    readonly config?: Record<string, unknown>;
    /** Config keys (without prefix) that hold secrets. */
    readonly secretConfigKeys?: readonly string[];
    /** Other stacks' outputs, by fully qualified stack name (`org/project/stack`). */
    readonly stackReferences?: Record<string, StackReferenceFixture>;
    /** Invoke results by function token; any other invoke throws. */
    readonly invokes?: Record<string, (args: Record<string, any>) => Record<string, any>>;
}

/** Walks a serialized property struct and lists the paths of values marked secret. */
export function findSecretPaths(value: unknown, path = ""): string[] {
    if (value === null || typeof value !== "object") {
        return [];
    }
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG_KEY] === SECRET_SIG_VALUE) {
        return [path];
    }
    return Object.entries(record).flatMap(([key, child]) =>
        findSecretPaths(child, path === "" ? key : `${path}.${key}`));
}

function propertyDependenciesOf(request: any): Record<string, string[]> {
    const dependencies: Record<string, string[]> = {};
    // A read (StackReference, `get`) has no property dependencies.
    request.getPropertydependenciesMap?.().forEach((entry: any, key: string) => {
        dependencies[key] = entry.getUrnsList();
    });
    return dependencies;
}

/**
 * The engine marks a provider's declared secret outputs (`additionalSecretOutputs`) as secrets; the
 * mock monitor does not, so this does it here and secret tracking behaves as in a real deployment.
 */
function markSecretOutputs(state: Record<string, any>, secretNames: readonly string[]): Record<string, any> {
    const marked = { ...state };
    for (const key of secretNames) {
        if (key in marked) {
            marked[key] = { [SECRET_SIG_KEY]: SECRET_SIG_VALUE, value: marked[key] };
        }
    }
    return marked;
}

/**
 * Pulumi mocks that answer with realistic values, refuse invokes nobody mocked, and record every
 * registration together with its resource options (the SDK's mock hook drops `protect`,
 * `deleteBeforeReplace` and the rest, so the monitor's request is read here too).
 */
export class PlatformMocks implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    private pendingRequest: any;
    private pendingUrn: string | undefined;

    constructor(private readonly options: MockRuntimeOptions) {}

    /** Called by the monitor just before `newResource`, with the request and the URN it will answer. */
    captureRequest(request: any, urn: string): void {
        this.pendingRequest = request;
        this.pendingUrn = urn;
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
        const request = this.pendingRequest;
        const urn = this.pendingUrn ?? `urn:pulumi:${this.options.stack}::${this.options.project}::${args.type}::${args.name}`;
        this.pendingRequest = undefined;
        this.pendingUrn = undefined;
        const id = args.id || stableId(`${args.type}::${args.name}`);
        const state = args.type === "pulumi:pulumi:StackReference"
            ? this.stackReferenceState(args.inputs.name ?? args.name)
            : markSecretOutputs(mockOutputsFor(args.type, args.name, id, args.inputs),
                request?.getAdditionalsecretoutputsList?.() ?? []);
        const parent = request?.getParent?.() ?? "";
        this.resources.push({
            type: args.type,
            name: args.name,
            urn,
            parent,
            custom: args.custom ?? true,
            id,
            inputs: args.inputs,
            state,
            protect: request?.getProtect?.() === true,
            deleteBeforeReplace: request?.getDeletebeforereplace?.() === true,
            retainOnDelete: request?.getRetainondelete?.() === true,
            ignoreChanges: request?.getIgnorechangesList?.() ?? [],
            provider: args.provider ?? "",
            secretInputPaths: request ? findSecretPaths((request.getObject?.() ?? request.getProperties()).toJavaScript()) : [],
            propertyDependencies: request ? propertyDependenciesOf(request) : {},
        });
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        const handler = this.options.invokes?.[args.token];
        if (!handler) {
            throw new Error(`unexpected invoke ${args.token}: the program must not call a function the mocks do not answer`);
        }
        return handler(args.inputs);
    }

    private stackReferenceState(stackName: string): Record<string, any> {
        const fixture = this.options.stackReferences?.[stackName];
        if (!fixture) {
            throw new Error(`stack reference to "${stackName}" has no outputs in this evaluation`);
        }
        return { name: stackName, outputs: fixture.outputs, secretOutputNames: fixture.secretOutputNames ?? [] };
    }
}

/**
 * Installs the mock runtime for one evaluation: config (namespaced `<project>:<key>`), secret keys,
 * and the recording mocks. Call before any resource is constructed.
 */
export function installMockRuntime(options: MockRuntimeOptions): PlatformMocks {
    const mocks = new PlatformMocks(options);
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.config ?? {})) {
        config[`${options.project}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    const secretKeys = (options.secretConfigKeys ?? []).map(key => `${options.project}:${key}`);
    pulumi.runtime.setAllConfig(config, secretKeys);
    pulumi.runtime.setMocks(mocks, options.project, options.stack, false);
    const monitor: any = (pulumi.runtime as any).getMonitor();
    for (const method of ["registerResource", "readResource"]) {
        const original = monitor[method].bind(monitor);
        monitor[method] = (request: any, callback: any) => {
            // The same URN the monitor answers with, so parents and dependencies match recorded URNs.
            mocks.captureRequest(request, monitor.newUrn(request.getParent(), request.getType(), request.getName()));
            return original(request, callback);
        };
    }
    return mocks;
}
