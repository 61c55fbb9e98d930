import ipaddr from "ipaddr.js";

/**
 * The one address library of the program and the policy pack, on ipaddr.js (maintained, IPv4 and
 * IPv6, prefix-aware `match`). The network plan needs disjoint IPv4 ranges (a colour's VPC, its
 * cluster's pod and service subnets, the other colour's ranges: DigitalOcean routes VPC-native pod
 * traffic by address); the gateway and the policies need "is this range inside Cloudflare's".
 */

/** A parsed IPv4 network: its base address as an unsigned 32-bit number and its prefix length. */
export interface Ipv4Cidr {
    readonly text: string;
    readonly base: number;
    readonly prefix: number;
}

/** A parsed IPv4 or IPv6 network (a bare address is its own /32 or /128). */
export interface IpRange {
    readonly family: 4 | 6;
    readonly address: ipaddr.IPv4 | ipaddr.IPv6;
    readonly prefix: number;
}

/** The private ranges of RFC 1918; DigitalOcean VPCs and DOKS subnets must sit inside one. */
export const RFC1918_RANGES: readonly string[] = Object.freeze(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);

/** Dotted-quad form of an unsigned 32-bit address. */
export function formatIpv4(address: number): string {
    return [24, 16, 8, 0].map(shift => (address >>> shift) & 0xff).join(".");
}

// ipaddr.js also accepts "10.1", hex and octal forms; some tools read a leading zero as octal, so only
// plain dotted quads with no leading zero are accepted, never guessed at.
const DOTTED_QUAD = /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/;
const PREFIX = /^(0|[1-9]\d{0,2})$/;

/** Parses `a.b.c.d/n`, `x::y/n` or a bare address; host bits are cleared. Undefined when it is none of them. */
export function parseRange(text: string): IpRange | undefined {
    if (typeof text !== "string") return undefined;
    const [address, prefixText, extra] = text.split("/");
    if (extra !== undefined || (prefixText !== undefined && !PREFIX.test(prefixText))) return undefined;
    const ipv4 = DOTTED_QUAD.test(address) && ipaddr.IPv4.isValidFourPartDecimal(address);
    const ipv6 = !ipv4 && address.includes(":") && ipaddr.IPv6.isValid(address) && !address.includes("%");
    if (!ipv4 && !ipv6) return undefined;
    const bits = ipv4 ? 32 : 128;
    const prefix = prefixText === undefined ? bits : Number(prefixText);
    if (prefix > bits) return undefined;
    const network = ipaddr.parseCIDR(`${address}/${prefix}`);
    const base = ipv4 ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`) : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefix}`);
    return { family: ipv4 ? 4 : 6, address: base, prefix: network[1] };
}

/** True for an IPv4/IPv6 address or CIDR range, in the forms nginx and Kubernetes accept. */
export function isCidrOrAddress(value: string): boolean {
    return parseRange(value) !== undefined;
}

/** True when every address of `inner` lies inside `outer`: same family, no shorter prefix, same network bits. */
export function rangeContains(outer: IpRange, inner: IpRange): boolean {
    return outer.family === inner.family && outer.prefix <= inner.prefix && inner.address.match(outer.address, outer.prefix);
}

/** True when the two ranges share at least one address (one contains the other's network). */
export function rangesOverlap(a: IpRange, b: IpRange): boolean {
    return a.family === b.family && a.address.match(b.address, Math.min(a.prefix, b.prefix));
}

/** True when `text` parses and lies inside one of `ranges`. */
export function insideAny(text: string, ranges: readonly string[]): boolean {
    const inner = parseRange(text);
    return inner !== undefined && ranges.some(range => {
        const outer = parseRange(range);
        return outer !== undefined && rangeContains(outer, inner);
    });
}

/**
 * Why a value is not a usable IPv4 network in CIDR form, or undefined when it is one. Host bits
 * must be zero: "10.0.0.1/16" is refused with the network it probably meant, since providers
 * either reject it or quietly round it, and the plan would then disagree with the cloud.
 */
export function ipv4CidrProblem(value: unknown): string | undefined {
    const expected = `expected an IPv4 CIDR like 10.110.0.0/20, got ${JSON.stringify(value)}`;
    if (typeof value !== "string" || !value.includes("/")) {
        return expected;
    }
    const range = parseRange(value);
    if (range === undefined || range.family !== 4) {
        return expected;
    }
    const network = `${range.address.toString()}/${range.prefix}`;
    return network === value ? undefined
        : `expected a network address with no host bits set, got ${JSON.stringify(value)} (did you mean "${network}"?)`;
}

/** Parses an IPv4 CIDR; throws naming the bad value when it is not one. */
export function parseIpv4Cidr(text: string): Ipv4Cidr {
    const problem = ipv4CidrProblem(text);
    if (problem !== undefined) {
        throw new Error(problem);
    }
    const range = parseRange(text)!;
    const base = range.address.toByteArray().reduce((acc, octet) => ((acc << 8) | octet) >>> 0, 0);
    return { text, base, prefix: range.prefix };
}

/** True when the two IPv4 ranges share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
    return rangesOverlap(toRange(parseIpv4Cidr(a).text), toRange(parseIpv4Cidr(b).text));
}

/** True when every address of `inner` is inside `outer` (both IPv4 CIDRs). */
export function cidrContains(outer: string, inner: string): boolean {
    return rangeContains(toRange(parseIpv4Cidr(outer).text), toRange(parseIpv4Cidr(inner).text));
}

function toRange(text: string): IpRange {
    return parseRange(text)!;
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
