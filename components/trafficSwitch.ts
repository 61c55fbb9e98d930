import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import {
    ColourPoolIds, ColourWeights, fallbackColour, fromCloudflareWeights, toCloudflareWeights, weightProblems, weightsMismatch,
} from "../contracts/weights";
import { CloudflarePlan, PLAN_LIMITS } from "./cloudflarePlan";
import { MONITOR_HEALTH_PATH, MONITOR_TOKEN_HEADER } from "./monitorAuth";
import { assertNoProblems, Colour, COLOURS, recordOf } from "./platformNames";
import { StableRunError } from "./stableRunError";

/** Where a colour is reached and how its monitor names it: its gateway's address and its own hostname. */
export interface ColourOrigin {
    readonly address: string;
    /** The colour's preview hostname, sent as Host so the gateway can refuse a check meant for the other colour. */
    readonly hostname: string;
}

export interface MonitorSettings {
    /** @default MONITOR_HEALTH_PATH (the gateway's authenticated monitor path) */
    readonly path?: string;
    /** A status code or class, e.g. "200" or "2xx". */
    readonly expectedCodes: string;
    /** Seconds between checks. */
    readonly interval: number;
    /** Seconds before one check fails. */
    readonly timeout: number;
    readonly retries: number;
    readonly consecutiveDown: number;
    readonly consecutiveUp: number;
    /** Cloudflare regions the checks run from. */
    readonly checkRegions: readonly string[];
}

export interface TrafficSwitchArgs {
    /** The zone's plan: how many load-balancer rules it allows, and so how previews are routed. */
    readonly plan: CloudflarePlan;
    /** Cloudflare account that owns the monitors, pools and alert. */
    readonly accountId: string;
    readonly zoneId: string;
    /** Public hostname the load balancer answers on. */
    readonly hostname: string;
    /** Each colour's gateway, from its stack's outputs. */
    readonly origins: pulumi.Input<Readonly<Record<Colour, ColourOrigin>>>;
    /** Each colour's monitor token (secret), sent in MONITOR_TOKEN_HEADER; see components/monitorAuth.ts. */
    readonly monitorTokens: pulumi.Input<Readonly<Record<Colour, string>>>;
    /** Percent of traffic per colour; the only input a switch step changes. */
    readonly weights: ColourWeights;
    /** The colour live before the current switch; the fallback pool on a 50/50 tie. */
    readonly liveColour: Colour;
    readonly monitor: MonitorSettings;
    /** Seconds a visitor stays pinned to one colour (cookie session affinity). */
    readonly sessionAffinityTtl: number;
    /** Cookie whose value names the colour a tester wants. */
    readonly previewCookie: string;
    /** Header whose value names the colour a tester wants. */
    readonly previewHeader: string;
    /** Who is told when a pool or origin changes health. */
    readonly notificationEmail: string;
}

/**
 * The colours a preview rule routes to. Enterprise allows a rule per colour; every other plan allows
 * one rule per load balancer, which goes to the colour that is not live: the candidate a tester
 * wants to see before it takes traffic. A preview cookie naming the live colour then changes
 * nothing (the weighted split and session affinity decide), and each colour stays reachable on its
 * own preview hostname (`<colour>.<domain>`) on every plan.
 */
export function previewRuleColours(plan: CloudflarePlan, liveColour: Colour): Colour[] {
    return PLAN_LIMITS[plan].loadBalancerRules >= COLOURS.length ? [...COLOURS] : COLOURS.filter(colour => colour !== liveColour);
}

/**
 * The condition of the rule that sends a tester to one colour. Header names are matched in lower
 * case (Cloudflare lower-cases them in `http.request.headers`); the names are restricted to token
 * characters so they cannot break out of the expression.
 */
export function previewRuleCondition(colour: Colour, cookie: string, header: string): string {
    assertNoProblems("preview rule", [
        ...(/^[A-Za-z0-9_-]+$/.test(cookie) ? [] : [`previewCookie: expected a cookie name, got ${JSON.stringify(cookie)}`]),
        ...(/^[A-Za-z0-9-]+$/.test(header) ? [] : [`previewHeader: expected a header name, got ${JSON.stringify(header)}`]),
    ]);
    return `(http.request.headers["${header.toLowerCase()}"][0] eq "${colour}") or (http.cookie contains "${cookie}=${colour}")`;
}

/**
 * The Cloudflare load balancer that splits traffic between the colours: a monitor and a pool per
 * colour, a health alert, and the load balancer with random steering. Only `weights` (and the
 * fallback pool derived from them) reach the load balancer, so a switch step updates one resource.
 */
export class TrafficSwitch extends pulumi.ComponentResource {
    readonly poolIds: pulumi.Output<ColourPoolIds>;
    readonly fallbackColour: Colour;
    readonly loadBalancer: cloudflare.LoadBalancer;
    /** The weights read back from the load balancer's state; a mismatch with `weights` fails the update. */
    readonly appliedWeights: pulumi.Output<ColourWeights>;

    constructor(name: string, private readonly args: TrafficSwitchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("blkout:platform:TrafficSwitch", name, {}, opts);
        assertNoProblems(`TrafficSwitch "${name}" args`, [
            ...weightProblems(args.weights).map(p => `weights${p.path.map(k => `.${k}`).join("")}: ${p.message}`),
            ...(args.hostname === "" ? ["hostname: expected a hostname, got nothing"] : []),
        ]);
        this.fallbackColour = fallbackColour(args.weights, args.liveColour);
        const pools = recordOf(COLOURS, colour => this.createPool(name, colour, this.createMonitor(name, colour)));
        this.poolIds = pulumi.output(recordOf(COLOURS, colour => pools[colour].id));
        this.createHealthAlert(name);
        this.loadBalancer = this.createLoadBalancer(name);
        this.appliedWeights = this.readBackWeights();
        this.registerOutputs({ poolIds: this.poolIds, fallbackColour: this.fallbackColour, appliedWeights: this.appliedWeights });
    }

    private origin(colour: Colour): pulumi.Output<ColourOrigin> {
        return pulumi.output(this.args.origins).apply(origins => origins[colour]);
    }

    private createMonitor(name: string, colour: Colour): cloudflare.LoadBalancerMonitor {
        const { monitor, accountId, hostname } = this.args;
        const token = pulumi.output(this.args.monitorTokens).apply(tokens => tokens[colour]);
        return new cloudflare.LoadBalancerMonitor(`${name}-${colour}-monitor`, {
            accountId,
            description: `${hostname} ${colour} gateway health`,
            type: "https",
            method: "GET",
            path: monitor.path ?? MONITOR_HEALTH_PATH,
            // Host pins the colour and the token proves the caller (components/monitorAuth.ts). Only the
            // token is secret: the Host is the colour's public preview hostname, exported in plain.
            header: { Host: [this.origin(colour).hostname], [MONITOR_TOKEN_HEADER]: [pulumi.secret(token)] },
            expectedCodes: monitor.expectedCodes,
            interval: monitor.interval,
            timeout: monitor.timeout,
            retries: monitor.retries,
            consecutiveDown: monitor.consecutiveDown,
            consecutiveUp: monitor.consecutiveUp,
            // The origin's Origin CA certificate is trusted by no public store: chain validation would
            // mark every pool down. The token and Host checks above stand in for it.
            allowInsecure: true,
            followRedirects: false,
        }, { parent: this });
    }

    private createPool(name: string, colour: Colour, monitor: cloudflare.LoadBalancerMonitor): cloudflare.LoadBalancerPool {
        const { accountId, hostname } = this.args;
        return new cloudflare.LoadBalancerPool(`${name}-${colour}-pool`, {
            accountId,
            name: `${hostname.replace(/\./g, "-")}-${colour}`,
            description: `${hostname} ${colour} colour`,
            origins: [{ name: `${colour}-gateway`, address: this.origin(colour).address, enabled: true, weight: 1 }],
            monitor: monitor.id,
            minimumOrigins: 1,
            checkRegions: [...this.args.monitor.checkRegions],
            enabled: true,
        }, { parent: this });
    }

    /** Pool e-mail notifications are deprecated in favour of account notification policies. */
    private createHealthAlert(name: string): cloudflare.NotificationPolicy {
        return new cloudflare.NotificationPolicy(`${name}-health-alert`, {
            accountId: this.args.accountId,
            name: `${this.args.hostname}: colour pool health`,
            description: "A blue or green pool, or its gateway origin, changed health",
            alertType: "load_balancing_health_alert",
            enabled: true,
            mechanisms: { emails: [{ id: this.args.notificationEmail }] },
            filters: {
                poolIds: COLOURS.map(colour => this.poolIds.apply(ids => ids[colour])),
                newHealths: ["Healthy", "Unhealthy"],
                eventSources: ["pool", "origin"],
            },
        }, { parent: this });
    }

    private createLoadBalancer(name: string): cloudflare.LoadBalancer {
        const { zoneId, hostname, weights, previewCookie, previewHeader, plan, liveColour } = this.args;
        const poolId = (colour: Colour) => this.poolIds.apply(ids => ids[colour]);
        return new cloudflare.LoadBalancer(`${name}-lb`, {
            zoneId,
            name: hostname,
            description: `${hostname}: weighted blue/green switch`,
            proxied: true,
            enabled: true,
            // Fixed order, so a switch step never reorders pools: weights alone decide the split.
            defaultPools: COLOURS.map(poolId),
            fallbackPool: poolId(this.fallbackColour),
            steeringPolicy: "random",
            randomSteering: { poolWeights: this.poolIds.apply(ids => toCloudflareWeights(weights, ids)), defaultWeight: 0 },
            sessionAffinity: "cookie",
            sessionAffinityTtl: this.args.sessionAffinityTtl,
            sessionAffinityAttributes: { samesite: "Lax", secure: "Always", zeroDowntimeFailover: "temporary" },
            // A visitor pinned to a colour whose gateway fails is served by the other colour instead of an error.
            adaptiveRouting: { failoverAcrossPools: true },
            rules: previewRuleColours(plan, liveColour).map((colour, priority) => ({
                name: `preview-${colour}`,
                priority,
                condition: previewRuleCondition(colour, previewCookie, previewHeader),
                terminates: true,
                // The tester's colour only, even when unhealthy, and no affinity cookie pinning them elsewhere.
                overrides: { defaultPools: [poolId(colour)], fallbackPool: poolId(colour), steeringPolicy: "off", sessionAffinity: "none" },
            })),
        }, { parent: this });
    }

    private readBackWeights(): pulumi.Output<ColourWeights> {
        return pulumi.all([this.loadBalancer.randomSteering, this.poolIds]).apply(([steering, ids]) => {
            const applied = fromCloudflareWeights(steering?.poolWeights, ids, steering?.defaultWeight ?? 1);
            const mismatch = weightsMismatch(this.args.weights, applied);
            if (mismatch) {
                throw new StableRunError(mismatch);
            }
            return applied;
        });
    }
}
