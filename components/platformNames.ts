/**
 * Names shared by the gateway, the APIs, the colour stack and the traffic switch, so a label or an
 * API name is spelled in one place only.
 */

/** The platform's three APIs; each runs as one `ApiService` and is routed by the gateway. */
export const API_NAMES = ["ivor", "events", "newsroom"] as const;
export type ApiName = (typeof API_NAMES)[number];

/** The two colour stacks. */
export const COLOURS = ["blue", "green"] as const;
export type Colour = (typeof COLOURS)[number];

/** A record with one entry per key (per API, per colour, per bucket kind). */
export function recordOf<K extends string, T>(keys: readonly K[], value: (key: K) => T): Record<K, T> {
    return Object.fromEntries(keys.map(key => [key, value(key)])) as Record<K, T>;
}

/** The traffic stack's Pulumi project (`infra/traffic/Pulumi.yaml`), which is also its config namespace. */
export const TRAFFIC_PROJECT = "blkout-traffic";

/** Label keys every workload carries; selectors and NetworkPolicies match on these. */
export const LABELS = {
    app: "app.kubernetes.io/name",
    component: "app.kubernetes.io/component",
    partOf: "app.kubernetes.io/part-of",
    version: "app.kubernetes.io/version",
    colour: "blkout.org/colour",
} as const;

export const PART_OF = "blkout-platform";

/** The component label of every API's pods; the gateway's egress policy admits these. */
export const API_COMPONENT = "api";

/** The gateway's pod labels; API NetworkPolicies admit ingress only from pods carrying these. */
export const GATEWAY_SELECTOR: Readonly<Record<string, string>> = {
    [LABELS.app]: "gateway",
    [LABELS.partOf]: PART_OF,
};

/** The selector labels of one API's pods (stable across releases, so Services keep matching). */
export function apiSelector(api: string): Record<string, string> {
    return { [LABELS.app]: api, [LABELS.partOf]: PART_OF };
}

/** The path each API answers its own health check on; the gateway proxies `/health/<api>` to it. */
export const API_HEALTH_PATH = "/health";

/** The path the gateway answers itself, for the load balancer and Kubernetes probes. */
export const GATEWAY_HEALTH_PATH = "/healthz";

/** The header naming the colour that answered, read by the traffic switch's checks. */
export const COLOUR_HEADER = "X-Blkout-Colour";
export const RELEASE_HEADER = "X-Blkout-Release";

/**
 * Bad arguments: one error listing every problem, each naming its key. The stack is dropped so a
 * CLI printing it shows the problems, not the call path.
 */
export class InvalidArgsError extends Error {
    constructor(readonly subject: string, readonly problems: readonly string[]) {
        super(`invalid ${subject}:\n${problems.map(p => `  - ${p}`).join("\n")}`);
        this.name = "InvalidArgsError";
        this.stack = `${this.name}: ${this.message}`;
    }
}

/** Throws `InvalidArgsError` when there is any problem. */
export function assertNoProblems(subject: string, problems: readonly string[]): void {
    if (problems.length > 0) {
        throw new InvalidArgsError(subject, problems);
    }
}
