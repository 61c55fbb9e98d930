import { evaluate, Evaluation, resolveOutput } from "../../infra/offline/evaluate";
import { MockRuntimeOptions, RecordedResource } from "../../infra/offline/mockRuntime";

export { evaluate, resolveOutput };
export type { Evaluation, RecordedResource };

/** Runs a program under the recording mocks with a test project/stack name. */
export function evaluateTest<T extends Record<string, unknown>>(
    program: () => T,
    options: Partial<MockRuntimeOptions> = {},
): Promise<Evaluation<T>> {
    return evaluate({ project: "blkout-platform", stack: "test", ...options }, program);
}

/** Every recorded resource of a type token. */
export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
    return resources.filter(r => r.type === type);
}

/** The single recorded resource with this name; throws with the names seen when there is none. */
export function named(resources: readonly RecordedResource[], name: string): RecordedResource {
    const found = resources.filter(r => r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one resource named ${name}, found ${found.length}: ${resources.map(r => r.name).join(", ")}`);
    }
    return found[0];
}
