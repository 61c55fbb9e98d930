import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { evaluateStack, StackEvaluation } from "../../infra/offline/stacks";
import { stackVerdicts } from "../../infra/offline/verdicts";
import { secretLeaks, SECRETS_POLICY } from "../../policies/secrets";
import { evaluateTest, RecordedResource } from "../support/pulumi";

/**
 * Secrets only in secrets: small edits of the real blue stack that copy a secret into a ConfigMap, a
 * plain env value, an annotation or a plain output are each refused, by source and by value.
 */

let blue: StackEvaluation;
beforeAll(async () => {
    blue = await evaluateStack("blue");
}, 60_000);

const redisUrl = () => String(blue.outputs.dataRedisUrl.value);

function editing(name: (r: RecordedResource) => boolean, edit: (inputs: Record<string, any>) => void): StackEvaluation {
    return {
        ...blue,
        resources: blue.resources.map(r => {
            if (!name(r)) {
                return r;
            }
            const inputs = structuredClone(r.inputs);
            edit(inputs);
            return { ...r, inputs };
        }),
    };
}

const leaksOf = (evaluation: StackEvaluation) => secretLeaks(evaluation.resources, evaluation.outputs).map(v => v.message);

describe("secrets-only-in-secrets", () => {
    it("passes the committed blue stack, and is part of the offline verdicts", async () => {
        expect(leaksOf(blue)).toEqual([]);
        expect((await stackVerdicts(blue)).violations.filter(v => v.policyName === SECRETS_POLICY)).toEqual([]);
    });

    it("refuses the Redis URL copied into a ConfigMap", async () => {
        const edited = editing(r => r.type === "kubernetes:core/v1:ConfigMap", inputs => { inputs.data = { ...inputs.data, REDIS_URL: redisUrl() }; });
        expect(leaksOf(edited)).toContainEqual(expect.stringMatching(/ConfigMap ".*" holds a secret in plain text at data\.REDIS_URL/));
        expect((await stackVerdicts(edited)).blocking.map(v => v.policyName)).toContain(SECRETS_POLICY);
    });

    it("refuses it as a plain env value of a Deployment, and in an annotation", () => {
        const env = editing(r => r.name === "blue-ivor-deployment", inputs => {
            inputs.spec.template.spec.containers[0].env = [...(inputs.spec.template.spec.containers[0].env ?? []), { name: "REDIS_URL", value: redisUrl() }];
        });
        expect(leaksOf(env)).toContainEqual(expect.stringMatching(/at spec\.template\.spec\.containers\.0\.env\.\d+\.value/));
        const annotated = editing(r => r.type === "kubernetes:core/v1:Service", inputs => { inputs.metadata.annotations = { ...inputs.metadata.annotations, "blkout/debug": redisUrl() }; });
        expect(leaksOf(annotated)).toContainEqual(expect.stringMatching(/at metadata\.annotations\.blkout\/debug/));
    });

    it("refuses a secret exported as a plain stack output", () => {
        const plain = { ...blue, outputs: { ...blue.outputs, dataRedisUrl: { value: redisUrl(), secret: false } } };
        expect(leaksOf(plain)).toContainEqual(expect.stringMatching(/stack output "dataRedisUrl" exports a secret in plain text/));
    });

    it("refuses, by source, a secret config value put in a ConfigMap by a program", async () => {
        const { resources, outputs } = await evaluateTest(() => {
            const key = new pulumi.Config().requireSecret("ivorModelApiKey");
            new k8s.core.v1.ConfigMap("leaky", { metadata: { namespace: "blkout" }, data: { MODEL_KEY: key } });
            return { exported: key.apply(value => `prefix-${value}`) };
        }, { config: { ivorModelApiKey: "sk-model-key-0123456789" }, secretConfigKeys: ["ivorModelApiKey"] });
        const leaks = secretLeaks(resources, outputs).map(v => v.message);
        expect(leaks).toContainEqual(expect.stringMatching(/ConfigMap "leaky" holds a secret in plain text at data\.MODEL_KEY/));
        expect(outputs.exported.secret).toBe(true);
    });
});
