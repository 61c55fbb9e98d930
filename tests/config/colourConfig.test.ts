import { SECRET_CONFIG_KEYS } from "../../infra/config/colourConfig";
import { loadColourConfig } from "../../infra/config/loadColourConfig";
import { ConfigError } from "../../infra/config/validators";
import { readStackFile, REPO_ROOT } from "../../infra/offline/stackFiles";

const blue = readStackFile(REPO_ROOT, "blue").config;
const green = readStackFile(REPO_ROOT, "green").config;
const ALL_SECRETS: string[] = [...SECRET_CONFIG_KEYS];

/** A deep copy of a config with one value set (or removed, for `undefined`) at a dotted path. */
function withValue(base: Record<string, unknown>, dotted: string, value: unknown): Record<string, unknown> {
    const copy = structuredClone(base);
    const keys = dotted.split(".");
    let node: any = copy;
    for (const key of keys.slice(0, -1)) {
        node = node[key];
    }
    if (value === undefined) {
        delete node[keys[keys.length - 1]];
    } else {
        node[keys[keys.length - 1]] = value;
    }
    return copy;
}

function problemsOf(raw: Record<string, unknown>, secrets = ALL_SECRETS): readonly string[] {
    try {
        loadColourConfig(raw, secrets);
    } catch (error) {
        if (error instanceof ConfigError) {
            return error.problems;
        }
        throw error;
    }
    return [];
}

describe("the committed stack configs", () => {
    test("blue validates as the active data owner", () => {
        const cfg = loadColourConfig(blue, ALL_SECRETS);
        expect(cfg).toMatchObject({ colour: "blue", mode: "active", region: "lon1", data: { role: "owner" } });
        expect(cfg.apis.ivor.image).toBe("registry.digitalocean.com/blkout/ivor:2026.11.2");
    });

    test("green validates as a standby follower of blue", () => {
        const cfg = loadColourConfig(green, ALL_SECRETS);
        expect(cfg).toMatchObject({ colour: "green", mode: "standby", data: { role: "follower", ownerStack: "organization/blkout-platform/blue" } });
    });

    test("alert thresholds default to the seeds' numbers", () => {
        const cfg = loadColourConfig(withValue(blue, "alerts", { emails: ["platform-alerts@blkoutuk.com"] }), ALL_SECRETS);
        expect(cfg.alerts).toEqual({
            emails: ["platform-alerts@blkoutuk.com"], cpuPercent: 75, memoryPercent: 85, diskPercent: 80, errorRatePercent: 5, p95Ms: 2000, window: "5m",
        });
    });

    test("defaults fill what a stack leaves out, with the seeds' numbers", () => {
        const cfg = loadColourConfig(withValue(blue, "apis.events", { image: "registry.digitalocean.com/blkout/events:2026.11.2" }), ALL_SECRETS);
        expect(cfg.apis.events).toEqual({
            image: "registry.digitalocean.com/blkout/events:2026.11.2",
            replicas: 2, maxReplicas: 10, cpuTargetPercent: 70,
            cpuRequest: "250m", cpuLimit: "1", memoryRequest: "256Mi", memoryLimit: "512Mi", port: 8080, poolSize: 10,
        });
    });
});

describe("bad config is reported key by key", () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
        ["replicas as a word", withValue(blue, "apis.ivor.replicas", "three"), "apis.ivor.replicas: expected an integer 1-50, got \"three\""],
        ["replicas out of range", withValue(blue, "apis.events.replicas", 0), "apis.events.replicas: expected an integer 1-50, got 0"],
        ["fractional replicas", withValue(blue, "apis.newsroom.replicas", 2.5), "apis.newsroom.replicas: expected an integer 1-50, got 2.5"],
        ["latest tag", withValue(blue, "apis.ivor.image", "registry.digitalocean.com/blkout/ivor:latest"), "apis.ivor.image: expected a pinned tag, got the moving tag \"latest\""],
        ["untagged image", withValue(blue, "apis.events.image", "registry.digitalocean.com/blkout/events"), "apis.events.image: expected an image pinned by tag or digest"],
        ["gateway image latest", withValue(blue, "gateway.image", "nginxinc/nginx-unprivileged:latest"), "gateway.image: expected a pinned tag"],
        ["unknown data role", withValue(blue, "data.role", "leader"), "data.role: expected"],
        ["follower with no owner", withValue(green, "data.ownerStack", undefined), "data.ownerStack: expected a fully qualified stack name org/project/stack, got nothing"],
        ["follower following itself", withValue(green, "data.ownerStack", "organization/blkout-platform/green"), "data.ownerStack: a follower cannot follow its own stack"],
        ["unknown colour", withValue(blue, "colour", "purple"), "colour: expected one of \"blue\", \"green\", got \"purple\""],
        ["unknown mode", withValue(blue, "mode", "on"), "mode: expected one of \"active\", \"standby\", got \"on\""],
        ["missing domain", withValue(blue, "domain", undefined), "domain: expected a domain name like blkoutuk.com, got nothing"],
        ["bad release", withValue(blue, "releaseVersion", "v2"), "releaseVersion: expected a release version like 2026.11.3, got \"v2\""],
        ["bad zone id", withValue(blue, "cloudflare.zoneId", "my-zone"), "cloudflare.zoneId: expected a 32-character Cloudflare zone id"],
        ["malformed CIDR", withValue(blue, "network.vpcCidr", "10.110.0.0"), "network.vpcCidr: expected an IPv4 CIDR like 10.110.0.0/20, got \"10.110.0.0\""],
        ["impossible CIDR", withValue(blue, "network.vpcCidr", "10.300.0.0/20"), "network.vpcCidr: expected an IPv4 CIDR like 10.110.0.0/20, got \"10.300.0.0/20\""],
        ["host bits set", withValue(blue, "network.serviceSubnet", "10.113.0.1/16"), "network.serviceSubnet: expected a network address with no host bits set"],
        ["public range", withValue(blue, "network.vpcCidr", "8.8.0.0/20"), "network.vpcCidr: expected a private (RFC 1918) range"],
        ["overlapping CIDRs", withValue(blue, "network.clusterSubnet", "10.110.8.0/21"), "network.clusterSubnet: network.clusterSubnet (10.110.8.0/21) overlaps network.vpcCidr (10.110.0.0/20)"],
        ["min nodes above max", withValue(blue, "cluster.minNodes", 12), "cluster.minNodes: 12 is above cluster.maxNodes 10"],
        ["replicas above max", withValue(blue, "apis.ivor.maxReplicas", 1), "apis.ivor.replicas: 2 is above apis.ivor.maxReplicas 1"],
        ["full DOKS slug instead of a minor", withValue(blue, "cluster.kubernetesVersion", "1.33.1-do.3"), "cluster.kubernetesVersion: expected a Kubernetes minor version like \"1.33\", got \"1.33.1-do.3\""],
        ["HA flag as text", withValue(blue, "cluster.haControlPlane", "yes"), "cluster.haControlPlane: expected true or false, got \"yes\""],
        ["bad maintenance time", withValue(blue, "cluster.maintenance.startTime", "25:00"), "cluster.maintenance.startTime: expected a time HH:MM (24 h, UTC), got \"25:00\""],
        ["production without HA database", withValue(blue, "data.postgres.nodeCount", 1), "data.postgres.nodeCount: production needs an HA PostgreSQL"],
        ["unknown eviction policy", withValue(blue, "data.valkey.evictionPolicy", "lru"), "data.valkey.evictionPolicy: expected one of"],
        ["misspelt key", withValue(blue, "apis.ivor.replica", 3), "apis.ivor.replica: unknown key (did you mean \"replicas\"?)"],
        ["unknown top-level key", withValue(blue, "gatway", {}), "gatway: unknown key (did you mean \"gateway\"?)"],
        ["section as a scalar", withValue(blue, "gateway", "nginx"), "gateway: expected a section (a YAML mapping), got \"nginx\""],
        ["CDN TTL not offered", withValue(blue, "site.cdnTtlSeconds", 1000), "site.cdnTtlSeconds: expected one of the CDN's TTLs"],
        ["rate limit zero", withValue(blue, "gateway.rateLimitPerMinute", 0), "gateway.rateLimitPerMinute: expected an integer 1-100000, got 0"],
        ["no one to alert", withValue(blue, "alerts.emails", []), "alerts.emails: expected at least one email address, got none"],
        ["alert address without a domain", withValue(green, "alerts.emails", ["platform-alerts"]), "alerts.emails.0: expected an email address like platform-alerts@blkoutuk.com, got \"platform-alerts\""],
        ["alert percent over 100", withValue(blue, "alerts.cpuPercent", 120), "alerts.cpuPercent: expected an integer 1-100, got 120"],
        ["alert window DigitalOcean lacks", withValue(blue, "alerts.window", "2m"), "alerts.window: expected one of \"5m\", \"10m\", \"30m\", \"1h\", got \"2m\""],
    ];

    test.each(cases)("%s", (_label, raw, expected) => {
        const problems = problemsOf(raw);
        expect(problems.length).toBeGreaterThanOrEqual(1);
        expect(problems.join("\n")).toContain(expected);
    });

    test("every problem is reported at once, not only the first", () => {
        let raw = withValue(blue, "apis.ivor.replicas", "three");
        raw = withValue(raw, "colour", "purple");
        raw = withValue(raw, "apis.newsroom.image", "registry.digitalocean.com/blkout/newsroom:latest");
        const problems = problemsOf(raw, ALL_SECRETS.filter(key => key !== "ivorModelApiKey"));
        expect(problems).toEqual(expect.arrayContaining([
            expect.stringContaining("apis.ivor.replicas"),
            expect.stringContaining("colour"),
            expect.stringContaining("apis.newsroom.image"),
            expect.stringContaining("ivorModelApiKey: required secret is not set"),
        ]));
        expect(problems).toHaveLength(4);
    });

    test("the error message lists every problem on its own line and names the stack", () => {
        expect(() => loadColourConfig(withValue(blue, "mode", "on"), ALL_SECRETS.filter(key => key !== "ivorModelApiKey"), "stack blue's config"))
            .toThrow(/^stack blue's config has 2 problems:\n {2}- mode: .*\n {2}- ivorModelApiKey: /);
    });
});
