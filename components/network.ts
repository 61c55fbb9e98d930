import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { ipv4CidrProblem, isPrivateCidr, parseIpv4Cidr } from "./cidr";
import { assertNoProblems, Colour, COLOURS } from "./platformNames";

export interface NetworkArgs {
    /** The colour stack this VPC serves; the VPC is named `blkout-<colour>`. @default none (required) */
    readonly colour: Colour;
    /** DigitalOcean region slug, e.g. "lon1"; the cluster and databases must use the same one. @default none (required) */
    readonly region: string;
    /**
     * The VPC's private range: RFC 1918, between /16 and /24 (DigitalOcean's limits), disjoint from
     * the other colour's VPC and from both clusters' pod and service subnets.
     * @default none (required)
     */
    readonly ipRange: string;
    /** Free text shown in the control panel (255 characters at most). @default "blkout-platform <colour> colour stack" */
    readonly description?: string;
}

/** DigitalOcean region slugs are three letters and a digit ("lon1", "ams3"). */
export const REGION_SLUG = /^[a-z]{3}\d$/;

/** Every problem with a region slug argument, named by its key. */
export function regionProblems(key: string, region: unknown): string[] {
    return typeof region === "string" && REGION_SLUG.test(region)
        ? []
        : [`${key}: expected a DigitalOcean region slug like "lon1", got ${JSON.stringify(region)}`];
}

/** Every problem with a colour argument. */
export function colourProblems(colour: unknown): string[] {
    return COLOURS.includes(colour as Colour)
        ? []
        : [`colour: expected one of ${COLOURS.map(c => `"${c}"`).join(", ")}, got ${JSON.stringify(colour)}`];
}

/** Every problem with NetworkArgs, each naming its argument. */
export function networkArgProblems(args: NetworkArgs): string[] {
    const problems = [...colourProblems(args.colour), ...regionProblems("region", args.region)];
    const cidrProblem = ipv4CidrProblem(args.ipRange);
    if (cidrProblem !== undefined) {
        problems.push(`ipRange: ${cidrProblem}`);
    } else {
        const { prefix } = parseIpv4Cidr(args.ipRange);
        if (prefix < 16 || prefix > 24) {
            problems.push(`ipRange: expected a prefix between /16 and /24 (DigitalOcean's VPC limits), got ${JSON.stringify(args.ipRange)}`);
        }
        if (!isPrivateCidr(args.ipRange)) {
            problems.push(`ipRange: expected a private (RFC 1918) range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, got ${JSON.stringify(args.ipRange)}`);
        }
    }
    if (args.description !== undefined && typeof args.description !== "string") {
        problems.push(`description: expected text, got ${JSON.stringify(args.description)}`);
    } else if (args.description !== undefined && args.description.length > 255) {
        problems.push(`description: expected at most 255 characters, got ${args.description.length}`);
    }
    return problems;
}

/**
 * One colour's private network. The cluster's nodes, its load balancers and the databases' private
 * endpoints live in it, so everything else in the colour stack is placed by `vpcId`.
 */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    /** The VPC's range, known before deployment so peers can validate against it. */
    readonly ipRange: string;
    readonly region: string;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        assertNoProblems(`Network "${name}" args`, networkArgProblems(args));
        super("blkout:platform:Network", name, {}, opts);
        this.ipRange = args.ipRange;
        this.region = args.region;
        const vpc = this.createVpc(name, args);
        this.vpcId = vpc.id;
        this.registerOutputs({ vpcId: this.vpcId, ipRange: this.ipRange });
    }

    private createVpc(name: string, args: NetworkArgs): digitalocean.Vpc {
        return new digitalocean.Vpc(`${name}-vpc`, {
            name: `blkout-${args.colour}`,
            region: args.region,
            ipRange: args.ipRange,
            description: args.description ?? `blkout-platform ${args.colour} colour stack`,
        }, {
            parent: this,
            // Protected although a VPC holds no data: a change to its region or range replaces it,
            // and DigitalOcean cannot move a Kubernetes cluster or load balancer to another VPC, so
            // the replacement would drag the cluster (and the databases' private placement) with
            // it. DigitalOcean also refuses to delete a VPC that still has members, which would
            // leave the stack half-replaced. Protection makes preview fail first, loudly.
            protect: true,
        });
    }
}
