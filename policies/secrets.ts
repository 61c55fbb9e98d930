import { isPodBearing, podsOf } from "./lib/pods";
import { isRecord, listOf, nameOf, recordOf, stackOf } from "./lib/resources";
import { PolicyViolation } from "./lib/violation";

/**
 * Secrets only in secrets, by source: a value that reached a resource as a secret (any Output marked
 * secret, any value from a secret config key) must not sit in a ConfigMap, a plain env value, an
 * annotation or a plain stack output. The engine unwraps secrets before a CrossGuard policy sees
 * them, so this reads the registrations' secret paths as the offline runtime records them
 * (RecordedResource.secretInputPaths) and the outputs' secretness, and matches leaked copies by value.
 */

export const SECRETS_POLICY = "secrets-only-in-secrets";

export interface SecretScanResource {
    readonly type: string;
    readonly urn: string;
    readonly inputs: Record<string, unknown>;
    /** Dotted paths of inputs sent as secrets. */
    readonly secretInputPaths: readonly string[];
}

const CONFIG_MAP = /^kubernetes:core\/v1:ConfigMap(Patch)?$/;
/** Shorter strings (ports, "true") would match by accident. */
const MIN_SECRET_LENGTH = 8;

function valueAt(record: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((node, key) => (isRecord(node) || Array.isArray(node) ? (node as any)[key] : undefined), record);
}

function stringsIn(value: unknown): string[] {
    if (typeof value === "string") {
        return [value];
    }
    return Array.isArray(value) ? value.flatMap(stringsIn) : isRecord(value) ? Object.values(value).flatMap(stringsIn) : [];
}

/** Strings the stack declares in plain itself (a bucket's name), outside secret paths and the places checked here: public, never a secret. */
function publicStrings(resources: readonly SecretScanResource[]): Set<string> {
    const found = new Set<string>();
    const walk = (value: unknown, path: string, resource: SecretScanResource, checked: ReadonlySet<string>) => {
        if (resource.secretInputPaths.includes(path) || checked.has(path)) {
            return;
        }
        if (typeof value === "string") {
            found.add(value);
        } else if (Array.isArray(value) || isRecord(value)) {
            Object.entries(value).forEach(([key, child]) => walk(child, path === "" ? key : `${path}.${key}`, resource, checked));
        }
    };
    for (const resource of resources) {
        walk(resource.inputs, "", resource, new Set(plainPlaces(resource).map(([path]) => path)));
    }
    return found;
}

/** Every secret string the stack handles (from its resources' secret inputs and its secret outputs), less what it declares in plain anyway. */
export function secretValues(resources: readonly SecretScanResource[], outputs: Readonly<Record<string, { value: unknown; secret: boolean }>>): Set<string> {
    const fromInputs = resources.flatMap(resource => resource.secretInputPaths.flatMap(path => stringsIn(valueAt(resource.inputs, path))));
    const fromOutputs = Object.values(outputs).filter(output => output.secret).flatMap(output => stringsIn(output.value));
    const known = publicStrings(resources);
    return new Set([...fromInputs, ...fromOutputs].filter(value => value.length >= MIN_SECRET_LENGTH && !known.has(value)));
}

/** The plain places of a resource: path -> value (ConfigMap data, annotations, pod env values). */
function plainPlaces(resource: SecretScanResource): Array<[string, unknown]> {
    const places: Array<[string, unknown]> = [];
    if (CONFIG_MAP.test(resource.type)) {
        for (const list of ["data", "binaryData"]) {
            Object.entries(recordOf(resource.inputs[list])).forEach(([key, value]) => places.push([`${list}.${key}`, value]));
        }
    }
    Object.entries(recordOf(recordOf(resource.inputs.metadata).annotations)).forEach(([key, value]) => places.push([`metadata.annotations.${key}`, value]));
    if (isPodBearing(resource.type)) {
        for (const pod of podsOf(resource.type, resource.inputs)) {
            for (const list of ["containers", "initContainers"]) {
                listOf(pod.spec[list]).map(recordOf).forEach((container, c) => listOf(container.env).map(recordOf).forEach((env, e) => {
                    places.push([`${pod.specPath}.${list}.${c}.env.${e}.value`, env.value]);
                }));
            }
        }
    }
    return places;
}

function violation(urn: string | undefined, stack: string, message: string): PolicyViolation {
    return {
        policyName: SECRETS_POLICY, enforcementLevel: "mandatory", severity: "critical", stack, message,
        ...(urn ? { resourceUrn: urn, resourceName: nameOf(urn) } : {}),
    };
}

/** The SDK's signature on a serialized secret value. */
const SECRET_SIG = ["4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"] as const;

/** Inputs with secret envelopes unwrapped, and the envelopes' paths added to the secret paths. */
function unwrapped(resource: SecretScanResource): SecretScanResource {
    const paths = new Set(resource.secretInputPaths);
    const walk = (value: unknown, path: string): unknown => {
        if (isRecord(value) && value[SECRET_SIG[0]] === SECRET_SIG[1]) {
            // An envelope can be mere propagation (an object holding one secret member is sent whole
            // as a secret); where the runtime recorded the secret members inside it, those paths win.
            if (!resource.secretInputPaths.some(secret => secret.startsWith(`${path}.`))) {
                paths.add(path);
            }
            return walk(value.value, path);
        }
        if (Array.isArray(value)) {
            return value.map((item, index) => walk(item, path === "" ? String(index) : `${path}.${index}`));
        }
        return isRecord(value) ? Object.fromEntries(Object.entries(value).map(([key, child]) => [key, walk(child, path === "" ? key : `${path}.${key}`)])) : value;
    };
    const inputs = walk(resource.inputs, "") as Record<string, unknown>;
    return { ...resource, inputs, secretInputPaths: [...paths] };
}

/** Every place a secret sits in plain text: by its secret source path first, then by its value. */
export function secretLeaks(
    recorded: readonly SecretScanResource[],
    outputs: Readonly<Record<string, { value: unknown; secret: boolean }>>,
): PolicyViolation[] {
    const resources = recorded.map(unwrapped);
    const secrets = secretValues(resources, outputs);
    const leaks: PolicyViolation[] = [];
    const fix = "Fix: put it in a Secret and reference it (envFrom/secretKeyRef, a mounted Secret volume), or export it with pulumi.secret.";
    for (const resource of resources) {
        const stack = stackOf(resource.urn);
        for (const [path, value] of plainPlaces(resource)) {
            const bySource = resource.secretInputPaths.some(secret => secret === path || path.startsWith(`${secret}.`) || secret.startsWith(`${path}.`)
                || secret.replace(/\.\d+\./g, ".") === path.replace(/\.\d+\./g, "."));
            const byValue = stringsIn(value).some(text => [...secrets].some(secret => text.includes(secret)));
            if (bySource || byValue) {
                leaks.push(violation(resource.urn, stack, `${resource.type.split(":").pop()} "${nameOf(resource.urn)}" holds a secret in plain text at ${path}. ${fix}`));
            }
        }
    }
    for (const [key, output] of Object.entries(outputs)) {
        if (!output.secret && stringsIn(output.value).some(text => [...secrets].some(secret => text.includes(secret)))) {
            leaks.push(violation(undefined, "", `stack output "${key}" exports a secret in plain text. ${fix}`));
        }
    }
    return leaks;
}
