/**
 * Who may claim a client address, as nginx config. The chain is: the client reaches Cloudflare,
 * Cloudflare's edge reaches the DigitalOcean load balancer (which admits only Cloudflare's ranges),
 * and the load balancer reaches nginx with a PROXY protocol header naming the edge address it saw.
 *
 * 1. The PROXY header is believed only from the load balancer's peer range (`set_real_ip_from`,
 *    `real_ip_header proxy_protocol`), so `$remote_addr` becomes the edge address, never a pod's claim.
 * 2. `CF-Connecting-IP` is believed only when that address is one of Cloudflare's (`geo`).
 * 3. Everything else the client sent about addresses is dropped before the APIs see it.
 *
 * The rate limit keys on the client's address for IPv4 and on its /64 for IPv6: one subscriber
 * usually gets a whole /64, and rotating inside it must not reset the limit.
 */

/** Headers a client could use to claim an address; the gateway sets its own X-Real-IP/X-Forwarded-For and drops the rest. */
export const CLIENT_IP_HEADERS: readonly string[] = Object.freeze([
    "CF-Connecting-IP", "CF-Connecting-IPv6", "CF-Pseudo-IPv4", "True-Client-IP", "Forwarded", "X-Forwarded",
    "Forwarded-For", "X-Client-IP", "X-Cluster-Client-IP", "X-Originating-IP", "X-Remote-IP", "X-Remote-Addr",
    "X-ProxyUser-Ip", "Fastly-Client-IP", "Client-IP", "X-Envoy-External-Address", "X-Real-Client-IP",
]);

/** Headers frameworks read to rebuild the URL, scheme, host or method: an API must never see a client's copy. */
export const URL_OVERRIDE_HEADERS: readonly string[] = Object.freeze([
    "X-Forwarded-Host", "X-Forwarded-Server", "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Forwarded-Scheme",
    "X-Forwarded-Ssl", "X-Url-Scheme", "Front-End-Https", "X-Original-URL", "X-Original-URI", "X-Rewrite-URL",
    "X-Override-URL", "X-Original-Host", "X-Host", "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
]);

/** Where the client address comes from and which peers may vouch for it. */
export interface ClientAddressOptions {
    /** Peers allowed to send a PROXY protocol header (the load balancer); empty when not behind PROXY protocol. */
    readonly loadBalancerRanges: readonly string[];
    /** Peers whose `CF-Connecting-IP` is believed: Cloudflare's ranges. */
    readonly cloudflareRanges: readonly string[];
    /** True when every connection starts with a PROXY protocol header. */
    readonly proxyProtocol: boolean;
}

const IPV4 = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}";
/** One IPv6 group, leading zeros dropped from the capture so `0db8` and `db8` give one key. */
const GROUP = "0*([0-9a-f]{1,4})";
const ANY_GROUP = "[0-9a-f]{1,4}";

/**
 * Regex -> /64 key rows for every textual form of an IPv6 address: the first four groups written
 * out, or a `::` after h < 4 groups with t groups behind it (the zeros it stands for fill the prefix
 * first, then the tail's leading groups do). IPv4-mapped addresses key on their IPv4 address.
 */
export function ipv6PrefixKeyRows(): [pattern: string, key: string][] {
    const rows: [string, string][] = [[`^::ffff:(${IPV4})$`, "$1"], [`^${GROUP}:${GROUP}:${GROUP}:${GROUP}:`, "$1:$2:$3:$4::/64"]];
    for (let head = 0; head < 4; head++) {
        for (let tail = 0; tail <= 7 - head; tail++) {
            const zeros = 8 - head - tail;
            const fromTail = Math.max(0, 4 - head - zeros);
            const headPattern = Array.from({ length: head }, () => GROUP).join(":");
            const tailPattern = [
                ...Array.from({ length: fromTail }, () => GROUP),
                ...Array.from({ length: tail - fromTail }, () => ANY_GROUP),
            ].join(":");
            const key = [
                ...Array.from({ length: head }, (_, i) => `$${i + 1}`),
                ...Array.from({ length: 4 - head - fromTail }, () => "0"),
                ...Array.from({ length: fromTail }, (_, i) => `$${head + i + 1}`),
            ].join(":");
            rows.push([`^${headPattern}::${tailPattern}$`, `${key}::/64`]);
        }
    }
    return rows;
}

/** The /64 key nginx would compute for an address's text, for tests and the policy (same rows, same order). */
export function clientKeyOf(address: string): string {
    for (const [pattern, key] of ipv6PrefixKeyRows()) {
        const match = new RegExp(pattern, "i").exec(address);
        if (match) return key.replace(/\$(\d)/g, (_, n: string) => match[Number(n)]);
    }
    return address;
}

/** http-level lines: who is believed, `$client_addr` (what the APIs are told) and `$client_key` (what is limited). */
export function clientAddressLines(o: ClientAddressOptions): string[] {
    const realIp = o.proxyProtocol
        ? [...o.loadBalancerRanges.map(range => `set_real_ip_from ${range};`), "real_ip_header proxy_protocol;"]
        : [];
    return [
        ...realIp,
        "geo $remote_addr $peer_is_cloudflare {",
        "    default 0;",
        ...o.cloudflareRanges.map(range => `    ${range} 1;`),
        "}",
        // A claim must look like one address: a list or a name would become a key the client chooses.
        "map $http_cf_connecting_ip $cf_claim_shape {",
        "    default 0;",
        `    "~^${IPV4}$" 1;`,
        '    "~*^[0-9a-f:]*:[0-9a-f:.]*$" 1;',
        "}",
        'map "$peer_is_cloudflare$cf_claim_shape" $client_addr {',
        "    default $remote_addr;",
        "    11 $http_cf_connecting_ip;",
        "}",
        "map $client_addr $client_key {",
        "    default $client_addr;",
        ...ipv6PrefixKeyRows().map(([pattern, key]) => `    "~*${pattern}" "${key}";`),
        "}",
    ];
}

/** Request headers for every proxied request: the gateway's own address headers, every other claim dropped. */
export function forwardedHeaderLines(): string[] {
    return [
        "proxy_set_header X-Real-IP $client_addr;",
        "proxy_set_header X-Forwarded-For $client_addr;",
        "proxy_set_header X-Forwarded-Proto https;",
        // An empty value makes nginx drop the client's header instead of passing it on.
        ...[...CLIENT_IP_HEADERS, ...URL_OVERRIDE_HEADERS].map(header => `proxy_set_header ${header} "";`),
    ];
}
