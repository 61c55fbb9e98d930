import * as pulumi from "@pulumi/pulumi";
import { DataPlane, DataPlaneArgs, dataPlaneProblems, FOLLOWER_REQUIRED_OUTPUTS } from "../../components/dataPlane";
import { readOwnerData, requireStringOutput } from "../../components/dataPlaneOutputs";
import { postgresUrl, retargetUrl, trustedSources } from "../../components/dataPlanePostgres";
import { requireTlsRedisUrl } from "../../components/dataPlaneStorage";
import { evaluateTest, resolveOutput } from "../support/pulumi";

const owner: DataPlaneArgs = {
    role: "owner", region: "lon1", vpcId: "vpc-1", kubernetesClusterId: "k8s-1", siteOrigin: "https://blkoutuk.com",
};

/**
 * The error a failed Output carries. Every promise of the Output is awaited, so none of them is left
 * rejected without a handler (jest would blame the next test for it).
 */
async function failureOf(output: pulumi.Output<unknown>): Promise<string> {
    const internal = output as unknown as { promise(): Promise<unknown>; isKnown: Promise<boolean>; isSecret: Promise<boolean> };
    const results = await Promise.allSettled([internal.promise(), internal.isKnown, internal.isSecret]);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    return failed === undefined ? "" : (failed.reason as Error).message;
}

describe("dataPlaneProblems", () => {
    it("accepts minimal owner and follower arguments", () => {
        expect(dataPlaneProblems(owner)).toEqual([]);
        const ownerData = readOwnerData(key => pulumi.output(`value of ${key}`));
        expect(dataPlaneProblems({ role: "follower", region: "lon1", vpcId: pulumi.output("vpc-2"), owner: ownerData })).toEqual([]);
    });

    it("names a follower without the owner's data, or with some of it missing", () => {
        const args = { role: "follower", region: "lon1", vpcId: "vpc-2" } as unknown as DataPlaneArgs;
        expect(dataPlaneProblems(args)).toEqual(["owner: expected the owner's data, read from its stack outputs (readOwnerData), got nothing"]);
        const full = readOwnerData(key => pulumi.output(key));
        const { redisUrl: _missing, ...withoutRedis } = full;
        for (const partial of [{ ...full, postgresClusterId: "cluster-1" }, withoutRedis, { ...full, bucketNames: { ...full.bucketNames, media: undefined } }]) {
            expect(dataPlaneProblems({ ...args, owner: partial } as unknown as DataPlaneArgs)).toEqual([
                expect.stringMatching(/^owner: expected the owner's data, read from its stack outputs \(readOwnerData\), got /),
            ]);
        }
    });

    it("names an unknown role and still checks the common arguments", () => {
        const args = { role: "leader", region: "London", vpcId: "" } as unknown as DataPlaneArgs;
        expect(dataPlaneProblems(args)).toEqual([
            "role: expected \"owner\", \"follower\" or \"candidate\", got \"leader\"",
            "region: expected a DigitalOcean region slug like lon1, got \"London\"",
            "vpcId: expected a VPC id, got \"\"",
        ]);
    });

    it("lists every bad owner setting at once, each with its key path", () => {
        const problems = dataPlaneProblems({
            ...owner,
            siteOrigin: "http://blkoutuk.com/",
            postgres: { nodeCount: 0, version: "sixteen", maintenance: { day: "someday", startTime: "25:00" } },
            valkey: { evictionPolicy: "allkeys-lru" as never, nodeCount: 1.5 },
            buckets: { noncurrentVersionDays: 0, namePrefix: "Blkout" },
            poolSizes: { ivor: 0, payments: 5 } as never,
            owner: readOwnerData(key => pulumi.output(key)),
        } as DataPlaneArgs);
        expect(problems.map(p => p.split(":")[0])).toEqual([
            "siteOrigin", "owner", "postgres.version", "postgres.nodeCount", "postgres.maintenance.day", "postgres.maintenance.startTime",
            "valkey.nodeCount", "valkey.evictionPolicy", "buckets.namePrefix", "buckets.noncurrentVersionDays", "poolSizes.ivor", "poolSizes.payments",
        ]);
        expect(problems).toContain("postgres.nodeCount: expected an integer 1-3, got 0");
        expect(problems).toContain("poolSizes.payments: expected one of the APIs ivor, events, newsroom, got \"payments\"");
    });
});

describe("DataPlane argument errors", () => {
    it("throws one error listing all problems, with no stack trace and no resource registered", async () => {
        const evaluation = await evaluateTest(() => {
            try {
                new DataPlane("bad-data", { role: "follower", region: "", vpcId: "vpc-1", replicaSize: "large" } as unknown as DataPlaneArgs);
                return { error: "" };
            } catch (error) {
                return { error: (error as Error).message, stack: (error as Error).stack ?? "" };
            }
        });
        expect(evaluation.result.error).toBe([
            "invalid DataPlane \"bad-data\" arguments:",
            "  - region: expected a DigitalOcean region slug like lon1, got \"\"",
            "  - owner: expected the owner's data, read from its stack outputs (readOwnerData), got nothing",
            "  - replicaSize: expected a database size slug like db-s-2vcpu-4gb, got \"large\"",
        ].join("\n"));
        expect(evaluation.result.stack).not.toMatch(/\n\s+at /);
        expect(evaluation.resources).toEqual([]);
    });
});

describe("owner stack outputs", () => {
    it("names each follower read once, with the data prefix", () => {
        expect(new Set(FOLLOWER_REQUIRED_OUTPUTS).size).toBe(FOLLOWER_REQUIRED_OUTPUTS.length);
        expect(FOLLOWER_REQUIRED_OUTPUTS).toEqual(expect.arrayContaining([
            "dataPostgresClusterId", "dataRedisUrl", "dataSessionSecret", "dataSpacesEndpoint", "dataMediaBucket",
            "dataIvorDatabaseUrl", "dataNewsroomReadDatabaseUrl",
        ]));
    });

    it("refuses an owner output that is not a non-empty string, and reads with requireOutput", async () => {
        const asked: string[] = [];
        const reference = {
            requireOutput: (key: string) => { asked.push(key); return pulumi.output<unknown>(key === "dataRedisUrl" ? 42 : ""); },
        } as unknown as pulumi.StackReference;
        expect(await failureOf(requireStringOutput(reference, "dataRedisUrl")))
            .toBe("owner stack output dataRedisUrl: expected a non-empty string, got number");
        expect(await failureOf(requireStringOutput(reference, "dataMediaBucket")))
            .toBe("owner stack output dataMediaBucket: expected a non-empty string, got an empty string");
        expect(asked).toEqual(["dataRedisUrl", "dataMediaBucket"]);
    });

    it("keeps an owner output secret when the owner marked it so", async () => {
        const evaluation = await evaluateTest(() => ({
            value: requireStringOutput(new pulumi.StackReference("ref-secret", { name: "org/blkout-platform/blue" }), "dataSessionSecret"),
        }), { stackReferences: { "org/blkout-platform/blue": { outputs: { dataSessionSecret: "s3cret" }, secretOutputNames: ["dataSessionSecret"] } } });
        expect(evaluation.outputs.value).toEqual({ value: "s3cret", secret: true });
        expect((await resolveOutput(evaluation.result.value)).secret).toBe(true);
    });
});

describe("connection URLs", () => {
    it("escapes credentials so a generated password cannot break the URL", () => {
        const url = postgresUrl({ user: "ivor", password: "p@ss/w:rd?", host: "private-db.example", port: 25060, database: "ivor" });
        expect(url).toBe("postgresql://ivor:p%40ss%2Fw%3Ard%3F@private-db.example:25060/ivor?sslmode=require");
        expect(decodeURIComponent(new URL(url).password)).toBe("p@ss/w:rd?");
    });

    it("retargets a URL to another host and port, keeping user, password, database and options", () => {
        const url = postgresUrl({ user: "events", password: "a%b", host: "private-owner", port: 25060, database: "events" });
        expect(retargetUrl(url, "private-follower", 25070)).toBe("postgresql://events:a%25b@private-follower:25070/events?sslmode=require");
    });

    it("accepts only TLS Valkey URLs and never echoes the secret URL", () => {
        expect(requireTlsRedisUrl("rediss://default:pw@private-cache:25061")).toBe("rediss://default:pw@private-cache:25061");
        expect(() => requireTlsRedisUrl("redis://default:hunter2@cache:25061")).toThrow("Valkey URL: expected scheme rediss:// (TLS), got redis://");
        expect(() => requireTlsRedisUrl("default:hunter2@cache")).toThrow(/got no scheme$/);
        try {
            requireTlsRedisUrl("redis://default:hunter2@cache:25061");
        } catch (error) {
            expect((error as Error).message).not.toContain("hunter2");
        }
    });

    it("trusts a Kubernetes cluster and the data-client tag, never an address", () => {
        const rules = trustedSources("k8s-1");
        expect(rules).toEqual([{ type: "k8s", value: "k8s-1" }, { type: "tag", value: "blkout-data-client" }]);
    });
});
