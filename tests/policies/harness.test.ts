import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { POLICIES } from "../../policies/catalogue";
import { runPolicies } from "../../policies/harness";
import { PolicyConfigError } from "../../policies/lib/packConfig";
import { UNKNOWN } from "../../policies/lib/references";
import { TYPES } from "../../policies/lib/resources";
import { unsupportedKeywords } from "../../policies/lib/schema";
import { blocking } from "../../policies/lib/violation";
import { fromRecorded } from "../../policies/recorded";
import { evaluateTest, named } from "../support/pulumi";
import { deployment, postgres, vpc } from "./compliant";
import { dnsRecord, loadBalancer, trafficStack } from "./compliantEdge";
import { verdicts, withProp } from "./helpers";

const SECRET = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

describe("values unknown at preview", () => {
    it("reports a mandatory policy that reads one, as the engine's advisory downgrade, so the gap is visible", async () => {
        const found = await verdicts("pod-pinned-images", [withProp(deployment(), "spec.template.spec.containers", UNKNOWN)]);
        expect(found).toEqual([expect.objectContaining({
            policyName: "pod-pinned-images",
            resourceName: "blue-ivor-deployment",
            enforcementLevel: "advisory",
            unknownAtPreview: { path: "spec.template.spec.containers", configuredLevel: "mandatory" },
            message: expect.stringMatching(/^can't run policy 'pod-pinned-images' from policy pack 'blkout-platform@v0\.1\.0' during preview: .* value at \.spec\.template\.spec\.containers can't be known during preview$/),
        })]);
        expect(blocking(found)).toHaveLength(1);
    });

    it("reports a stack policy that reads the weights of pools still being created", async () => {
        const stack = trafficStack().map(r => (r.type === TYPES.loadBalancer ? withProp(r, "randomSteering.poolWeights", UNKNOWN) : r));
        const found = await verdicts("weighted-pools-healthy", stack);
        expect(found).toEqual([expect.objectContaining({ enforcementLevel: "advisory", unknownAtPreview: { path: "randomSteering.poolWeights", configuredLevel: "mandatory" } })]);
    });

    it("lets a policy written for preview pass without reading the unknown value", async () => {
        // The namespace comes from a Namespace resource being created; the VPC id from a VPC being created.
        expect(await verdicts("k8s-not-default-namespace", [withProp(deployment(), "metadata.namespace", UNKNOWN)])).toEqual([]);
        const network = vpc();
        expect(await verdicts("in-colour-vpc", [withProp(network, "id", UNKNOWN), withProp(postgres(network), "privateNetworkUuid", UNKNOWN)])).toEqual([]);
    });

    it("does not let an advisory verdict hide: only mandatory rules and unenforceable mandatory ones block", async () => {
        const found = await runPolicies([loadBalancer({ blue: 60, green: 30 })], { config: { "lb-weights-valid": "advisory" } });
        expect(found.filter(v => v.policyName === "lb-weights-valid").map(v => v.enforcementLevel)).toEqual(["advisory"]);
        expect(blocking(found).filter(v => v.policyName === "lb-weights-valid")).toEqual([]);
    });
});

describe("props as the engine passes them", () => {
    it("unwraps secrets before a policy reads them", async () => {
        const record = dnsRecord({ proxied: SECRET(false) });
        expect((await verdicts("dns-proxied", [record])).map(v => v.message)).toEqual([expect.stringMatching(/is DNS-only/)]);
    });

    it("turns a policy's own bug into an error naming the policy and resource, as the engine fails the preview", async () => {
        const broken: ResourceValidationPolicy = {
            name: "broken", description: "throws", enforcementLevel: "mandatory",
            validateResource: args => {
                if (args.name === "blue-vpc") {
                    throw new TypeError("boom");
                }
            },
        };
        await expect(runPolicies([vpc()], { policies: [broken] })).rejects.toThrow(/policy "broken" failed on urn:pulumi:blue::.*::blue-vpc: boom/);
    });
});

describe("policy config", () => {
    it("reports wrong types, out-of-range thresholds, unknown keys and policies, and bad levels at once", async () => {
        const config = {
            "doks-node-pool-minimum": { minNodes: "two" },
            "deployment-min-replicas": { minReplicas: 0 },
            "postgres-allowed-version": { allowedMajorVersions: ["16", "sixteen"] },
            "pod-pinned-images": { forbidenTags: ["latest"] },
            "lb-proxied": "sometimes",
            "no-such-policy": "advisory",
        };
        const error = await runPolicies([], { config }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PolicyConfigError);
        expect((error as PolicyConfigError).problems).toEqual([
            "no-such-policy: not a policy of this pack",
            'postgres-allowed-version.allowedMajorVersions[1]: expected text matching /^\\d+$/, got "sixteen"',
            'doks-node-pool-minimum.minNodes: expected an integer, got "two"',
            "pod-pinned-images.forbidenTags: not a setting of this policy (settings: forbiddenTags)",
            "deployment-min-replicas.minReplicas: expected a value at least 1, got 0",
            'lb-proxied: expected one of advisory, mandatory, remediate, disabled, got "sometimes"',
        ]);
        expect((error as Error).stack).not.toMatch(/\n\s+at /);
    });

    it("tunes a threshold and an allowance without code changes", async () => {
        const mail = dnsRecord({ name: "mail.blkoutuk.com", proxied: false });
        expect(await verdicts("dns-proxied", [mail])).toHaveLength(1);
        expect(await verdicts("dns-proxied", [mail], { "dns-proxied": { unproxiedNames: ["mail.blkoutuk.com"] } })).toEqual([]);
    });

    it("disables a policy by its enforcement level", async () => {
        const found = await runPolicies([withProp(deployment(), "spec.replicas", 1)], { config: { "deployment-min-replicas": { enforcementLevel: "disabled" } } });
        expect(found.map(v => v.policyName)).not.toContain("deployment-min-replicas");
        expect(found.map(v => v.policyName)).toContain("deployment-has-pdb");
    });
});

describe("the catalogue's metadata", () => {
    it.each(POLICIES.map(p => [p.name, p] as const))("%s says why, how bad, how to fix, and has a usable schema", (_name, policy) => {
        expect(policy.name).toMatch(/^[a-z0-9-]+$/);
        expect(policy.description.length).toBeGreaterThan(40);
        expect(policy.remediationSteps?.length).toBeGreaterThan(10);
        expect(["low", "medium", "high", "critical"]).toContain(policy.severity);
        expect(policy.enforcementLevel === "mandatory" || /Advisory: /.test(policy.description)).toBe(true);
        for (const schema of Object.values(policy.configSchema?.properties ?? {})) {
            expect(unsupportedKeywords(schema)).toEqual([]);
            expect(schema.default).toBeDefined();
        }
    });

    it("names every policy once", () => {
        expect(new Set(POLICIES.map(p => p.name)).size).toBe(POLICIES.length);
    });
});

describe("recorded registrations (the offline preview's input)", () => {
    it("carry options, inferred dependencies and unwrapped secrets into the policies", async () => {
        const { resources } = await evaluateTest(() => {
            const network = new digitalocean.Vpc("h-vpc", { region: "lon1", ipRange: "10.130.0.0/20" });
            new digitalocean.DatabaseCluster("h-pg", {
                engine: "pg", version: "16", size: "db-s-1vcpu-1gb", nodeCount: 1, region: "lon1", privateNetworkUuid: network.id,
                maintenanceWindows: [{ day: "sunday", hour: "04:00" }], tags: [pulumi.secret("tag")],
            }, { protect: true });
            new digitalocean.SpacesBucket("h-bucket", { region: "lon1", versioning: { enabled: true } });
            return {};
        });
        const inputs = fromRecorded(resources);
        const pg = inputs.find(r => r.name === "h-pg")!;
        expect(pg.opts?.protect).toBe(true);
        expect(pg.propertyDependencies?.privateNetworkUuid).toEqual([named(resources, "h-vpc").urn]);
        const found = await runPolicies(inputs, { policies: POLICIES.filter(p => ["stateful-resources-protected", "in-colour-vpc", "database-has-firewall"].includes(p.name)) });
        expect(found.map(v => `${v.policyName} ${v.resourceName}`).sort()).toEqual([
            "database-has-firewall h-pg",
            "stateful-resources-protected h-bucket",
        ]);
    });
});
