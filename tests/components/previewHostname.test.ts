import * as pulumi from "@pulumi/pulumi";
import { isDnsName, PreviewHostname, PreviewHostnameArgs } from "../../components/previewHostname";
import { settle } from "../../infra/offline/evaluate";
import { installMockRuntime } from "../../infra/offline/mockRuntime";
import { evaluateTest, named, ofType } from "../support/pulumi";

const ZONE = "3f2a9c4e8b1d4f6a9e0c7b5d2a1f8e3c";
const args: PreviewHostnameArgs = { colour: "green", domain: "blkoutuk.com", zoneId: ZONE, originAddress: "203.0.113.40", release: "2026.11.3" };

describe("PreviewHostname", () => {
    test("one proxied A record <colour>.<domain> to the gateway origin, automatic TTL, comment naming colour and release", async () => {
        const { resources, outputs } = await evaluateTest(() => {
            const preview = new PreviewHostname("p1", args);
            return { hostname: preview.hostname, url: preview.url, recordId: preview.recordId };
        });
        const component = named(resources, "p1");
        expect(component.type).toBe("blkout:platform:PreviewHostname");
        const records = ofType(resources, "cloudflare:index/dnsRecord:DnsRecord");
        expect(records).toHaveLength(1);
        expect(records[0].name).toBe("p1-record");
        expect(records[0].parent).toBe(component.urn);
        expect(records[0].inputs).toEqual({
            zoneId: ZONE,
            name: "green.blkoutuk.com",
            type: "A",
            content: "203.0.113.40",
            proxied: true,
            ttl: 1,
            comment: "blkout green preview, release 2026.11.3",
        });
        expect(outputs.hostname.value).toBe("green.blkoutuk.com");
        expect(outputs.url.value).toBe("https://green.blkoutuk.com");
        expect(outputs.recordId.value).toBe(records[0].id);
    });

    test("an origin address that is an Output (the load balancer's IP) is wired through", async () => {
        const { resources } = await evaluateTest(() => {
            new PreviewHostname("p2", { ...args, colour: "blue", originAddress: pulumi.output("203.0.113.77"), release: "2026.11.2" });
            return {};
        });
        expect(named(resources, "p2-record").inputs).toMatchObject({ name: "blue.blkoutuk.com", content: "203.0.113.77", comment: "blkout blue preview, release 2026.11.2" });
    });

    test("bad args: one error naming every argument, and nothing registered", async () => {
        const mocks = installMockRuntime({ project: "blkout-platform", stack: "test" });
        expect(() => new PreviewHostname("p-bad", { colour: "red" as never, domain: "blkoutuk", zoneId: ZONE, originAddress: "203.0.113.300", release: "" })).toThrow(expect.objectContaining({
            name: "InvalidArgsError",
            message: expect.stringContaining(`invalid PreviewHostname "p-bad" args`),
            problems: [
                `colour: expected one of "blue", "green", got "red"`,
                `domain: expected a lowercase domain name like "blkoutuk.com", got "blkoutuk"`,
                `originAddress: expected an IPv4 address, got "203.0.113.300"`,
                `release: expected a release version like "2026.11.3" (at most 40 characters), got ""`,
            ],
        }));
        await settle();
        expect(mocks.resources).toHaveLength(0);
    });
});

describe("isDnsName", () => {
    test.each([
        ["blkoutuk.com", true],
        ["static-green.blkoutuk.com", true],
        ["a.b.c.example.org", true],
        ["blkoutuk", false],
        ["Blkoutuk.com", false],
        ["-bad.blkoutuk.com", false],
        ["bad-.blkoutuk.com", false],
        ["blkoutuk.com.", false],
        ["blkoutuk..com", false],
        ["blkoutuk.123", false],
        [`${"a".repeat(64)}.com`, false],
    ])("%s -> %s", (name, expected) => {
        expect(isDnsName(name)).toBe(expected);
    });
});
