// Validates Kubernetes objects against the official schemas of kubernetes-models. That package is
// ESM only, which jest's CommonJS runtime cannot load, so tests/support/k8sValidate.ts runs this file
// in a plain node process: a JSON array of objects on stdin, a JSON array of error lists on stdout.
import { readFileSync } from "fs";

async function modelFor(apiVersion, kind) {
    try {
        const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
        return module[kind];
    } catch {
        return undefined;
    }
}

async function errorsOf(object) {
    if (typeof object?.apiVersion !== "string" || typeof object?.kind !== "string") {
        return ["apiVersion/kind: missing"];
    }
    const Model = await modelFor(object.apiVersion, object.kind);
    if (!Model) {
        return [`${object.apiVersion}/${object.kind}: no schema in kubernetes-models`];
    }
    try {
        new Model(object).validate();
        return [];
    } catch (error) {
        const details = error.errors ?? [];
        return details.length > 0
            ? details.map(e => `${e.instancePath || "/"}: ${e.message ?? e.keyword}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`)
            : [String(error.message ?? error)];
    }
}

const objects = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const object of objects) {
    results.push(await errorsOf(object));
}
process.stdout.write(JSON.stringify(results));
