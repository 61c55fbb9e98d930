/**
 * Pure IPv4 CIDR arithmetic for the network plan: a colour's VPC, its cluster's pod and service
 * subnets, and the other colour's ranges must all be disjoint, because DigitalOcean routes
 * VPC-native pod traffic by address and refuses (or silently misroutes) overlapping ranges.
 * Used by the Network and Cluster components and by the stack config validation.
 */

/** A parsed IPv4 network: its base address as an unsigned 32-bit number and its prefix length. */
export interface Ipv4Cidr {
    readonly text: string;
    readonly base: number;
    readonly prefix: number;
}

/** The private ranges of RFC 1918; DigitalOcean VPCs and DOKS subnets must sit inside one. */
export const RFC1918_RANGES: readonly string[] = Object.freeze(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);

const CIDR_SHAPE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
// A leading zero reads as octal to some tools (inet_aton), so "010.0.0.0/8" is refused, not guessed.
const OCTET = /^(0|[1-9]\d{0,2})$/;

function mask(prefix: number): number {
    return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Dotted-quad form of an unsigned 32-bit address. */
export function formatIpv4(address: number): string {
    return [24, 16, 8, 0].map(shift => (address >>> shift) & 0xff).join(".");
}

/**
 * Why a value is not a usable IPv4 network in CIDR form, or undefined when it is one. Host bits
 * must be zero: "10.0.0.1/16" is refused with the network it probably meant, since providers
 * either reject it or quietly round it, and the plan would then disagree with the cloud.
 */
export function ipv4CidrProblem(value: unknown): string | undefined {
    const expected = `expected an IPv4 CIDR like 10.110.0.0/20, got ${JSON.stringify(value)}`;
    if (typeof value !== "string") {
        return expected;
    }
    const match = CIDR_SHAPE.exec(value);
    if (!match || !match.slice(1, 6).every(part => OCTET.test(part))) {
        return expected;
    }
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some(octet => octet > 255) || prefix > 32) {
        return expected;
    }
    const address = octets.reduce((acc, octet) => ((acc << 8) | octet) >>> 0, 0);
    const network = (address & mask(prefix)) >>> 0;
    if (network !== address) {
        return `expected a network address with no host bits set, got ${JSON.stringify(value)} (did you mean "${formatIpv4(network)}/${prefix}"?)`;
    }
    return undefined;
}

/** Parses an IPv4 CIDR; throws naming the bad value when it is not one. */
export function parseIpv4Cidr(text: string): Ipv4Cidr {
    const problem = ipv4CidrProblem(text);
    if (problem !== undefined) {
        throw new Error(problem);
    }
    const [address, prefix] = text.split("/");
    const base = address.split(".").map(Number).reduce((acc, octet) => ((acc << 8) | octet) >>> 0, 0);
    return { text, base, prefix: Number(prefix) };
}

/** True when the two ranges share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
    const left = parseIpv4Cidr(a);
    const right = parseIpv4Cidr(b);
    const shared = mask(Math.min(left.prefix, right.prefix));
    return ((left.base & shared) >>> 0) === ((right.base & shared) >>> 0);
}

/** True when every address of `inner` is inside `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
    const container = parseIpv4Cidr(outer);
    const contained = parseIpv4Cidr(inner);
    return container.prefix <= contained.prefix
        && ((contained.base & mask(container.prefix)) >>> 0) === container.base;
}

/** True when the range lies wholly inside one RFC 1918 private range. */
export function isPrivateCidr(cidr: string): boolean {
    return RFC1918_RANGES.some(range => cidrContains(range, cidr));
}

/**
 * Every overlapping pair among named ranges, as messages naming both keys, e.g.
 * `network.clusterSubnet (10.120.0.0/16) overlaps network.vpcCidr (10.120.0.0/20)`. Ranges that do
 * not parse are skipped: their own validation reports them, and one problem should be said once.
 */
export function overlapProblems(ranges: Readonly<Record<string, string>>): string[] {
    const valid = Object.entries(ranges).filter(([, cidr]) => ipv4CidrProblem(cidr) === undefined);
    const problems: string[] = [];
    valid.forEach(([key, cidr], index) => {
        for (const [otherKey, otherCidr] of valid.slice(index + 1)) {
            if (cidrsOverlap(cidr, otherCidr)) {
                problems.push(`${otherKey} (${otherCidr}) overlaps ${key} (${cidr})`);
            }
        }
    });
    return problems;
}
