import { spawnSync } from "child_process";
import { join } from "path";
import { RecordedResource } from "../../infra/offline/mockRuntime";

/**
 * Checks recorded Kubernetes resources against the official Kubernetes schemas (kubernetes-models).
 * The validator runs in a child node process (see k8sValidate.worker.mjs); validate many objects in
 * one call with `validateKubernetesObjects` to pay for that process once.
 */

const WORKER = join(__dirname, "k8sValidate.worker.mjs");
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

/** The recorded inputs with the SDK's secret wrappers replaced by the values they wrap. */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (value === null || typeof value !== "object") {
        return value;
    }
    const record = value as Record<string, unknown>;
    if (SECRET_SIG_KEY in record) {
        return unwrapSecrets(record.value);
    }
    return Object.fromEntries(Object.entries(record).map(([key, child]) => [key, unwrapSecrets(child)]));
}

/** `kubernetes:apps/v1:Deployment` -> `{ apiVersion: "apps/v1", kind: "Deployment" }`; core is `v1`. */
export function typeMetaOf(type: string): { apiVersion: string; kind: string } | undefined {
    const match = /^kubernetes:([^/:]+)\/([^:]+):([A-Za-z]+)$/.exec(type);
    if (!match) {
        return undefined;
    }
    const [, group, version, kind] = match;
    return { apiVersion: group === "core" ? version : `${group}/${version}`, kind };
}

/** The object the provider would send to the API server, built from a recorded resource. */
export function kubernetesObjectOf(recorded: RecordedResource): Record<string, unknown> {
    const meta = typeMetaOf(recorded.type);
    if (!meta) {
        throw new Error(`${recorded.name}: ${recorded.type} is not a Kubernetes resource type`);
    }
    return { ...(unwrapSecrets(recorded.inputs) as Record<string, unknown>), ...meta };
}

/** Schema errors per object (empty list = valid), for plain objects with apiVersion and kind. */
export function validateObjects(objects: readonly unknown[]): string[][] {
    const result = spawnSync(process.execPath, [WORKER], {
        input: JSON.stringify(objects),
        encoding: "utf8",
        cwd: join(__dirname, "..", ".."),
        maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) {
        throw new Error(`kubernetes schema validator failed: ${result.stderr || result.error?.message}`);
    }
    return JSON.parse(result.stdout) as string[][];
}

/** Schema errors of each recorded Kubernetes resource, each prefixed with the resource's name. */
export function validateKubernetesObjects(recorded: readonly RecordedResource[]): string[][] {
    return validateObjects(recorded.map(kubernetesObjectOf)).map((errors, i) =>
        errors.map(error => `${recorded[i].name} (${recorded[i].type}) ${error}`));
}

/** Schema errors of one recorded Kubernetes resource; empty when it is valid. */
export function validateKubernetesObject(recorded: RecordedResource): string[] {
    return validateKubernetesObjects([recorded])[0];
}

/** The recorded resources that are Kubernetes objects (not providers or components). */
export function kubernetesResources(resources: readonly RecordedResource[]): RecordedResource[] {
    return resources.filter(r => r.custom && typeMetaOf(r.type) !== undefined);
}
