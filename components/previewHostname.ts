import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { colourProblems } from "./network";
import { assertNoProblems, Colour } from "./platformNames";

export interface PreviewHostnameArgs {
    /** The colour this hostname reaches directly, bypassing the load balancer. @default none (required) */
    readonly colour: Colour;
    /** The Cloudflare zone's domain; the record is `<colour>.<domain>`. @default none (required) */
    readonly domain: string;
    /** The Cloudflare zone id holding `domain`. @default none (required) */
    readonly zoneId: pulumi.Input<string>;
    /** The colour's gateway origin: the public IPv4 address of its load balancer. @default none (required) */
    readonly originAddress: pulumi.Input<string>;
    /** The release this colour runs, written into the record's comment for whoever reads the zone. @default none (required) */
    readonly release: string;
}

/** A fully qualified DNS name of two or more labels, lowercase, as Cloudflare stores it. */
export function isDnsName(value: unknown): value is string {
    return typeof value === "string"
        && value.length <= 253
        && /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value);
}

/** Every problem with a domain argument, named by its key. */
export function domainProblems(key: string, domain: unknown): string[] {
    return isDnsName(domain) ? [] : [`${key}: expected a lowercase domain name like "blkoutuk.com", got ${JSON.stringify(domain)}`];
}

const IPV4_ADDRESS = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Every problem with PreviewHostnameArgs, each naming its argument. */
export function previewHostnameArgProblems(args: PreviewHostnameArgs): string[] {
    const problems = [...colourProblems(args.colour), ...domainProblems("domain", args.domain)];
    // An address known now is checked now; one that comes from the load balancer is the provider's.
    if (typeof args.originAddress === "string" && !IPV4_ADDRESS.test(args.originAddress)) {
        problems.push(`originAddress: expected an IPv4 address, got ${JSON.stringify(args.originAddress)}`);
    }
    if (typeof args.release !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,39}$/.test(args.release)) {
        problems.push(`release: expected a release version like "2026.11.3" (at most 40 characters), got ${JSON.stringify(args.release)}`);
    }
    return problems;
}

/**
 * `<colour>.<domain>`: a proxied record straight to one colour's gateway, so a release can be
 * tried on its own colour before the load balancer sends it any public traffic. Proxied, so the
 * preview host gets the same WAF and TLS as the public site and the origin's address stays hidden
 * (the gateway admits only Cloudflare's ranges anyway).
 */
/** A colour's own hostname on the zone, e.g. `blue.blkoutuk.com` (the monitors send it as Host). */
export function previewHostnameFor(colour: string, domain: string): string {
    return `${colour}.${domain}`;
}

export class PreviewHostname extends pulumi.ComponentResource {
    readonly hostname: string;
    readonly url: string;
    readonly recordId: pulumi.Output<string>;

    constructor(name: string, args: PreviewHostnameArgs, opts?: pulumi.ComponentResourceOptions) {
        assertNoProblems(`PreviewHostname "${name}" args`, previewHostnameArgProblems(args));
        super("blkout:platform:PreviewHostname", name, {}, opts);
        this.hostname = previewHostnameFor(args.colour, args.domain);
        this.url = `https://${this.hostname}`;
        this.recordId = this.createRecord(name, args).id;
        this.registerOutputs({ hostname: this.hostname, url: this.url, recordId: this.recordId });
    }

    private createRecord(name: string, args: PreviewHostnameArgs): cloudflare.DnsRecord {
        return new cloudflare.DnsRecord(`${name}-record`, {
            zoneId: args.zoneId,
            name: this.hostname,
            type: "A",
            content: args.originAddress,
            proxied: true,
            // 1 is Cloudflare's "automatic", the only TTL a proxied record takes.
            ttl: 1,
            comment: `blkout ${args.colour} preview, release ${args.release}`,
        }, { parent: this });
    }
}
