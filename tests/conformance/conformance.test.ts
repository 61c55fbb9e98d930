import { CLOUDFLARE_PLANS, CloudflarePlan } from "../../components/cloudflarePlan";
import { evaluateStack } from "../../infra/offline/stacks";
import { RecordedResource } from "../support/pulumi";
import { canaryConfig, evaluateTraffic } from "../traffic/fixtures";
import { doSchemaProblems } from "./doSchema";
import { analyseWithSdk, CheckedResource, DocumentedEnum, SdkAnalysis, valuesAt } from "./sdkTypes";
import { valueRuleProblems } from "./valueRules";

/**
 * Provider conformance: every provider resource of all three stacks (the committed configs) and of
 * the traffic stack under every plan, checked against DigitalOcean's schema, the pinned SDKs' type
 * declarations and their documented enums, and the value-rule table. Kubernetes objects are checked
 * against the Kubernetes schemas in tests/components/k8sSchemas.test.ts.
 */

/** Listed so a new DigitalOcean type is a conscious decision: add it to the oracle, or here. */
const DO_TYPES_WITHOUT_ORACLE: string[] = [];

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const PROVIDERS = /^(cloudflare|digitalocean|random):/;

/** Inputs as the provider receives them: secrets unwrapped. */
function plain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plain);
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (SECRET_SIG in record) return plain(record.value);
        return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, plain(item)]));
    }
    return value;
}

interface Subject extends CheckedResource {
    readonly plan: CloudflarePlan;
}

function subjects(resources: readonly RecordedResource[], label: string, plan: CloudflarePlan): Subject[] {
    return resources.filter(r => r.custom && PROVIDERS.test(r.type))
        .map(r => ({ type: r.type, name: `${label}/${r.name}`, inputs: plain(r.inputs) as Record<string, unknown>, plan }));
}

function enumProblems(subject: CheckedResource, enums: readonly DocumentedEnum[]): string[] {
    return enums.flatMap(({ path, values }) => valuesAt(subject.inputs, path)
        .filter(value => !values.includes(String(value)))
        .map(value => `${path}: ${JSON.stringify(value)} is not one of the SDK's documented values ${values.join(", ")}`));
}

/** Every problem of every subject, keyed by subject name (only names with problems). */
function conformance(all: readonly Subject[], sdk: SdkAnalysis): Record<string, string[]> {
    const found: Record<string, string[]> = {};
    for (const subject of all) {
        const problems = [
            ...(doSchemaProblems(subject.type, subject.inputs) ?? []).map(p => `DigitalOcean schema: ${p}`),
            ...(sdk.problems.get(subject.name) ?? []).map(p => `SDK types: ${p}`),
            ...enumProblems(subject, sdk.enums.get(subject.type) ?? []).map(p => `SDK docs: ${p}`),
            ...valueRuleProblems(subject.type, subject.inputs, subject.plan),
        ];
        if (problems.length > 0) found[subject.name] = problems;
    }
    return found;
}

let brokenCount = 0;

/** A deliberately broken copy of one subject. */
function broken(all: readonly Subject[], type: string, change: (inputs: Record<string, any>) => void, plan?: CloudflarePlan): Subject {
    const original = all.find(s => s.type === type)!;
    const inputs = structuredClone(original.inputs);
    change(inputs);
    return { ...original, name: `broken-${brokenCount++}/${original.name}`, inputs, plan: plan ?? original.plan };
}

let all: Subject[];
let breakages: Subject[];
let sdk: SdkAnalysis;

beforeAll(async () => {
    const cache = new Map();
    all = [];
    for (const stack of ["blue", "green", "production"]) {
        const evaluation = await evaluateStack(stack, cache);
        all.push(...subjects(evaluation.resources, stack, "free"));
    }
    for (const plan of CLOUDFLARE_PLANS) {
        all.push(...subjects((await evaluateTraffic(canaryConfig({ cloudflarePlan: plan }))).resources, `traffic-${plan}`, plan));
    }
    const CF = "cloudflare:index/";
    breakages = [
        broken(all, `${CF}loadBalancerMonitor:LoadBalancerMonitor`, i => { i.intervall = 60; }),
        broken(all, `${CF}loadBalancerMonitor:LoadBalancerMonitor`, i => { i.interval = "60"; }),
        broken(all, `${CF}loadBalancerMonitor:LoadBalancerMonitor`, i => { i.type = "https2"; }),
        broken(all, `${CF}loadBalancerMonitor:LoadBalancerMonitor`, i => { i.interval = 15; }, "free"),
        broken(all, `${CF}loadBalancer:LoadBalancer`, i => { i.rules[0].overrides.steeringPolicy = "weighted"; i.sessionAffinityTtl = 60; }),
        broken(all, `${CF}ruleset:Ruleset`, i => { if (i.rules[0].ratelimit) i.rules[0].ratelimit.period = 50; else i.phase = "http_request_firewall"; }),
        broken(all, "digitalocean:index/kubernetesCluster:KubernetesCluster", i => { i.nodePool.autoscale = true; }),
        broken(all, "digitalocean:index/cdn:Cdn", i => { i.ttl = 120; }),
    ];
    sdk = analyseWithSdk([...all, ...breakages]);
}, 600_000);

describe("provider conformance", () => {
    it("covers every provider resource type of the three stacks", () => {
        const types = new Set(all.map(s => s.type));
        expect([...types].filter(type => type.startsWith("cloudflare:")).sort()).toEqual([
            "cloudflare:index/dnsRecord:DnsRecord", "cloudflare:index/loadBalancer:LoadBalancer", "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
            "cloudflare:index/loadBalancerPool:LoadBalancerPool", "cloudflare:index/notificationPolicy:NotificationPolicy", "cloudflare:index/ruleset:Ruleset",
            "cloudflare:index/zoneSetting:ZoneSetting",
        ]);
        expect([...types].filter(type => type.startsWith("digitalocean:")).length).toBeGreaterThanOrEqual(10);
        // DigitalOcean types the trimmed schema oracle lacks are still checked against the SDK's types and docs.
        expect([...types].filter(type => type.startsWith("digitalocean:") && doSchemaProblems(type, {}) === undefined).sort()).toEqual(DO_TYPES_WITHOUT_ORACLE);
    });

    it("finds every input of every stack, under every plan, within the providers' schemas, types, enums and value rules", () => {
        expect(conformance(all, sdk)).toEqual({});
    });

    it("fails a deliberately broken input: an unknown key, a wrong type, an undocumented enum value, a plan limit, a provider validator", () => {
        const found = conformance(breakages, sdk);
        const of = (i: number) => (found[breakages[i].name] ?? []).join("\n");
        expect(of(0)).toMatch(/SDK types: .*'"?intervall"?' does not exist/);
        expect(of(1)).toMatch(/SDK types: Type 'string' is not assignable/);
        expect(of(2)).toMatch(/SDK docs: type: "https2" is not one of the SDK's documented values/);
        expect(of(3)).toMatch(/monitor\.interval: 15 s is below the free plan's minimum of 60 s|interval: 15 is outside 60-3600/);
        expect(of(4)).toMatch(/sessionAffinityTtl: 60 is outside 1800-604800/);
        expect(of(4)).toMatch(/steeringPolicy: "weighted" is not one of/);
        expect(of(5)).toMatch(/period: 50 is not one of|phase: "http_request_firewall" is not one of/);
        expect(of(6)).toMatch(/DigitalOcean schema: nodePool\.autoscale: not an input the provider declares/);
        expect(of(7)).toMatch(/ttl: 120 is not one of 60, 600, 3600, 86400, 604800 \(rule: CDN TTL/);
    });
});
