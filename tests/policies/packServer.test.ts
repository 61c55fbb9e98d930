import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { POLICIES } from "../../policies/catalogue";
import { PolicyInputResource, runPolicies } from "../../policies/harness";
import { UNKNOWN } from "../../policies/lib/references";
import { deployment } from "./compliant";
import { dnsRecord, trafficStack } from "./compliantEdge";
import { withProp } from "./helpers";

/**
 * The pack as the Pulumi CLI runs it: `policies/index.ts` started in its own process (it serves the
 * analyzer over gRPC and prints its port, which is what the CLI reads), then asked over gRPC what
 * it enforces and to analyze resources. The verdicts must be the harness's, word for word.
 */

/* eslint-disable @typescript-eslint/no-var-requires -- generated gRPC code without typings we can import */
const grpc = require("@grpc/grpc-js");
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzer = require("@pulumi/pulumi/proto/analyzer_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-var-requires */

const ROOT = path.join(__dirname, "..", "..");
const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];

let server: ChildProcess;
let client: any;

function call<T>(method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => client[method](request, (error: Error | null, response: T) => (error ? reject(error) : resolve(response))));
}

function analyzeRequest(resource: PolicyInputResource): unknown {
    const request = new analyzer.AnalyzeRequest();
    request.setType(resource.type);
    request.setName(resource.name);
    request.setUrn(resource.urn);
    request.setProperties(Struct.fromJavaScript(resource.props));
    const options = new analyzer.AnalyzerResourceOptions();
    options.setProtect(resource.opts?.protect ?? false);
    request.setOptions(options);
    return request;
}

function stackRequest(resources: readonly PolicyInputResource[]): unknown {
    const request = new analyzer.AnalyzeStackRequest();
    request.setResourcesList(resources.map(resource => {
        const entry = new analyzer.AnalyzerResource();
        entry.setType(resource.type);
        entry.setName(resource.name);
        entry.setUrn(resource.urn);
        entry.setProperties(Struct.fromJavaScript(resource.outputs ?? resource.props));
        entry.setOptions(new analyzer.AnalyzerResourceOptions());
        entry.setDependenciesList([...(resource.dependencies ?? [])]);
        for (const [key, urns] of Object.entries(resource.propertyDependencies ?? {})) {
            const dependencies = new analyzer.AnalyzerPropertyDependencies();
            dependencies.setUrnsList([...urns]);
            entry.getPropertydependenciesMap().set(key, dependencies);
        }
        return entry;
    }));
    return request;
}

type Verdict = { policyName: string; level: string; message: string };

async function serverVerdicts(method: "analyze" | "analyzeStack", request: unknown): Promise<Verdict[]> {
    const response: any = await call(method, request);
    return response.getDiagnosticsList().map((d: any) => ({ policyName: d.getPolicyname(), level: LEVELS[d.getEnforcementlevel()], message: d.getMessage() }));
}

/** The harness's verdicts in the engine's wording: the policy's description, then the message. */
async function harnessVerdicts(resources: readonly PolicyInputResource[], kind: "validateResource" | "validateStack"): Promise<Verdict[]> {
    const policies = POLICIES.filter(policy => kind in policy);
    return (await runPolicies(resources, { policies })).map(v => ({
        policyName: v.policyName,
        level: v.enforcementLevel,
        // The engine prefixes a reported message with the policy's description; an unknown-value notice it sends as is.
        message: v.unknownAtPreview ? v.message : `${POLICIES.find(p => p.name === v.policyName)!.description}\n${v.message}`,
    }));
}

beforeAll(async () => {
    server = spawn(process.execPath, [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "index.ts"], { cwd: path.join(ROOT, "policies"), stdio: ["ignore", "pipe", "pipe"] });
    const port = await new Promise<string>((resolve, reject) => {
        let errors = "";
        server.stderr!.on("data", chunk => (errors += String(chunk)));
        server.stdout!.once("data", chunk => resolve(String(chunk).trim()));
        server.once("exit", code => reject(new Error(`the policy pack exited with ${code}: ${errors}`)));
    });
    expect(port).toMatch(/^\d+$/);
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
    client?.close();
    server?.kill();
});

describe("the policy pack served to the Pulumi CLI", () => {
    it("announces every policy with its level, severity and config schema", async () => {
        const info: any = await call("getAnalyzerInfo", new Empty());
        expect(info.getName()).toBe("blkout-platform");
        const policies = info.getPoliciesList().map((p: any) => ({ name: p.getName(), level: LEVELS[p.getEnforcementlevel()], schema: p.getConfigschema()?.getProperties()?.toJavaScript() }));
        expect(policies.map((p: any) => p.name)).toEqual(POLICIES.map(p => p.name));
        expect(policies.find((p: any) => p.name === "hpa-max-replicas-ceiling").level).toBe("advisory");
        expect(policies.find((p: any) => p.name === "deployment-min-replicas").schema).toEqual({ minReplicas: expect.objectContaining({ type: "integer", default: 2 }) });
    });

    it("gives the harness's verdicts for the same resource, including a mandatory rule downgraded by an unknown value", async () => {
        const resources = [
            dnsRecord({ proxied: false }),
            withProp(deployment(), "spec.template.spec.automountServiceAccountToken", true),
            withProp(deployment(), "spec.template.spec.containers", UNKNOWN),
        ];
        for (const resource of resources) {
            const expected = await harnessVerdicts([resource], "validateResource");
            expect(expected.length).toBeGreaterThan(0);
            expect(await serverVerdicts("analyze", analyzeRequest(resource))).toEqual(expected);
        }
    });

    it("gives the harness's verdicts for a whole stack", async () => {
        const stack = trafficStack({ blue: 60, green: 40 }, "green");
        const expected = await harnessVerdicts([...stack, deployment()], "validateStack");
        expect(expected.map(v => v.policyName).sort()).toEqual(["deployment-has-pdb", "fallback-pool-is-live", "workload-has-network-policy"]);
        expect(await serverVerdicts("analyzeStack", stackRequest([...stack, deployment()]))).toEqual(expected);
    });
});
