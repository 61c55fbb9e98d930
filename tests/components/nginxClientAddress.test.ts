import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { clientKeyOf, ipv6PrefixKeyRows } from "../../components/nginxClientAddress";

/**
 * The rate-limit key nginx computes with the map rows of nginxClientAddress.ts, replayed in
 * JavaScript with the same rows in the same order, against ipaddr.js's own /64 of the address.
 */

const expectedKey = (address: ipaddr.IPv6) => {
    const groups = address.parts.slice(0, 4).map(part => part.toString(16));
    return `${groups.join(":")}::/64`;
};

/** Every way to write one IPv6 address: compressed, fully expanded, zero-padded, `::` at any zero run. */
function spellings(address: ipaddr.IPv6): string[] {
    const hex = address.parts.map(part => part.toString(16));
    const forms = new Set([address.toString(), address.toNormalizedString(), hex.map(group => group.padStart(4, "0")).join(":")]);
    for (let start = 0; start < 8; start++) {
        for (let end = start + 1; end <= 8; end++) {
            if (address.parts.slice(start, end).every(part => part === 0)) {
                forms.add(`${hex.slice(0, start).join(":")}::${hex.slice(end).join(":")}`);
            }
        }
    }
    return [...forms];
}

const ipv6 = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
    .map(parts => new ipaddr.IPv6(parts));

describe("the per-client key", () => {
    it("is the /64 of every spelling of every IPv6 address", () => {
        fc.assert(fc.property(ipv6, address => {
            if (address.isIPv4MappedAddress()) return;
            for (const text of spellings(address)) {
                expect([text, clientKeyOf(text)]).toEqual([text, expectedKey(address)]);
            }
        }), { numRuns: 500 });
    });

    it("is the IPv4 address for IPv4 and IPv4-mapped IPv6", () => {
        fc.assert(fc.property(fc.ipV4(), address => {
            expect(clientKeyOf(address)).toBe(address);
            expect(clientKeyOf(`::ffff:${address}`)).toBe(address);
        }));
    });

    it("separates addresses in different /64s and joins addresses in one", () => {
        expect(clientKeyOf("2001:db8:1:2::1")).toBe(clientKeyOf("2001:db8:1:2:ffff::9"));
        expect(clientKeyOf("2001:db8:1:2::1")).not.toBe(clientKeyOf("2001:db8:1:3::1"));
        expect(clientKeyOf("::1")).toBe("0:0:0:0::/64");
    });

    it("has one row per place a :: can fall before the fifth group, plus the written-out and mapped forms", () => {
        expect(ipv6PrefixKeyRows()).toHaveLength(2 + 8 + 7 + 6 + 5);
    });
});
