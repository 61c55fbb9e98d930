import * as pulumi from "@pulumi/pulumi";
import { Alerts, AlertsArgs } from "../../components/alerts";
import { InvalidArgsError } from "../../components/platformNames";
import { evaluateTest, named, ofType, RecordedResource } from "../support/pulumi";
import { registrationsOnFailure, uniqueName } from "../support/workloadFixtures";

const ALERT = "digitalocean:index/monitorAlert:MonitorAlert";

function args(overrides: Partial<AlertsArgs> = {}): AlertsArgs {
    return {
        colour: "blue",
        emails: ["platform-alerts@blkoutuk.com", "oncall@blkoutuk.com"],
        nodeTag: "blkout-blue-nodes",
        // An Output, as the gateway hands it over: the alert must wait for it, not stringify it.
        loadBalancerId: pulumi.output("4de7ac8b-495b-4884-9a69-1050c6793cd6"),
        databaseClusterId: "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30",
        ...overrides,
    };
}

async function evaluateAlerts(overrides: Partial<AlertsArgs> = {}) {
    const name = uniqueName("alerts");
    const evaluation = await evaluateTest(() => {
        const alerts = new Alerts(name, args(overrides));
        return { alertIds: alerts.alertIds, alertCount: alerts.alertCount };
    });
    const alert = (key: string) => named(evaluation.resources, `${name}-${key}`);
    return { name, ...evaluation, alert };
}

/** Alert key -> what it watches and where it fires: type, threshold, and tag or entity (registration order varies with Outputs). */
function summary(resources: readonly RecordedResource[]): Record<string, unknown[]> {
    return Object.fromEntries(ofType(resources, ALERT).map(r =>
        [r.name.replace(/^alerts\d+-/, ""), [r.inputs.type, r.inputs.value, r.inputs.tags ?? r.inputs.entities]]));
}

describe("Alerts", () => {
    let owner: Awaited<ReturnType<typeof evaluateAlerts>>;
    beforeAll(async () => {
        owner = await evaluateAlerts();
    });

    it("watches the nodes by tag, the load balancer and the database by id, at the seeds' thresholds", () => {
        const lb = ["4de7ac8b-495b-4884-9a69-1050c6793cd6"];
        const db = ["9cc10173-e9ea-4176-9dbc-a4cee4c4ff30"];
        expect(summary(owner.resources)).toEqual({
            "node-cpu": ["v1/insights/droplet/cpu", 75, ["blkout-blue-nodes"]],
            "node-memory": ["v1/insights/droplet/memory_utilization_percent", 85, ["blkout-blue-nodes"]],
            "node-disk": ["v1/insights/droplet/disk_utilization_percent", 80, ["blkout-blue-nodes"]],
            "lb-5xx": ["v1/insights/lbaas/increase_in_http_error_rate_percentage_5xx", 5, lb],
            // DigitalOcean measures load balancer response time in seconds: 2000 ms.
            "lb-p95": ["v1/insights/lbaas/high_http_request_response_time_95p", 2, lb],
            "db-cpu": ["v1/dbaas/alerts/cpu_alerts", 75, db],
            "db-memory": ["v1/dbaas/alerts/memory_utilization_alerts", 85, db],
            "db-disk": ["v1/dbaas/alerts/disk_utilization_alerts", 80, db],
        });
        // Node alerts follow the tag (nodes come and go with the autoscaler); the others name one resource.
        expect(owner.alert("node-cpu").inputs.entities).toBeUndefined();
        expect(owner.alert("lb-5xx").inputs.tags).toBeUndefined();
    });

    it("fires above the threshold for five minutes, enabled, mailing every address, and names the colour", () => {
        for (const alert of ofType(owner.resources, ALERT)) {
            expect(alert.inputs).toMatchObject({
                compare: "GreaterThan", window: "5m", enabled: true,
                alerts: { emails: ["platform-alerts@blkoutuk.com", "oncall@blkoutuk.com"] },
            });
            expect(alert.inputs.description).toMatch(/^blue: /);
        }
        expect(owner.alert("lb-p95").inputs.description).toBe("blue: gateway p95 response time above 2000 ms: a rollback trigger, the release is too slow");
    });

    it("parents every alert to the component and exposes their ids and count", () => {
        const component = named(owner.resources, owner.name);
        expect(component.type).toBe("blkout:platform:Alerts");
        const alerts = ofType(owner.resources, ALERT);
        expect(alerts.every(a => a.parent === component.urn)).toBe(true);
        expect(owner.outputs.alertCount.value).toBe(8);
        expect(owner.outputs.alertIds.value).toEqual(Object.fromEntries(alerts.map(a => [a.name.slice(owner.name.length + 1), a.id])));
    });

    it("creates no database alerts without a database, and applies the given thresholds and window", async () => {
        const follower = await evaluateAlerts({
            colour: "green", nodeTag: "blkout-green-nodes", databaseClusterId: undefined,
            thresholds: { cpuPercent: 60, p95Ms: 1500, errorRatePercent: 2 }, window: "10m",
        });
        const values = Object.fromEntries(Object.entries(summary(follower.resources)).map(([key, [, value]]) => [key, value]));
        expect(values).toEqual({ "node-cpu": 60, "node-memory": 85, "node-disk": 80, "lb-5xx": 2, "lb-p95": 1.5 });
        expect(ofType(follower.resources, ALERT).map(a => a.inputs.window)).toEqual(Array(5).fill("10m"));
        expect(follower.alert("node-disk").inputs).toMatchObject({ tags: ["blkout-green-nodes"], description: expect.stringMatching(/^green: node disk above 80 %/) });
        expect(follower.outputs.alertCount.value).toBe(5);
    });

    it("refuses bad args with every problem named, before registering anything", async () => {
        const { error, resources } = await registrationsOnFailure(() => new Alerts(uniqueName("alertsbad"), args({
            colour: "purple",
            emails: ["platform-alerts@blkoutuk.com", "nobody"],
            nodeTag: "blue nodes",
            loadBalancerId: "",
            databaseClusterId: "",
            thresholds: { cpuPercent: 120, p95Ms: 50, memoryPercent: 85.5 },
            window: "2m" as AlertsArgs["window"],
        })));
        expect(error).toBeInstanceOf(InvalidArgsError);
        expect((error as InvalidArgsError).problems).toEqual([
            'colour: expected one of blue, green, got "purple"',
            'emails[1]: expected an email address like platform-alerts@blkoutuk.com, got "nobody"',
            'nodeTag: expected a DigitalOcean tag of letters, digits, "_", ":" or "-", got "blue nodes"',
            "loadBalancerId: expected the gateway load balancer's id, got nothing",
            "databaseClusterId: expected a database cluster id or no value, got an empty string",
            "thresholds.cpuPercent: expected an integer 1-100, got 120",
            "thresholds.p95Ms: expected an integer 100-60000, got 50",
            "thresholds.memoryPercent: expected an integer 1-100, got 85.5",
            'window: expected one of 5m, 10m, 30m, 1h, got "2m"',
        ]);
        expect(resources).toEqual([]);
    });

    it("refuses an empty email list: an alert that tells nobody", async () => {
        const { error, resources } = await registrationsOnFailure(() => new Alerts(uniqueName("alertsbad"), args({ emails: [] })));
        expect((error as InvalidArgsError).problems).toEqual(["emails: expected at least one address to notify, got none"]);
        expect(resources).toEqual([]);
    });
});
