import { TYPES } from "../../policies/lib/resources";
import { postgres, replica, vpc } from "./compliant";
import { colourReference, dnsRecord, loadBalancer, managedWaf, monitor, pool, POOL_IDS, trafficStack, zoneSetting } from "./compliantEdge";
import { PolicyCase, resource, withProp } from "./helpers";

/** Cases for the Cloudflare edge, the traffic split, and the blue/green invariants one stack can see. */

const replaceIn = (stack: ReturnType<typeof trafficStack>, name: string, replacement: ReturnType<typeof trafficStack>[number]) =>
    stack.map(r => (r.name === name ? replacement : r));

/** A follower colour stack: a replica whose primary comes through a StackReference to the owner. */
function followerStack(ownerOutputs: Record<string, unknown>) {
    const network = vpc("green");
    const owner = resource(TYPES.stackReference, "green-data-owner", { name: "organization/blkout-platform/blue" },
        { stack: "green", outputs: { outputs: ownerOutputs, secretOutputNames: [] } });
    const follower = replica(postgres(network), network);
    return [network, owner, { ...follower, urn: follower.urn.replace(":blue::", ":green::"), propertyDependencies: { ...follower.propertyDependencies, clusterId: [owner.urn] } }];
}

export const EDGE_CASES: PolicyCase[] = [
    {
        policy: "lb-weights-valid",
        compliant: () => [loadBalancer(), loadBalancer({ blue: 95, green: 5 }), loadBalancer({ blue: 50, green: 50 })],
        violations: [
            { title: "not a whole percent", resources: () => [loadBalancer({ blue: 97.5, green: 2.5 })], message: /pool 8de032a7b29c872de3497cc0c4897c2b has weight 0\.975, not a whole percent/ },
            { title: "a sum other than 100", resources: () => [loadBalancer({ blue: 60, green: 30 })], message: /the weights add up to 90 %, not 100 %/ },
            { title: "a default weight for unlisted pools", resources: () => [withProp(loadBalancer(), "randomSteering.defaultWeight", 1)], message: /defaultWeight is 1, so a pool missing from poolWeights would still take traffic/ },
            { title: "no weights at all", resources: () => [withProp(loadBalancer(), "randomSteering", undefined)], message: /randomSteering\.poolWeights is not set/ },
        ],
    },
    {
        policy: "lb-proxied",
        compliant: () => [loadBalancer()],
        violations: [{ title: "DNS-only", resources: () => [withProp(loadBalancer(), "proxied", false)], message: /load balancer "traffic-lb" is not proxied/ }],
    },
    {
        policy: "monitor-https",
        compliant: () => [monitor("blue")],
        violations: [
            { title: "plain HTTP", resources: () => [monitor("blue", { type: "http" })], message: /monitor "traffic-blue-monitor" probes over "http"\. Fix: set type: "https"/ },
            { title: "any certificate", resources: () => [monitor("blue", { allowInsecure: true })], message: /accepts any certificate/ },
        ],
    },
    {
        policy: "dns-proxied",
        compliant: () => [dnsRecord(), dnsRecord({ type: "TXT", content: "v=spf1 -all", proxied: false })],
        violations: [{ title: "a DNS-only A record", resources: () => [dnsRecord({ proxied: false })], message: /A record "blue\.blkoutuk\.com" is DNS-only/ }],
    },
    {
        policy: "zone-tls-settings",
        compliant: () => [zoneSetting("ssl", "strict"), zoneSetting("min_tls_version", "1.3"), zoneSetting("always_use_https", "on"), zoneSetting("security_header", { strict_transport_security: { enabled: true } })],
        violations: [
            { title: "SSL full (not strict)", resources: () => [zoneSetting("ssl", "full")], message: /SSL mode is "full", which does not verify the origin's certificate/ },
            { title: "TLS 1.0", resources: () => [zoneSetting("min_tls_version", "1.0")], message: /minimum TLS version is "1\.0", older than 1\.2/ },
            { title: "TLS 1.2 when config asks 1.3", resources: () => [zoneSetting("min_tls_version", "1.2")], config: { "zone-tls-settings": { minTlsVersion: "1.3" } }, message: /older than 1\.3/ },
            { title: "plain HTTP served", resources: () => [zoneSetting("always_use_https", "off")], message: /always_use_https is "off"/ },
        ],
    },
    {
        policy: "waf-managed-ruleset-enabled",
        compliant: () => [managedWaf(), resource(TYPES.ruleset, "edge-api-rate-limit", { kind: "zone", phase: "http_ratelimit", rules: [{ action: "block", expression: "true" }] })],
        violations: [{ title: "the managed rule disabled", resources: () => [managedWaf({ enabled: false })], message: /ruleset "edge-waf" does not execute the managed ruleset efb7b8c949ac4650a09736fc376e9aee/ }],
    },
    {
        policy: "weighted-pools-healthy",
        compliant: () => trafficStack({ blue: 95, green: 5 }),
        violations: [
            { title: "weight on an unmonitored pool", resources: () => replaceIn(trafficStack({ blue: 95, green: 5 }), "traffic-green-pool", withProp(pool("green"), "monitor", undefined)), message: /sends 5 % to pool "traffic-green-pool", but it has no health monitor/ },
            { title: "weight on a pool with no enabled origin", resources: () => replaceIn(trafficStack({ blue: 95, green: 5 }), "traffic-green-pool", withProp(pool("green"), "origins.0.enabled", false)), message: /but it has no enabled origin/ },
            { title: "weight on a pool of another stack", resources: () => trafficStack({ blue: 95, green: 5 }).filter(r => r.name !== "traffic-green-pool"), message: new RegExp(`sends 5 % to pool ${POOL_IDS.green}, but it is not a pool of this stack`) },
        ],
    },
    {
        policy: "fallback-pool-is-live",
        compliant: () => [...trafficStack({ blue: 95, green: 5 }), ...trafficStack({ blue: 50, green: 50 }, "green").filter(r => r.type === TYPES.loadBalancer).map(r => ({ ...r, name: "tie-lb", urn: `${r.urn}-tie` }))],
        violations: [
            { title: "falling back to the canary", resources: () => trafficStack({ blue: 95, green: 5 }, "green"), message: /falls back to "traffic-green-pool" carrying 5 %, while another pool carries 95 %/ },
            { title: "falling back to an idle colour", resources: () => trafficStack({ blue: 100, green: 0 }, "green"), message: /carrying 0 %/ },
        ],
    },
    {
        policy: "edge-hardening-present",
        compliant: () => trafficStack(),
        violations: [
            { title: "no SSL setting", resources: () => trafficStack().filter(r => r.name !== "edge-ssl"), message: /does not manage the zone setting ssl/ },
            { title: "no managed WAF", resources: () => trafficStack().filter(r => r.type !== TYPES.ruleset), message: /no ruleset executes the managed WAF/ },
        ],
    },
    {
        policy: "weight-only-to-active-colours",
        compliant: () => trafficStack({ blue: 80, green: 20 }),
        violations: [{
            title: "a canary step to a standby colour",
            resources: () => replaceIn(trafficStack({ blue: 80, green: 20 }), "green-colour-stack", colourReference("green", { mode: "standby", dataRole: "follower" })),
            message: /20 % of traffic goes to green, whose stack reports mode "standby"/,
        }],
    },
    {
        policy: "exactly-one-data-owner",
        compliant: () => trafficStack(),
        violations: [
            { title: "two owners", resources: () => replaceIn(trafficStack(), "green-colour-stack", colourReference("green", { mode: "standby", dataRole: "owner" })), message: /blue and green own the data; exactly one must/ },
            { title: "no owner", resources: () => replaceIn(trafficStack(), "blue-colour-stack", colourReference("blue", { mode: "active", dataRole: "follower" })), message: /no colour owns the data/ },
        ],
    },
    {
        policy: "follower-references-owner",
        compliant: () => followerStack({ colour: "blue", dataRole: "owner", dataPostgresClusterId: "1d6e0c4a-7b92-4f3e-a8d5-6c2b9e1f7a30" }),
        violations: [{ title: "following a follower", resources: () => followerStack({ colour: "blue", dataRole: "follower" }), message: /replica "blue-data-pg-replica" follows a primary that no referenced owner stack provides/ }],
    },
];
