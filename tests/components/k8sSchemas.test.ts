import { evaluateTest, RecordedResource } from "../support/pulumi";
import { kubernetesObjectOf, kubernetesResources, typeMetaOf, validateKubernetesObjects, validateObjects } from "../support/k8sValidate";
import { colourWorkloads, uniqueName } from "../support/workloadFixtures";

/** Every Kubernetes object a colour's gateway and APIs create, checked against the official schemas. */

let objects: RecordedResource[];

beforeAll(async () => {
    const { resources } = await evaluateTest(() => {
        colourWorkloads(uniqueName("schema"));
        return {};
    });
    objects = kubernetesResources(resources);
});

describe("Kubernetes schemas", () => {
    it("covers every kind the gateway and the three APIs create", () => {
        const kinds = objects.map(r => `${typeMetaOf(r.type)!.apiVersion}/${typeMetaOf(r.type)!.kind}`);
        expect(new Set(kinds)).toEqual(new Set([
            "v1/ConfigMap", "v1/Secret", "v1/Service", "apps/v1/Deployment", "autoscaling/v2/HorizontalPodAutoscaler",
            "policy/v1/PodDisruptionBudget", "networking.k8s.io/v1/NetworkPolicy",
        ]));
        // Three APIs of six objects each (Secret, Deployment, Service, HPA, PDB, NetworkPolicy) and the gateway's six,
        // plus its metrics sidecar's program ConfigMap and headless Service (#8).
        expect(objects).toHaveLength(26);
    });

    it("finds every object valid", () => {
        expect(validateKubernetesObjects(objects).flat()).toEqual([]);
    });

    it("rejects a recorded object once it is broken, naming the field", () => {
        const deployment = objects.find(r => r.type === "kubernetes:apps/v1:Deployment")!;
        const broken: RecordedResource = {
            ...deployment,
            inputs: { ...deployment.inputs, spec: { ...deployment.inputs.spec, replicas: "two" } },
        };
        const [errors] = validateKubernetesObjects([broken]);
        expect(errors).toEqual([expect.stringMatching(/^.+-deployment \(kubernetes:apps\/v1:Deployment\) \/spec\/replicas: must be integer/)]);
    });

    it("rejects malformed objects and kinds it has no schema for", () => {
        const [missingImage, badPort, unknownKind] = validateObjects([
            { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { selector: {}, template: { spec: { containers: [{ name: "c", image: 42 }] } } } },
            { apiVersion: "v1", kind: "Service", metadata: { name: "x" }, spec: { ports: [{ port: "eighty" }] } },
            { apiVersion: "v1", kind: "Gateway", metadata: { name: "x" } },
        ]);
        expect(missingImage).toEqual([expect.stringMatching(/^\/spec\/template\/spec\/containers\/0\/image: must be string/)]);
        expect(badPort).toEqual([expect.stringMatching(/^\/spec\/ports\/0\/port: must be integer/)]);
        expect(unknownKind).toEqual(["v1/Gateway: no schema in kubernetes-models"]);
    });

    it("builds the object from the recorded type and the unwrapped inputs", () => {
        const secret = objects.find(r => r.type === "kubernetes:core/v1:Secret")!;
        const object = kubernetesObjectOf(secret);
        expect(object).toMatchObject({ apiVersion: "v1", kind: "Secret", type: "Opaque" });
        expect(typeof (object.stringData as Record<string, unknown>).DATABASE_URL).toBe("string");
        expect(typeMetaOf("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" });
        expect(typeMetaOf("blkout:platform:Gateway")).toBeUndefined();
    });
});
