import { Network, NetworkArgs } from "../../components/network";
import { installMockRuntime } from "../../infra/offline/mockRuntime";
import { settle } from "../../infra/offline/evaluate";
import { evaluateTest, named, ofType } from "../support/pulumi";

const VPC = "digitalocean:index/vpc:Vpc";

const args: NetworkArgs = { colour: "green", region: "lon1", ipRange: "10.120.0.0/20" };

describe("Network", () => {
    test("registers one protected VPC named for the colour with the given region and range", async () => {
        const { resources, outputs } = await evaluateTest(() => {
            const network = new Network("net-green", args);
            return { vpcId: network.vpcId, ipRange: network.ipRange };
        });
        const component = named(resources, "net-green");
        expect(component.type).toBe("blkout:platform:Network");
        const vpcs = ofType(resources, VPC);
        expect(vpcs).toHaveLength(1);
        const vpc = vpcs[0];
        expect(vpc.name).toBe("net-green-vpc");
        expect(vpc.parent).toBe(component.urn);
        expect(vpc.inputs).toEqual({
            name: "blkout-green",
            region: "lon1",
            ipRange: "10.120.0.0/20",
            description: "blkout-platform green colour stack",
        });
        expect(vpc.protect).toBe(true);
        expect(outputs.vpcId.value).toBe(vpc.id);
        expect(outputs.ipRange.value).toBe("10.120.0.0/20");
    });

    test("a description passed in is used as given", async () => {
        const { resources } = await evaluateTest(() => {
            new Network("net-described", { ...args, colour: "blue", ipRange: "10.110.0.0/20", description: "blue, active" });
            return {};
        });
        expect(named(resources, "net-described-vpc").inputs).toMatchObject({ name: "blkout-blue", description: "blue, active" });
    });

    test("bad args: one error naming every argument, and nothing registered", async () => {
        const mocks = installMockRuntime({ project: "blkout-platform", stack: "test" });
        expect(() => new Network("net-bad", { colour: "purple" as never, region: "London", ipRange: "8.0.0.0/12", description: "x".repeat(256) })).toThrow(expect.objectContaining({
            name: "InvalidArgsError",
            message: expect.stringMatching(/^invalid Network "net-bad" args:\n {2}- colour:/),
            problems: [
                `colour: expected one of "blue", "green", got "purple"`,
                `region: expected a DigitalOcean region slug like "lon1", got "London"`,
                `ipRange: expected a prefix between /16 and /24 (DigitalOcean's VPC limits), got "8.0.0.0/12"`,
                `ipRange: expected a private (RFC 1918) range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, got "8.0.0.0/12"`,
                "description: expected at most 255 characters, got 256",
            ],
        }));
        await settle();
        expect(mocks.resources).toHaveLength(0);
    });

    test("a malformed range is reported once, with the value", async () => {
        const mocks = installMockRuntime({ project: "blkout-platform", stack: "test" });
        expect(() => new Network("net-bad-range", { ...args, ipRange: "10.120.0.1/20" }))
            .toThrow(`ipRange: expected a network address with no host bits set, got "10.120.0.1/20" (did you mean "10.120.0.0/20"?)`);
        await settle();
        expect(mocks.resources).toHaveLength(0);
    });
});
