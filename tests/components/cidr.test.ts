import { cidrContains, cidrsOverlap, formatIpv4, ipv4CidrProblem, isPrivateCidr, overlapProblems, parseIpv4Cidr } from "../../components/cidr";

describe("parsing IPv4 CIDRs", () => {
    test("a valid range parses to its base address and prefix", () => {
        expect(parseIpv4Cidr("10.120.0.0/20")).toEqual({ text: "10.120.0.0/20", base: (10 << 24 | 120 << 16) >>> 0, prefix: 20 });
        expect(parseIpv4Cidr("255.255.255.255/32").base).toBe(0xffffffff);
        expect(parseIpv4Cidr("0.0.0.0/0")).toMatchObject({ base: 0, prefix: 0 });
    });

    test.each([
        ["10.0.0.0", "no prefix"],
        ["10.0.0/16", "three octets"],
        ["10.0.0.256/32", "octet above 255"],
        ["10.0.0.0/33", "prefix above 32"],
        ["010.0.0.0/8", "leading zero"],
        [" 10.0.0.0/8", "whitespace"],
        ["10.0.0.0/-1", "negative prefix"],
        ["2001:db8::/32", "IPv6"],
        ["", "empty"],
    ])("%j is refused (%s), quoting the value", (value) => {
        expect(ipv4CidrProblem(value)).toBe(`expected an IPv4 CIDR like 10.110.0.0/20, got ${JSON.stringify(value)}`);
        expect(() => parseIpv4Cidr(value)).toThrow(JSON.stringify(value));
    });

    test("non-strings are refused", () => {
        expect(ipv4CidrProblem(undefined)).toMatch(/got undefined$/);
        expect(ipv4CidrProblem(1020)).toMatch(/got 1020$/);
    });

    test("host bits set are refused with the network that was probably meant", () => {
        expect(ipv4CidrProblem("10.120.3.7/20")).toBe(
            `expected a network address with no host bits set, got "10.120.3.7/20" (did you mean "10.120.0.0/20"?)`);
        expect(ipv4CidrProblem("10.120.0.0/20")).toBeUndefined();
    });

    test("formatIpv4 round-trips high addresses without sign errors", () => {
        expect(formatIpv4(parseIpv4Cidr("192.168.128.0/17").base)).toBe("192.168.128.0");
    });
});

describe("overlap and containment", () => {
    test.each([
        ["10.0.0.0/16", "10.0.255.0/24", true],
        ["10.0.0.0/16", "10.1.0.0/16", false],
        ["10.0.0.0/8", "10.200.0.0/16", true],
        ["10.200.0.0/16", "10.0.0.0/8", true],
        ["10.120.0.0/20", "10.120.16.0/20", false],
        ["10.120.0.0/19", "10.120.16.0/20", true],
        ["192.168.0.0/16", "172.16.0.0/12", false],
        ["0.0.0.0/0", "203.0.113.0/24", true],
        ["10.0.0.1/32", "10.0.0.1/32", true],
        ["10.0.0.1/32", "10.0.0.2/32", false],
    ])("%s and %s overlap: %s", (a, b, expected) => {
        expect(cidrsOverlap(a, b)).toBe(expected);
        expect(cidrsOverlap(b, a)).toBe(expected);
    });

    test("containment is one-way", () => {
        expect(cidrContains("10.0.0.0/8", "10.122.0.0/16")).toBe(true);
        expect(cidrContains("10.122.0.0/16", "10.0.0.0/8")).toBe(false);
        expect(cidrContains("10.122.0.0/16", "10.122.0.0/16")).toBe(true);
        expect(cidrContains("10.122.0.0/16", "10.123.0.0/24")).toBe(false);
    });

    test("overlap refuses invalid strings instead of guessing", () => {
        expect(() => cidrsOverlap("10.0.0.0/16", "ten")).toThrow(`got "ten"`);
        expect(() => cidrContains("10.0.0.0/33", "10.0.0.0/16")).toThrow(`got "10.0.0.0/33"`);
    });

    test("private ranges are the RFC 1918 blocks, edges included", () => {
        expect(isPrivateCidr("10.120.0.0/20")).toBe(true);
        expect(isPrivateCidr("172.31.0.0/16")).toBe(true);
        expect(isPrivateCidr("172.32.0.0/16")).toBe(false);
        expect(isPrivateCidr("192.168.0.0/16")).toBe(true);
        expect(isPrivateCidr("192.0.0.0/8")).toBe(false);
        expect(isPrivateCidr("100.64.0.0/10")).toBe(false);
    });
});

describe("overlapProblems", () => {
    test("names every overlapping pair by key and skips disjoint ones", () => {
        expect(overlapProblems({
            "blue.vpc": "10.110.0.0/20",
            "blue.pods": "10.112.0.0/16",
            "green.vpc": "10.110.8.0/21",
            "green.pods": "10.112.128.0/17",
            "green.services": "10.123.0.0/16",
        })).toEqual([
            "green.vpc (10.110.8.0/21) overlaps blue.vpc (10.110.0.0/20)",
            "green.pods (10.112.128.0/17) overlaps blue.pods (10.112.0.0/16)",
        ]);
    });

    test("disjoint plans and unparseable entries produce no overlap message", () => {
        expect(overlapProblems({ a: "10.110.0.0/20", b: "10.120.0.0/20", c: "not-a-cidr" })).toEqual([]);
    });
});
