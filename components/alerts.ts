import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { assertNoProblems, COLOURS } from "./platformNames";
import { DO_TAG } from "./cluster";

/** The only windows DigitalOcean evaluates an alert over. */
export const ALERT_WINDOWS = ["5m", "10m", "30m", "1h"] as const;
export type AlertWindow = (typeof ALERT_WINDOWS)[number];

/** One "@", no spaces, a dot in the domain: enough to catch a typo; DigitalOcean verifies delivery. */
export const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Where an alert fires, from the seeds' alert thresholds and rollback triggers. */
export interface AlertThresholds {
    /** Node and database CPU, percent (seed: keep below 75 %). @default 75 */
    readonly cpuPercent?: number;
    /** Node and database memory, percent (seed: keep below 85 %). @default 85 */
    readonly memoryPercent?: number;
    /** Node and database disk, percent (seed: keep below 80 %). @default 80 */
    readonly diskPercent?: number;
    /** 5xx responses at the load balancer, percent (seed rollback trigger: above 5 %). @default 5 */
    readonly errorRatePercent?: number;
    /** 95th percentile response time at the load balancer, milliseconds (seed rollback trigger). @default 2000 */
    readonly p95Ms?: number;
}

export const DEFAULT_ALERT_THRESHOLDS: Readonly<Required<AlertThresholds>> = {
    cpuPercent: 75, memoryPercent: 85, diskPercent: 80, errorRatePercent: 5, p95Ms: 2000,
};

/** The integers each threshold may take; the colour config's schema uses the same bounds. */
export const ALERT_THRESHOLD_RANGES: Readonly<Record<keyof AlertThresholds, readonly [min: number, max: number]>> = {
    cpuPercent: [1, 100], memoryPercent: [1, 100], diskPercent: [1, 100], errorRatePercent: [1, 100], p95Ms: [100, 60000],
};

export interface AlertsArgs {
    /** The colour watched; every description names it. @default none (required) */
    readonly colour: string;
    /** Who is told: at least one address. @default none (required) */
    readonly emails: readonly string[];
    /** The DigitalOcean tag the colour's DOKS nodes carry; node alerts follow it as nodes come and go. @default none (required) */
    readonly nodeTag: string;
    /** The gateway's DigitalOcean load balancer. @default none (required) */
    readonly loadBalancerId: pulumi.Input<string>;
    /** The PostgreSQL cluster this colour owns; a follower leaves it out and gets no database alerts. @default none */
    readonly databaseClusterId?: pulumi.Input<string>;
    /** @default DEFAULT_ALERT_THRESHOLDS */
    readonly thresholds?: AlertThresholds;
    /** How long a threshold must be crossed before the alert fires. @default "5m" */
    readonly window?: AlertWindow;
}

/** One alert policy to create: its name suffix, metric, threshold and what it watches. */
export interface AlertSpec {
    readonly key: string;
    readonly type: string;
    readonly value: number;
    readonly meaning: string;
    readonly target: { readonly tags: string[] } | { readonly entities: pulumi.Input<string>[] };
}

/** DigitalOcean Monitoring alerts on one colour's nodes, gateway load balancer and (for the owner) database. */
export class Alerts extends pulumi.ComponentResource {
    /** Alert policy ids by key (`node-cpu`, `lb-p95`, `db-disk`, ...). */
    readonly alertIds: Readonly<Record<string, pulumi.Output<string>>>;
    readonly alertCount: number;

    constructor(name: string, args: AlertsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        assertNoProblems(`Alerts "${name}" args`, alertsProblems(args));
        super("blkout:platform:Alerts", name, {}, opts);
        const specs = alertSpecs(args);
        this.alertIds = Object.fromEntries(specs.map(spec => [spec.key, createAlert(name, args, spec, { parent: this }).id]));
        this.alertCount = specs.length;
        this.registerOutputs({ alertIds: this.alertIds, alertCount: this.alertCount });
    }
}

/** Every problem with the args, each naming its argument. */
export function alertsProblems(args: AlertsArgs): string[] {
    const problems: string[] = [];
    if (!(COLOURS as readonly unknown[]).includes(args.colour)) {
        problems.push(`colour: expected one of ${COLOURS.join(", ")}, got ${JSON.stringify(args.colour)}`);
    }
    if (!Array.isArray(args.emails) || args.emails.length === 0) {
        problems.push("emails: expected at least one address to notify, got none");
    }
    (Array.isArray(args.emails) ? args.emails : []).forEach((email, i) => {
        if (typeof email !== "string" || !EMAIL_ADDRESS.test(email)) {
            problems.push(`emails[${i}]: expected an email address like platform-alerts@blkoutuk.com, got ${JSON.stringify(email)}`);
        }
    });
    if (typeof args.nodeTag !== "string" || !DO_TAG.test(args.nodeTag)) {
        problems.push(`nodeTag: expected a DigitalOcean tag of letters, digits, "_", ":" or "-", got ${JSON.stringify(args.nodeTag)}`);
    }
    if (args.loadBalancerId === undefined || args.loadBalancerId === "") {
        problems.push("loadBalancerId: expected the gateway load balancer's id, got nothing");
    }
    if (args.databaseClusterId === "") {
        problems.push("databaseClusterId: expected a database cluster id or no value, got an empty string");
    }
    for (const [key, value] of Object.entries(args.thresholds ?? {})) {
        const range = ALERT_THRESHOLD_RANGES[key as keyof AlertThresholds];
        if (!range) {
            problems.push(`thresholds.${key}: unknown threshold (expected ${Object.keys(ALERT_THRESHOLD_RANGES).join(", ")})`);
        } else if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
            problems.push(`thresholds.${key}: expected an integer ${range[0]}-${range[1]}, got ${JSON.stringify(value)}`);
        }
    }
    if (args.window !== undefined && !ALERT_WINDOWS.includes(args.window)) {
        problems.push(`window: expected one of ${ALERT_WINDOWS.join(", ")}, got ${JSON.stringify(args.window)}`);
    }
    return problems;
}

/** The alerts a colour gets: nodes and load balancer always, database only where it owns one. */
export function alertSpecs(args: AlertsArgs): AlertSpec[] {
    const t = { ...DEFAULT_ALERT_THRESHOLDS, ...args.thresholds };
    return [
        ...nodeAlerts(args.nodeTag, t),
        ...loadBalancerAlerts(args.loadBalancerId, t),
        ...(args.databaseClusterId === undefined ? [] : databaseAlerts(args.databaseClusterId, t)),
    ];
}

function nodeAlerts(nodeTag: string, t: Required<AlertThresholds>): AlertSpec[] {
    const target = { tags: [nodeTag] };
    return [
        { key: "node-cpu", type: "v1/insights/droplet/cpu", value: t.cpuPercent, meaning: `node CPU above ${t.cpuPercent} %: add nodes or move load`, target },
        { key: "node-memory", type: "v1/insights/droplet/memory_utilization_percent", value: t.memoryPercent, meaning: `node memory above ${t.memoryPercent} %: pods risk eviction`, target },
        { key: "node-disk", type: "v1/insights/droplet/disk_utilization_percent", value: t.diskPercent, meaning: `node disk above ${t.diskPercent} %: image and log space is running out`, target },
    ];
}

function loadBalancerAlerts(loadBalancerId: pulumi.Input<string>, t: Required<AlertThresholds>): AlertSpec[] {
    const target = { entities: [loadBalancerId] };
    return [
        {
            key: "lb-5xx", type: "v1/insights/lbaas/increase_in_http_error_rate_percentage_5xx", value: t.errorRatePercent, target,
            meaning: `gateway 5xx error rate above ${t.errorRatePercent} %: a rollback trigger, the release is failing requests`,
        },
        {
            // DigitalOcean's Monitoring API publishes load balancer response times in seconds
            // (droplets_http_response_time_95p) and this alert watches that metric: 2000 ms is 2.
            key: "lb-p95", type: "v1/insights/lbaas/high_http_request_response_time_95p", value: t.p95Ms / 1000, target,
            meaning: `gateway p95 response time above ${t.p95Ms} ms: a rollback trigger, the release is too slow`,
        },
    ];
}

function databaseAlerts(clusterId: pulumi.Input<string>, t: Required<AlertThresholds>): AlertSpec[] {
    const target = { entities: [clusterId] };
    return [
        { key: "db-cpu", type: "v1/dbaas/alerts/cpu_alerts", value: t.cpuPercent, meaning: `PostgreSQL CPU above ${t.cpuPercent} %: resize before queries slow down`, target },
        { key: "db-memory", type: "v1/dbaas/alerts/memory_utilization_alerts", value: t.memoryPercent, meaning: `PostgreSQL memory above ${t.memoryPercent} %: the cache no longer fits`, target },
        { key: "db-disk", type: "v1/dbaas/alerts/disk_utilization_alerts", value: t.diskPercent, meaning: `PostgreSQL disk above ${t.diskPercent} %: DigitalOcean makes a nearly full cluster read-only`, target },
    ];
}

function createAlert(name: string, args: AlertsArgs, spec: AlertSpec, opts: pulumi.CustomResourceOptions): digitalocean.MonitorAlert {
    return new digitalocean.MonitorAlert(`${name}-${spec.key}`, {
        description: `${args.colour}: ${spec.meaning}`,
        type: spec.type,
        compare: "GreaterThan",
        value: spec.value,
        window: args.window ?? "5m",
        enabled: true,
        alerts: { emails: [...args.emails] },
        ...spec.target,
    }, opts);
}
