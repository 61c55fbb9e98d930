import { spawn } from "child_process";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { resolveOutput } from "../../infra/offline/evaluate";
import { installMockRuntime, StackReferenceFixture } from "../../infra/offline/mockRuntime";
import { OFFLINE_INVOKES } from "../../infra/offline/mockOutputs";
import { selfStackName } from "../../infra/traffic/previous";
import { runTrafficProgram } from "../../infra/traffic/program";

/**
 * Evaluates the traffic program in a child process, for the paths where it fails inside an Output.
 * The SDK reports such a failure through unhandled promise rejections (the engine's language host
 * catches them); under jest those would fail whichever test runs next, so the child catches them the
 * way the Pulumi runtime does (one report per error object, RunErrors without their stack) and says
 * what it saw.
 */

export interface ChildScenario {
    readonly config: Record<string, unknown>;
    readonly stackReferences: Record<string, StackReferenceFixture>;
    /** What the traffic stack's previous update exported (its self-reference); none by default. */
    readonly previous?: Record<string, unknown>;
    /** Replaces the load balancer's `randomSteering` in the state the mock provider returns. */
    readonly loadBalancerSteering?: Record<string, unknown>;
}

export interface ChildResult {
    /** The error the first failing stack output rejected with. */
    readonly outputError?: { readonly runError: boolean; readonly message: string };
    /** What the engine would print: one entry per distinct error, stacks only for non-RunErrors. */
    readonly reported: readonly string[];
    /** `type::name` of every resource the mock provider was asked to create. */
    readonly registered: readonly string[];
}

const LOAD_BALANCER = "cloudflare:index/loadBalancer:LoadBalancer";
const TSX = path.resolve(__dirname, "..", "..", "node_modules", ".bin", "tsx");

export function evaluateInChild(scenario: ChildScenario): Promise<ChildResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(TSX, [__filename, JSON.stringify(scenario)], { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", chunk => { stdout += chunk; });
        child.stderr.on("data", chunk => { stderr += chunk; });
        child.on("error", reject);
        child.on("close", code => {
            const last = stdout.trim().split("\n").pop() ?? "";
            try {
                resolve(JSON.parse(last) as ChildResult);
            } catch {
                reject(new Error(`child evaluation exited ${code} without a result:\n${stdout}\n${stderr}`));
            }
        });
    });
}

/** Lets every promise chain the failure started run to its end. */
async function drain(): Promise<void> {
    for (let i = 0; i < 20; i++) {
        await new Promise(resolve => setImmediate(resolve));
    }
}

async function main(scenario: ChildScenario): Promise<ChildResult> {
    const seen = new Set<unknown>();
    const reported: string[] = [];
    const report = (error: unknown) => {
        if (!seen.has(error)) {
            seen.add(error);
            reported.push(pulumi.RunError.isInstance(error) ? error.message : `unhandled exception: ${(error as Error)?.stack ?? String(error)}`);
        }
    };
    process.on("unhandledRejection", report);
    process.on("uncaughtException", report);
    const self = selfStackName(String((scenario.config.colourStacks as Record<string, unknown> | undefined)?.blue), "blkout-traffic", "production");
    const stackReferences = { [self]: { outputs: scenario.previous ?? {} }, ...scenario.stackReferences };
    const mocks = installMockRuntime({ project: "blkout-traffic", stack: "production", ...scenario, stackReferences, invokes: OFFLINE_INVOKES });
    const newResource = mocks.newResource.bind(mocks);
    mocks.newResource = args => {
        const created = newResource(args);
        if (args.type === LOAD_BALANCER && scenario.loadBalancerSteering) {
            created.state.randomSteering = scenario.loadBalancerSteering;
        }
        return created;
    };
    let outputError: ChildResult["outputError"];
    for (const value of Object.values(await runTrafficProgram())) {
        try {
            await resolveOutput(value);
        } catch (error) {
            report(error);
            outputError = { runError: pulumi.RunError.isInstance(error), message: (error as Error).message };
            break;
        }
    }
    await drain();
    return { outputError, reported, registered: mocks.resources.map(r => `${r.type}::${r.name}`) };
}

if (require.main === module) {
    main(JSON.parse(process.argv[2]) as ChildScenario).then(
        result => { process.stdout.write(`${JSON.stringify(result)}\n`); process.exit(0); },
        error => { process.stderr.write(`${(error as Error).stack}\n`); process.exit(1); },
    );
}
