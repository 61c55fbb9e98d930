import * as pulumi from "@pulumi/pulumi";
import { originCertificateName, StaticSite, StaticSiteArgs } from "../../components/staticSite";
import { settle } from "../../infra/offline/evaluate";
import { installMockRuntime } from "../../infra/offline/mockRuntime";
import { evaluateTest, named } from "../support/pulumi";

// Placeholder PEM blocks: the component checks their framing only; nothing here is a real key.
const LEAF = "-----BEGIN CERTIFICATE-----\nTEST-LEAF-FOR-static-green\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nTEST-KEY-NOT-REAL\n-----END PRIVATE KEY-----\n";
const CHAIN = "-----BEGIN CERTIFICATE-----\nTEST-ORIGIN-CA\n-----END CERTIFICATE-----\n";
const ZONE = "3f2a9c4e8b1d4f6a9e0c7b5d2a1f8e3c";

const args: StaticSiteArgs = {
    colour: "green",
    region: "lon1",
    domain: "blkoutuk.com",
    zoneId: ZONE,
    originCertificate: { leafCertificate: LEAF, privateKey: KEY, certificateChain: CHAIN },
};

describe("StaticSite", () => {
    test("the bucket is private, versioned, never force-destroyed, and protected", async () => {
        const { resources, outputs } = await evaluateTest(() => {
            const site = new StaticSite("s1", args);
            return { bucketName: site.bucketName, bucketDomainName: site.bucketDomainName };
        });
        const bucket = named(resources, "s1-bucket");
        expect(bucket.type).toBe("digitalocean:index/spacesBucket:SpacesBucket");
        expect(bucket.parent).toBe(named(resources, "s1").urn);
        expect(bucket.protect).toBe(true);
        expect(bucket.deleteBeforeReplace).toBe(false);
        expect(bucket.inputs).toMatchObject({
            name: "blkout-static-green",
            region: "lon1",
            acl: "private",
            forceDestroy: false,
            versioning: { enabled: true },
            lifecycleRules: [{ enabled: true, noncurrentVersionExpiration: { days: 30 }, abortIncompleteMultipartUploadDays: 1 }],
        });
        expect(outputs.bucketName.value).toBe("blkout-static-green");
        expect(outputs.bucketDomainName.value).toBe("blkout-static-green.lon1.digitaloceanspaces.com");
    });

    test("the CDN serves the bucket under the site hostname with the uploaded certificate, and Cloudflare proxies to it", async () => {
        const { resources, outputs } = await evaluateTest(() => {
            const site = new StaticSite("s2", { ...args, cdnTtlSeconds: 86400 });
            return { cdnEndpoint: site.cdnEndpoint, siteHostname: site.siteHostname, url: site.url };
        });
        const bucket = named(resources, "s2-bucket");
        const certificate = named(resources, "s2-certificate");
        const cdn = named(resources, "s2-cdn");
        const record = named(resources, "s2-record");
        expect(cdn.inputs).toEqual({
            origin: bucket.state.bucketDomainName,
            customDomain: "static-green.blkoutuk.com",
            certificateName: certificate.inputs.name,
            ttl: 86400,
        });
        expect(certificate.inputs.name).toBe(originCertificateName("green", LEAF));
        expect(record.type).toBe("cloudflare:index/dnsRecord:DnsRecord");
        expect(record.inputs).toMatchObject({
            zoneId: ZONE,
            name: "static-green.blkoutuk.com",
            type: "CNAME",
            content: cdn.state.endpoint,
            proxied: true,
            ttl: 1,
        });
        expect(record.inputs.content).toBe("blkout-static-green.lon1.cdn.digitaloceanspaces.com");
        expect(outputs.cdnEndpoint.value).toBe(cdn.state.endpoint);
        expect(outputs.siteHostname.value).toBe("static-green.blkoutuk.com");
        expect(outputs.url.value).toBe("https://static-green.blkoutuk.com");
    });

    test("the certificate is a custom upload whose private key travels as a secret", async () => {
        const { resources } = await evaluateTest(() => {
            new StaticSite("s3", args);
            return {};
        });
        const certificate = named(resources, "s3-certificate");
        expect(certificate.type).toBe("digitalocean:index/certificate:Certificate");
        expect(certificate.inputs).toMatchObject({ type: "custom", leafCertificate: LEAF, certificateChain: CHAIN });
        expect(certificate.secretInputPaths).toContain("privateKey");
        expect(certificate.inputs.privateKey.value).toBe(KEY);
        expect(certificate.secretInputPaths).not.toContain("leafCertificate");
    });

    test("certificate material given as Outputs is wired through; an overridden hostname and bucket are used", async () => {
        const { resources } = await evaluateTest(() => {
            new StaticSite("s4", {
                ...args,
                colour: "blue",
                hostname: "assets.blue.blkoutuk.com",
                bucketName: "blkout-site-blue-2026",
                noncurrentVersionDays: 7,
                originCertificate: { leafCertificate: pulumi.output(LEAF), privateKey: pulumi.secret(KEY) },
            });
            return {};
        });
        expect(named(resources, "s4-bucket").inputs).toMatchObject({ name: "blkout-site-blue-2026", lifecycleRules: [{ noncurrentVersionExpiration: { days: 7 } }] });
        expect(named(resources, "s4-cdn").inputs.customDomain).toBe("assets.blue.blkoutuk.com");
        expect(named(resources, "s4-record").inputs.name).toBe("assets.blue.blkoutuk.com");
        expect(named(resources, "s4-certificate").inputs.name).toBe(originCertificateName("blue", LEAF));
        expect(named(resources, "s4-certificate").secretInputPaths).toContain("privateKey");
    });

    test("bad args: one error naming every argument, never quoting key material, and nothing registered", async () => {
        const mocks = installMockRuntime({ project: "blkout-platform", stack: "test" });
        const leakedKey = "not a pem but secret-ish text";
        expect(() => new StaticSite("s-bad", {
            ...args,
            region: "moon1x",
            domain: "BLKOUT",
            hostname: "static.example.org",
            bucketName: "Blkout_Static",
            cdnTtlSeconds: 1800,
            noncurrentVersionDays: 0,
            originCertificate: { leafCertificate: "nope", privateKey: leakedKey },
        })).toThrow(expect.objectContaining({
            name: "InvalidArgsError",
            message: expect.not.stringContaining(leakedKey),
            problems: [
                `region: expected a DigitalOcean region slug like "lon1", got "moon1x"`,
                `domain: expected a lowercase domain name like "blkoutuk.com", got "BLKOUT"`,
                `hostname: expected a name inside the zone "BLKOUT", got "static.example.org"`,
                `bucketName: expected 3-63 lowercase letters, digits or "-", got "Blkout_Static"`,
                `cdnTtlSeconds: expected one of 60, 600, 3600, 86400, 604800, got 1800`,
                `noncurrentVersionDays: expected an integer 1-3650, got 0`,
                "originCertificate.leafCertificate: expected a PEM certificate (-----BEGIN CERTIFICATE-----)",
                "originCertificate.privateKey: expected a PEM private key (-----BEGIN ... PRIVATE KEY-----)",
            ],
        }));
        await settle();
        expect(mocks.resources).toHaveLength(0);
    });
});

describe("originCertificateName", () => {
    test("is stable for one certificate and changes when the certificate is rotated", () => {
        const name = originCertificateName("green", LEAF);
        expect(name).toMatch(/^blkout-static-green-[0-9a-f]{12}$/);
        expect(originCertificateName("green", `\n${LEAF}\n`)).toBe(name);
        expect(originCertificateName("green", LEAF.replace("TEST-LEAF", "ROTATED-LEAF"))).not.toBe(name);
        expect(originCertificateName("blue", LEAF)).not.toBe(name);
    });
});
