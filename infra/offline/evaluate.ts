import * as pulumi from "@pulumi/pulumi";
import { installMockRuntime, MockRuntimeOptions, RecordedResource } from "./mockRuntime";

// Not re-exported by the SDK's public index; it resolves when every outstanding registration is done.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** A stack output after evaluation: its plain value, and whether the SDK tracks it as secret. */
export interface ResolvedOutput {
    readonly value: unknown;
    readonly secret: boolean;
}

/** The plain values of resolved outputs, by key (what another stack or a summary reads). */
export function outputValues(outputs: Record<string, ResolvedOutput>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
}

export interface Evaluation<T> {
    readonly resources: readonly RecordedResource[];
    readonly result: T;
    readonly outputs: Record<string, ResolvedOutput>;
}

/** Waits until the mock monitor has answered every registration the program made so far. */
export async function settle(): Promise<void> {
    await waitForRPCs();
    await new Promise(resolve => setImmediate(resolve));
    await waitForRPCs();
}

/**
 * Resolves an Output (or plain value) to its value and secretness. Reads the Output's own promise
 * rather than `apply`, so a failed registration rejects here instead of hanging.
 */
export async function resolveOutput(value: unknown): Promise<ResolvedOutput> {
    const output = pulumi.output(value as pulumi.Input<unknown>) as any;
    const [resolved, secret] = await Promise.all([output.promise() as Promise<unknown>, output.isSecret as Promise<boolean>]);
    return { value: resolved, secret };
}

/**
 * Runs a program under the recording mock runtime and returns every resource it registered and its
 * outputs resolved. Used by the offline preview and by the tests, so both see the same evaluation.
 */
export async function evaluate<T extends Record<string, unknown>>(
    options: MockRuntimeOptions,
    program: () => T | Promise<T>,
): Promise<Evaluation<T>> {
    const mocks = installMockRuntime(options);
    const result = await program();
    const outputs: Record<string, ResolvedOutput> = {};
    for (const [key, value] of Object.entries(result)) {
        outputs[key] = await resolveOutput(value);
    }
    await settle();
    return { resources: mocks.resources, result, outputs };
}
