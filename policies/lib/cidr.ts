/**
 * IPv4 and IPv6 ranges as numbers, enough to tell whether a source range is open to the world,
 * too broad, or inside Cloudflare's published ranges.
 */

export interface IpRange {
    readonly family: 4 | 6;
    readonly base: bigint;
    readonly prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function parseIpv4(address: string): bigint | undefined {
    const octets = address.split(".");
    if (octets.length !== 4 || !octets.every(octet => /^(0|[1-9]\d{0,2})$/.test(octet) && Number(octet) <= 255)) {
        return undefined;
    }
    return octets.reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n);
}

function parseIpv6(address: string): bigint | undefined {
    const halves = address.split("::");
    if (halves.length > 2) {
        return undefined;
    }
    const groups = (half: string): string[] => (half === "" ? [] : half.split(":"));
    const head = groups(halves[0]);
    const tail = halves.length === 2 ? groups(halves[1]) : [];
    const missing = 8 - head.length - tail.length;
    if ((halves.length === 1 && missing !== 0) || missing < 0) {
        return undefined;
    }
    const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
    if (!all.every(group => /^[0-9a-fA-F]{1,4}$/.test(group))) {
        return undefined;
    }
    return all.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function networkMask(family: 4 | 6, prefix: number): bigint {
    const bits = BigInt(BITS[family]);
    const all = (1n << bits) - 1n;
    return prefix === 0 ? 0n : (all << (bits - BigInt(prefix))) & all;
}

/** Parses `a.b.c.d/n`, an IPv6 `x::y/n`, or a bare address (a single host); undefined when it is neither. */
export function parseRange(text: string): IpRange | undefined {
    const [address, prefixText, extra] = text.trim().split("/");
    if (extra !== undefined) {
        return undefined;
    }
    const family: 4 | 6 = address.includes(":") ? 6 : 4;
    const value = family === 4 ? parseIpv4(address) : parseIpv6(address);
    const prefix = prefixText === undefined ? BITS[family] : Number(prefixText);
    if (value === undefined || !/^\d{1,3}$/.test(prefixText ?? "0") || prefix > BITS[family]) {
        return undefined;
    }
    return { family, base: value & networkMask(family, prefix), prefix };
}

/** True when every address of `inner` lies inside `outer`. */
export function rangeContains(outer: IpRange, inner: IpRange): boolean {
    return outer.family === inner.family
        && outer.prefix <= inner.prefix
        && (inner.base & networkMask(outer.family, outer.prefix)) === outer.base;
}

/** True when `text` parses and lies inside one of `ranges`. */
export function insideAny(text: string, ranges: readonly string[]): boolean {
    const inner = parseRange(text);
    return inner !== undefined && ranges.some(range => {
        const outer = parseRange(range);
        return outer !== undefined && rangeContains(outer, inner);
    });
}
