import { overlapProblems } from "../../components/cidr";
import { API_NAMES } from "../../components/platformNames";
import { ColourConfig, colourConfigSchema, SECRET_CONFIG_KEYS } from "./colourConfig";
import { ConfigError, formatIssues } from "./validators";
import { colourValueProblems } from "./values";

/** Raw config as read from a stack: its non-secret top-level keys (without the project prefix) to values. */
export type RawConfig = Record<string, unknown>;

/** Rules that span fields: checked only once every field has the right shape. */
export function crossFieldProblems(cfg: ColourConfig): string[] {
    const problems: string[] = [];
    const networks = Object.fromEntries(Object.entries(cfg.network).map(([key, cidr]) => [`network.${key}`, cidr]));
    problems.push(...overlapProblems(networks)
        .map(problem => `${problem.split(" ")[0]}: ${problem}; the VPC, pod and service networks must be disjoint`));
    if (cfg.cluster.minNodes > cfg.cluster.maxNodes) {
        problems.push(`cluster.minNodes: ${cfg.cluster.minNodes} is above cluster.maxNodes ${cfg.cluster.maxNodes}`);
    }
    for (const [key, scaled] of [["gateway", cfg.gateway] as const, ...API_NAMES.map(api => [`apis.${api}`, cfg.apis[api]] as const)]) {
        if (scaled.replicas > scaled.maxReplicas) {
            problems.push(`${key}.replicas: ${scaled.replicas} is above ${key}.maxReplicas ${scaled.maxReplicas}`);
        }
    }
    if (cfg.data.role !== "owner" && cfg.data.ownerStack.split("/")[2] === cfg.colour) {
        problems.push(`data.ownerStack: a ${cfg.data.role} cannot follow its own stack "${cfg.data.ownerStack}"`);
    }
    if (cfg.environment === "production" && cfg.data.role === "owner" && cfg.data.postgres.nodeCount < 2) {
        problems.push(`data.postgres.nodeCount: production needs an HA PostgreSQL (2 or more nodes), got ${cfg.data.postgres.nodeCount}`);
    }
    return problems;
}

/**
 * Validates a colour stack's raw config into one typed object, or throws one ConfigError that lists
 * every problem (shape first; cross-field rules once the shape is right, so they never report
 * nonsense about fields that are already wrong). `presentSecrets` names the secret keys that are set;
 * `knownProblems` are ones the caller found first (e.g. a secret stored in plain text).
 */
export function loadColourConfig(
    raw: RawConfig,
    presentSecrets: readonly string[],
    subject = "stack config",
    knownProblems: readonly string[] = [],
): ColourConfig {
    const secretProblems = [...knownProblems, ...SECRET_CONFIG_KEYS
        .filter(key => !presentSecrets.includes(key))
        .map(key => `${key}: required secret is not set; run \`pulumi config set --secret ${key} <value>\``)];
    const parsed = colourConfigSchema.safeParse(raw);
    const problems = parsed.success
        ? [...crossFieldProblems(parsed.data), ...colourValueProblems(parsed.data), ...secretProblems]
        : [...formatIssues(parsed.error.issues, "", colourConfigSchema), ...secretProblems];
    if (problems.length > 0 || !parsed.success) {
        throw new ConfigError(problems, subject);
    }
    return parsed.data;
}
