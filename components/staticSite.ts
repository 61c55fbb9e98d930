import { createHash } from "crypto";
import * as cloudflare from "@pulumi/cloudflare";
import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { colourProblems, regionProblems } from "./network";
import { assertNoProblems, Colour } from "./platformNames";
import { domainProblems, isDnsName } from "./previewHostname";

/**
 * The certificate DigitalOcean's CDN presents for the site hostname. The zone's DNS is on
 * Cloudflare, and DigitalOcean's `lets_encrypt` certificates only issue for domains whose DNS
 * DigitalOcean hosts, so the certificate is uploaded (`custom`): a Cloudflare Origin CA
 * certificate for the hostname is the intended one, trusted by Cloudflare in Full (strict) mode.
 */
export interface OriginCertificate {
    /** PEM certificate covering the site hostname (a colour's Origin CA certificate for `<domain>` and `*.<domain>`). @default none (required) */
    readonly leafCertificate: pulumi.Input<string>;
    /** PEM private key of that certificate; always sent as a secret. @default none (required) */
    readonly privateKey: pulumi.Input<string>;
    /** PEM chain up to the issuing root. @default none (no chain sent) */
    readonly certificateChain?: pulumi.Input<string>;
}

export interface StaticSiteArgs {
    /** The colour stack this site build belongs to. @default none (required) */
    readonly colour: Colour;
    /** Spaces region of the bucket, e.g. "lon1". @default none (required) */
    readonly region: string;
    /** The Cloudflare zone's domain. @default none (required) */
    readonly domain: string;
    /** The site hostname, inside `domain`. @default "static-<colour>.<domain>" */
    readonly hostname?: string;
    /** Spaces bucket names are global per region, so this can be overridden. @default "blkout-static-<colour>" */
    readonly bucketName?: string;
    /** The Cloudflare zone id holding `domain`. @default none (required) */
    readonly zoneId: pulumi.Input<string>;
    /** The uploaded certificate for the site hostname (see OriginCertificate). @default none (required) */
    readonly originCertificate: OriginCertificate;
    /** CDN edge cache TTL; DigitalOcean accepts only 60, 600, 3600, 86400 or 604800. @default 3600 */
    readonly cdnTtlSeconds?: number;
    /** Days an overwritten build file is kept, so a bad upload can be rolled back. @default 30 */
    readonly noncurrentVersionDays?: number;
}

export const CDN_TTLS: readonly number[] = Object.freeze([60, 600, 3600, 86400, 604800]);
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** The site hostname a colour's StaticSite serves. */
export function staticSiteHostname(args: Pick<StaticSiteArgs, "colour" | "domain" | "hostname">): string {
    return args.hostname ?? `static-${args.colour}.${args.domain}`;
}

/**
 * DigitalOcean certificate names are unique and the certificate cannot be deleted while the CDN
 * uses it, so each certificate's name carries its fingerprint: a rotation creates the new one,
 * moves the CDN to it, then deletes the old, with no name clash and no moment without TLS.
 */
export function originCertificateName(colour: Colour, leafPem: string): string {
    return `blkout-static-${colour}-${createHash("sha256").update(leafPem.trim()).digest("hex").slice(0, 12)}`;
}

/** Every problem with StaticSiteArgs, each naming its argument. Key material is never quoted. */
export function staticSiteArgProblems(args: StaticSiteArgs): string[] {
    const problems = [...colourProblems(args.colour), ...regionProblems("region", args.region), ...domainProblems("domain", args.domain)];
    const hostname = staticSiteHostname(args);
    if (!isDnsName(hostname) || !hostname.endsWith(`.${args.domain}`)) {
        problems.push(`hostname: expected a name inside the zone ${JSON.stringify(args.domain)}, got ${JSON.stringify(hostname)}`);
    }
    const bucketName = args.bucketName ?? `blkout-static-${args.colour}`;
    if (!BUCKET_NAME.test(bucketName)) {
        problems.push(`bucketName: expected 3-63 lowercase letters, digits or "-", got ${JSON.stringify(bucketName)}`);
    }
    const ttl = args.cdnTtlSeconds ?? 3600;
    if (!CDN_TTLS.includes(ttl)) {
        problems.push(`cdnTtlSeconds: expected one of ${CDN_TTLS.join(", ")}, got ${JSON.stringify(ttl)}`);
    }
    const days = args.noncurrentVersionDays ?? 30;
    if (!Number.isInteger(days) || days < 1 || days > 3650) {
        problems.push(`noncurrentVersionDays: expected an integer 1-3650, got ${JSON.stringify(days)}`);
    }
    const certificate = args.originCertificate ?? ({} as Partial<OriginCertificate>);
    const leaf = certificate.leafCertificate;
    if (leaf === undefined || (typeof leaf === "string" && !leaf.includes("-----BEGIN CERTIFICATE-----"))) {
        problems.push("originCertificate.leafCertificate: expected a PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    const key = certificate.privateKey;
    if (key === undefined || (typeof key === "string" && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key))) {
        problems.push("originCertificate.privateKey: expected a PEM private key (-----BEGIN ... PRIVATE KEY-----)");
    }
    return problems;
}

/**
 * The React build of one colour: a Spaces bucket, DigitalOcean's CDN in front of it under the
 * site hostname, and a proxied Cloudflare record for that hostname.
 *
 * Why the CDN carries the custom hostname and an uploaded certificate: with the record proxied,
 * Cloudflare connects to the CDN with the site hostname as SNI and Host. The CDN's default
 * endpoint answers only its own name (`*.cdn.digitaloceanspaces.com`), so a proxied CNAME to it
 * without a custom domain fails, and a custom domain needs a certificate; Let's Encrypt through
 * DigitalOcean needs the zone's DNS at DigitalOcean, which it is not.
 */
export class StaticSite extends pulumi.ComponentResource {
    readonly bucketName: string;
    /** `<bucket>.<region>.digitaloceanspaces.com`, where the build is uploaded. */
    readonly bucketDomainName: pulumi.Output<string>;
    /** The CDN's own endpoint, which the site hostname's record points at. */
    readonly cdnEndpoint: pulumi.Output<string>;
    readonly siteHostname: string;
    readonly url: string;
    /** The uploaded origin certificate's DigitalOcean id, which the gateway's load balancer presents too. */
    readonly certificateId: pulumi.Output<string>;

    constructor(name: string, args: StaticSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        assertNoProblems(`StaticSite "${name}" args`, staticSiteArgProblems(args));
        super("blkout:platform:StaticSite", name, {}, opts);
        this.bucketName = args.bucketName ?? `blkout-static-${args.colour}`;
        this.siteHostname = staticSiteHostname(args);
        this.url = `https://${this.siteHostname}`;
        const bucket = this.createBucket(name, args);
        this.bucketDomainName = bucket.bucketDomainName;
        const certificate = this.createCertificate(name, args);
        this.certificateId = certificate.uuid;
        const cdn = this.createCdn(name, args, bucket, certificate);
        this.cdnEndpoint = cdn.endpoint;
        this.createRecord(name, args);
        this.registerOutputs({ bucketName: this.bucketName, cdnEndpoint: this.cdnEndpoint, siteHostname: this.siteHostname, certificateId: this.certificateId });
    }

    private createBucket(name: string, args: StaticSiteArgs): digitalocean.SpacesBucket {
        return new digitalocean.SpacesBucket(`${name}-bucket`, {
            name: this.bucketName,
            region: args.region,
            // Private bucket, public-read objects: the CDN fetches anonymously and serves only
            // objects whose own ACL is public-read (presigned URLs defeat its cache), so the deploy
            // step uploads each build file with `x-amz-acl: public-read`. A public-read bucket
            // would add nothing for the CDN and would let anyone list every file and old build.
            acl: "private",
            forceDestroy: false,
            versioning: { enabled: true },
            lifecycleRules: [{
                enabled: true,
                noncurrentVersionExpiration: { days: args.noncurrentVersionDays ?? 30 },
                abortIncompleteMultipartUploadDays: 1,
            }],
        }, { parent: this, protect: true });
    }

    private createCertificate(name: string, args: StaticSiteArgs): digitalocean.Certificate {
        const certificate = args.originCertificate;
        return new digitalocean.Certificate(`${name}-certificate`, {
            name: pulumi.output(certificate.leafCertificate).apply(pem => originCertificateName(args.colour, pem)),
            type: "custom",
            leafCertificate: certificate.leafCertificate,
            privateKey: pulumi.secret(certificate.privateKey),
            certificateChain: certificate.certificateChain,
        }, { parent: this });
    }

    private createCdn(name: string, args: StaticSiteArgs, bucket: digitalocean.SpacesBucket, certificate: digitalocean.Certificate): digitalocean.Cdn {
        return new digitalocean.Cdn(`${name}-cdn`, {
            origin: bucket.bucketDomainName,
            customDomain: this.siteHostname,
            certificateName: certificate.name,
            ttl: args.cdnTtlSeconds ?? 3600,
        }, { parent: this });
    }

    private createRecord(name: string, args: StaticSiteArgs): cloudflare.DnsRecord {
        return new cloudflare.DnsRecord(`${name}-record`, {
            zoneId: args.zoneId,
            name: this.siteHostname,
            type: "CNAME",
            content: this.cdnEndpoint,
            // Proxied: visitors get Cloudflare's WAF and edge certificate; Cloudflare then reaches
            // the CDN by the site hostname, which the uploaded origin certificate covers.
            proxied: true,
            ttl: 1,
            comment: `blkout ${args.colour} static site (DigitalOcean CDN)`,
        }, { parent: this });
    }
}
