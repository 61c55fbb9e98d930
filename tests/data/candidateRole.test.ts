import { colourConfigSchema, SECRET_CONFIG_KEYS } from "../../infra/config/colourConfig";
import { runColourProgram } from "../../infra/colourProgram";
import { evaluate, outputValues } from "../../infra/offline/evaluate";
import { OFFLINE_INVOKES } from "../../infra/offline/mockOutputs";
import { RecordedResource } from "../../infra/offline/mockRuntime";
import { readStackFile, REPO_ROOT } from "../../infra/offline/stackFiles";
import { evaluateStack, offlineConfig } from "../../infra/offline/stacks";
import { checkBlueGreen, ColourStackSummary } from "../../policies/crossStack";
import { runPolicies } from "../../policies/harness";
import { TYPES } from "../../policies/lib/resources";
import { blocking } from "../../policies/lib/violation";
import { fromRecorded } from "../../policies/recorded";

/**
 * The `candidate` data role: green declared as a candidate of blue, through the real colour program
 * and the whole policy pack, as the offline preview runs it.
 */

const OWNER = "organization/blkout-platform/blue";
const CANDIDATE_DATA = {
    role: "candidate",
    ownerStack: OWNER,
    replicaSize: "db-s-2vcpu-4gb",
    postgres: { version: "17", size: "db-s-4vcpu-8gb", nodeCount: 2, maintenance: { day: "sunday", startTime: "04:00" } },
    valkey: { version: "8", size: "db-s-1vcpu-2gb", evictionPolicy: "allkeys_lru" },
};

async function evaluateCandidate(): Promise<{ resources: readonly RecordedResource[]; outputs: Record<string, unknown> }> {
    const blue = await evaluateStack("blue");
    const file = readStackFile(REPO_ROOT, "green");
    const { config, secretConfigKeys } = offlineConfig({ ...file, config: { ...file.config, data: CANDIDATE_DATA } }, SECRET_CONFIG_KEYS);
    const stackReferences = {
        [OWNER]: {
            outputs: outputValues(blue.outputs),
            secretOutputNames: Object.entries(blue.outputs).filter(([, output]) => output.secret).map(([key]) => key),
        },
    };
    const evaluation = await evaluate({ project: file.project, stack: "green", config, secretConfigKeys, stackReferences, invokes: OFFLINE_INVOKES }, runColourProgram);
    return { resources: evaluation.resources, outputs: outputValues(evaluation.outputs) };
}

let candidate: { resources: readonly RecordedResource[]; outputs: Record<string, unknown> };

beforeAll(async () => {
    candidate = await evaluateCandidate();
}, 60_000);

describe("the candidate data role", () => {
    it("declares its own protected PostgreSQL (a newer major here), a database and user per API, and Valkey, beside the follower's replica", () => {
        const clusters = candidate.resources.filter(r => r.type === TYPES.databaseCluster);
        expect(clusters.map(c => [c.name, c.inputs.engine, c.inputs.version, c.protect])).toEqual([
            ["green-data-candidate-pg", "pg", "17", true],
            ["green-data-candidate-valkey", "valkey", "8", true],
        ]);
        const dbs = candidate.resources.filter(r => r.type === TYPES.databaseDb);
        expect(dbs.map(d => [d.inputs.name, d.protect])).toEqual([["ivor", true], ["events", true], ["newsroom", true]]);
        // Its follower side's metrics login sits on the owner's cluster, not the candidate's.
        const users = candidate.resources.filter(r => r.type === "digitalocean:index/databaseUser:DatabaseUser");
        expect(users.map(u => u.inputs.name)).toEqual(["green_data_metrics", "ivor", "events", "newsroom"]);
        expect(users[0].inputs.clusterId).not.toBe(clusters[0].id);
        expect(candidate.resources.filter(r => r.type === TYPES.databaseReplica)).toHaveLength(1);
        expect(candidate.resources.filter(r => r.type === TYPES.bucket && r.name.startsWith("green-data"))).toEqual([]);
        expect(candidate.outputs).toMatchObject({ dataRole: "candidate", dataOwnerStack: OWNER });
        expect(typeof candidate.outputs.dataCandidatePostgresClusterId).toBe("string");
    });

    it("passes the whole policy pack, and the candidate-no-application-writes policy catches an app Secret built from the candidate's cluster", async () => {
        const inputs = fromRecorded(candidate.resources);
        expect(blocking(await runPolicies(inputs)).map(v => `${v.policyName}: ${v.message}`)).toEqual([]);
        const own = inputs.find(r => r.name === "green-data-candidate-pg")!;
        const tampered = inputs.map(r => (r.type === "kubernetes:core/v1:Secret" && r.name === "green-ivor-credentials"
            ? { ...r, propertyDependencies: { ...r.propertyDependencies, stringData: [...(r.propertyDependencies?.stringData ?? []), own.urn] } }
            : r));
        const caught = (await runPolicies(tampered)).filter(v => v.policyName === "candidate-no-application-writes");
        expect(caught.map(v => v.message)).toEqual([expect.stringContaining("\"green-ivor-credentials\" is built from the candidate's own green-data-candidate-pg")]);
        // A Secret built from a user on the candidate's own cluster is caught too; the exporter's (on the owner's) was not, above.
        const candidateUser = inputs.find(r => r.name === "green-data-candidate-ivor-user")!;
        const exporterSecret = "green-data-exporters-postgres-exporter-secret";
        const onCandidate = inputs.map(r => (r.name === exporterSecret
            ? { ...r, propertyDependencies: { ...r.propertyDependencies, stringData: [candidateUser.urn] } }
            : r));
        const caughtUser = (await runPolicies(onCandidate)).filter(v => v.policyName === "candidate-no-application-writes");
        expect(caughtUser.map(v => v.message)).toEqual([expect.stringContaining(`"${exporterSecret}" is built from the candidate's own green-data-candidate-ivor-user`)]);
    });

    it("keeps exactly one owner across the colours: a candidate must name the owner, and two owners are refused", () => {
        const blue: ColourStackSummary = { stack: "blue", colour: "blue", mode: "active", dataRole: "owner" };
        const green: ColourStackSummary = { stack: "green", colour: "green", mode: "standby", dataRole: "candidate", ownerStack: OWNER };
        expect(checkBlueGreen([blue, green])).toEqual([]);
        expect(checkBlueGreen([blue, { ...green, ownerStack: "organization/blkout-platform/green" }]).map(v => v.policyName)).toEqual(["follower-references-owner"]);
        expect(checkBlueGreen([{ ...blue, dataRole: "candidate", ownerStack: "green" }, green]).map(v => v.policyName)).toContain("exactly-one-data-owner");
    });

    it("validates a candidate's config like the owner's clusters, and refuses it following itself", () => {
        const base = readStackFile(REPO_ROOT, "green").config;
        const parsed = colourConfigSchema.safeParse({ ...base, data: { ...CANDIDATE_DATA, postgres: { version: "sixteen" } } });
        expect(parsed.success).toBe(false);
        expect(parsed.error?.issues.map(i => `${i.path.join(".")}: ${i.message}`)).toEqual([expect.stringMatching(/^data\.postgres\.version: expected a PostgreSQL major version/)]);
        expect(colourConfigSchema.safeParse({ ...base, data: CANDIDATE_DATA }).success).toBe(true);
        expect(colourConfigSchema.safeParse({ ...base, data: { ...CANDIDATE_DATA, role: "shadow" } }).error?.issues[0].message).toBe("expected \"owner\", \"follower\" or \"candidate\", got \"shadow\"");
    });
});
