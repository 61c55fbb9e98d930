import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { CLOUDFLARE_RANGES } from "../../components/cloudflareRanges";
import { insideAny, IpRange, parseRange, rangeContains, rangesOverlap } from "../../components/cidr";
import * as policyCidr from "../../policies/lib/cidr";

/**
 * Containment and overlap of the one address library (components/cidr.ts, used by the policies
 * too), checked as properties over random IPv4 and IPv6 ranges rather than a few examples.
 */

const v4Range = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([address, prefix]) => `${address}/${prefix}`);
const v6Range = fc.tuple(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 128 }))
    .map(([parts, prefix]) => `${new ipaddr.IPv6(parts).toString()}/${prefix}`);
const anyRange = fc.oneof(v4Range, v6Range);
const parsed = (text: string): IpRange => parseRange(text)!;

/** The first and last address of a range, as bare addresses. */
function ends(range: IpRange): [string, string] {
    const text = `${range.address.toString()}/${range.prefix}`;
    const last = range.family === 4 ? ipaddr.IPv4.broadcastAddressFromCIDR(text) : ipaddr.IPv6.broadcastAddressFromCIDR(text);
    return [range.address.toString(), last.toString()];
}

describe("containment", () => {
    it("a range contains itself and whatever lies between its ends; a shorter prefix is never inside", () => {
        fc.assert(fc.property(anyRange, anyRange, (a, b) => {
            const outer = parsed(a);
            const inner = parsed(b);
            expect(rangeContains(outer, outer)).toBe(true);
            const [first, last] = ends(inner);
            const bothEndsInside = insideAny(first, [a]) && insideAny(last, [a]);
            expect(rangeContains(outer, inner)).toBe(outer.family === inner.family && outer.prefix <= inner.prefix && bothEndsInside);
            if (inner.prefix < outer.prefix) expect(rangeContains(outer, inner)).toBe(false);
        }), { numRuns: 1000 });
    });

    it("is transitive", () => {
        fc.assert(fc.property(v4Range, fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 32 }), (text, p, q) => {
            const base = parsed(text);
            const [mid, wide] = [Math.max(p, q), Math.min(p, q)].map(prefix => parsed(`${base.address}/${Math.min(prefix, base.prefix)}`));
            expect(rangeContains(wide, mid) && rangeContains(mid, base)).toBe(true);
            expect(rangeContains(wide, base)).toBe(true);
        }));
    });

    it("respects the prefix length: 104.16.0.0/12 is not inside Cloudflare's 104.16.0.0/13", () => {
        expect(insideAny("104.16.0.0/13", CLOUDFLARE_RANGES)).toBe(true);
        expect(insideAny("104.16.0.0/12", CLOUDFLARE_RANGES)).toBe(false);
        expect(insideAny("104.23.255.255", CLOUDFLARE_RANGES)).toBe(true);
        expect(insideAny("104.24.0.0/13", CLOUDFLARE_RANGES)).toBe(false);
        expect(insideAny("2606:4700::/31", CLOUDFLARE_RANGES)).toBe(false);
        expect(insideAny("::ffff:104.16.0.1", CLOUDFLARE_RANGES)).toBe(false);
        expect(insideAny("0.0.0.0/0", CLOUDFLARE_RANGES)).toBe(false);
    });

    it("is the same code on the policies' side", () => {
        expect(policyCidr.insideAny).toBe(insideAny);
        expect(policyCidr.rangeContains).toBe(rangeContains);
    });
});

describe("overlap", () => {
    it("is symmetric, and for CIDR ranges holds exactly when one contains the other", () => {
        fc.assert(fc.property(anyRange, anyRange, (a, b) => {
            const [x, y] = [parsed(a), parsed(b)];
            expect(rangesOverlap(x, y)).toBe(rangesOverlap(y, x));
            expect(rangesOverlap(x, y)).toBe(rangeContains(x, y) || rangeContains(y, x));
        }), { numRuns: 1000 });
    });

    it("holds when a range shares an end address with another", () => {
        fc.assert(fc.property(anyRange, anyRange, (a, b) => {
            const [x, y] = [parsed(a), parsed(b)];
            const [first, last] = ends(y);
            if (insideAny(first, [a]) || insideAny(last, [a])) expect(rangesOverlap(x, y)).toBe(true);
        }), { numRuns: 1000 });
    });
});

describe("parsing", () => {
    it("refuses what nginx or Kubernetes would read differently", () => {
        expect(["010.0.0.0/8", "10.1/16", "0x0a.0.0.0/8", "10.0.0.0/33", "10.0.0.0/8/8", "2001:db8::/129", "fe80::1%eth0", "", "10.0.0.0/08"]
            .filter(text => parseRange(text) !== undefined)).toEqual([]);
    });
});
