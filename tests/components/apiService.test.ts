import * as k8s from "@pulumi/kubernetes";
import { ApiService, ApiServiceArgs, apiServiceProblems } from "../../components/apiService";
import { imageProblem } from "../../components/k8sWorkload";
import { GATEWAY_SELECTOR, InvalidArgsError } from "../../components/platformNames";
import { unwrapSecrets } from "../support/k8sValidate";
import { evaluateTest, named } from "../support/pulumi";
import { CREDENTIALS, ivorArgs, ivorCredentials, registrationsOnFailure, testProvider, uniqueName } from "../support/workloadFixtures";

async function evaluateIvor(overrides: Partial<ApiServiceArgs> = {}) {
    const name = uniqueName("ivor");
    const evaluation = await evaluateTest(() => {
        const api = new ApiService(name, ivorArgs(testProvider(name), overrides));
        return { serviceHost: api.serviceHost, port: api.port };
    });
    return { name, ...evaluation, child: (kind: string) => named(evaluation.resources, `${name}-${kind}`) };
}

/** IVOR with the fixture's args, evaluated once for the tests that change none of them. */
let defaults: Awaited<ReturnType<typeof evaluateIvor>>;
beforeAll(async () => {
    defaults = await evaluateIvor();
});

const SELECTOR = { "app.kubernetes.io/name": "ivor", "app.kubernetes.io/part-of": "blkout-platform" };

describe("ApiService credentials", () => {
    it("puts every credential in a Secret, tracked as secret even when passed plain", () => {
        const { child } = defaults;
        const secret = child("credentials");
        expect(secret.type).toBe("kubernetes:core/v1:Secret");
        expect(secret.secretInputPaths).toContain("stringData");
        expect(unwrapSecrets(secret.inputs.stringData)).toEqual({
            DATABASE_URL: CREDENTIALS.databaseUrl,
            DATABASE_READ_URL: CREDENTIALS.readReplicaUrl,
            REDIS_URL: CREDENTIALS.redisUrl,
            SESSION_SECRET: CREDENTIALS.sessionSecret,
            BUCKET_MEDIA: CREDENTIALS.mediaBucket,
            MODEL_API_KEY: CREDENTIALS.modelApiKey,
        });
    });

    it("makes the Secret's data secret even when every credential comes in plain", async () => {
        const { child } = await evaluateIvor({
            credentials: { databaseUrl: CREDENTIALS.databaseUrl, redisUrl: CREDENTIALS.redisUrl, sessionSecret: CREDENTIALS.sessionSecret },
        });
        expect(child("credentials").secretInputPaths).toEqual(["stringData"]);
    });

    it("leaves no credential in plain text in any other object, and loads them by envFrom", () => {
        const { child, resources, name } = defaults;
        const others = resources.filter(r => r.type !== "kubernetes:core/v1:Secret");
        const text = JSON.stringify(others.map(r => r.inputs));
        for (const value of Object.values(CREDENTIALS)) {
            expect([value, text.includes(value)]).toEqual([value, false]);
        }
        expect(others.every(r => r.secretInputPaths.length === 0)).toBe(true);
        const container = child("deployment").inputs.spec.template.spec.containers[0];
        expect(container.envFrom).toEqual([{ secretRef: { name: `${name}-credentials` } }]);
        expect(container.env).toEqual([
            { name: "API_NAME", value: "ivor" }, { name: "COLOUR", value: "blue" }, { name: "RELEASE", value: "2026.11.3" },
            { name: "PORT", value: "8080" }, { name: "LOG_LEVEL", value: "info" },
        ]);
    });

    it("omits the read replica when there is none", async () => {
        const { child } = await evaluateIvor({ credentials: { ...ivorCredentials(), readReplicaUrl: undefined } });
        expect(Object.keys(unwrapSecrets(child("credentials").inputs.stringData) as object)).not.toContain("DATABASE_READ_URL");
    });
});

describe("ApiService workload", () => {
    it("runs the pinned image under Pod Security restricted with /health probes", () => {
        const { child } = defaults;
        const spec = child("deployment").inputs.spec.template.spec;
        const container = spec.containers[0];
        expect(container.image).toBe("registry.digitalocean.com/blkout/ivor:2026.11.3");
        expect(spec.automountServiceAccountToken).toBe(false);
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
        expect(container.securityContext).toMatchObject({
            runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] },
        });
        expect(container.readinessProbe.httpGet).toEqual({ path: "/health", port: 8080 });
        expect(container.livenessProbe.httpGet).toEqual({ path: "/health", port: 8080 });
        expect(container.resources).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } });
        expect(spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: SELECTOR } });
    });

    it("serves on a ClusterIP Service whose DNS name it exposes", async () => {
        const { child, outputs, name } = await evaluateIvor({ port: 3000 });
        expect(child("service").inputs.spec).toEqual({
            type: "ClusterIP", selector: SELECTOR, ports: [{ name: "http", port: 3000, targetPort: 3000, protocol: "TCP" }],
        });
        expect(outputs.serviceHost).toEqual({ value: `${name}.blkout-blue.svc.cluster.local`, secret: false });
        expect(outputs.port.value).toBe(3000);
    });

    it("scales on CPU 70% between 2 and 10 by default and keeps one pod through disruptions", () => {
        const { child } = defaults;
        expect(child("hpa").inputs.spec).toMatchObject({
            minReplicas: 2, maxReplicas: 10,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
        });
        expect(child("pdb").inputs.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: SELECTOR } });
    });

    it("admits only the gateway and reaches only DNS, the data plane and HTTPS", async () => {
        const { child } = await evaluateIvor({ dataPlaneCidrs: ["10.20.0.0/16"] });
        const spec = child("netpol").inputs.spec;
        expect(spec.podSelector).toEqual({ matchLabels: SELECTOR });
        expect(spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: GATEWAY_SELECTOR } }], ports: [{ protocol: "TCP", port: 8080 }] }]);
        expect(spec.egress.slice(1)).toEqual([
            { to: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ protocol: "TCP", port: 25060 }, { protocol: "TCP", port: 25061 }] },
            { ports: [{ protocol: "TCP", port: 443 }] },
        ]);
        expect(spec.egress[0].ports).toEqual([{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
    });
});

describe("ApiService args", () => {
    it.each([
        ["registry.digitalocean.com/blkout/ivor:latest", true],
        ["registry.digitalocean.com/blkout/ivor", true],
        ["localhost:5000/ivor", true],
        ["localhost:5000/ivor:1.0.0", false],
        [`ghcr.io/blkout/ivor@sha256:${"a".repeat(64)}`, false],
    ])("image %s refused: %s", (image, refused) => {
        expect(imageProblem("image", image) !== undefined).toBe(refused);
    });

    it("refuses a latest image, naming the arg, before registering anything", async () => {
        const name = uniqueName("ivorbad");
        const { error, resources } = await registrationsOnFailure(() => {
            new ApiService(name, ivorArgs(testProvider(name), { image: "registry.digitalocean.com/blkout/ivor:latest" }));
        });
        expect(error).toBeInstanceOf(InvalidArgsError);
        expect((error as Error).message).toContain('image: expected an image pinned by tag or digest (not "latest", not untagged)');
        expect(resources.filter(r => !r.type.startsWith("pulumi:providers:"))).toEqual([]);
    });

    it("lists every problem at once", () => {
        // Validation never touches the provider, so none is registered here.
        const args = ivorArgs(undefined as unknown as k8s.Provider);
        expect(apiServiceProblems({
            ...args, api: "IVOR", port: 80, env: { COLOUR: "red", "bad-name": "x" }, dataPlaneCidrs: ["10.20.0.0", "0.0.0.0/0"],
            credentials: { ...args.credentials, sessionSecret: undefined as unknown as string },
            scaling: { cpuTargetPercent: 0 },
        })).toEqual([
            'api: expected a lower-case name like "ivor", got "IVOR"',
            "port: expected an unprivileged port 1024-65535, got 80",
            "credentials.sessionSecret: required",
            'env name "bad-name": expected UPPER_SNAKE_CASE',
            "env.COLOUR: already set by the platform or the credentials",
            'dataPlaneCidrs[0]: expected a private CIDR range like "10.20.0.0/16", got "10.20.0.0"',
            'dataPlaneCidrs[1]: expected a private CIDR range like "10.20.0.0/16", got "0.0.0.0/0"',
            "scaling.cpuTargetPercent: expected an integer 10-100, got 0",
        ]);
    });
});
