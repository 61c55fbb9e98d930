import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { isRecord } from "./resources";
import { schemaProblems } from "./schema";

/**
 * Policy pack config in the CLI's `--policy-pack-config` shape: per policy either an enforcement
 * level, or `{ enforcementLevel?, ...thresholds }`. Resolved the way the CLI does it (schema
 * defaults first, then the given values, then validation against each policy's schema), except
 * that an unknown policy or key is an error here: the CLI ignores it, which turns a typo in a
 * threshold's name into a silently unchanged threshold.
 */

export type PackConfig = Readonly<Record<string, EnforcementLevel | Readonly<Record<string, unknown>>>>;

export interface ResolvedPolicyConfig {
    readonly enforcementLevel?: EnforcementLevel;
    /** Thresholds with every default filled in. */
    readonly properties: Record<string, unknown>;
}

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** Bad policy config: every problem at once, each naming the policy and the key. */
export class PolicyConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid policy pack config:\n${problems.map(problem => `  - ${problem}`).join("\n")}`);
        this.name = "PolicyConfigError";
        // The problems say everything; a stack trace would only bury them.
        this.stack = `${this.name}: ${this.message}`;
    }
}

function levelProblem(where: string, level: unknown): string[] {
    return LEVELS.includes(level as EnforcementLevel) ? [] : [`${where}: expected one of ${LEVELS.join(", ")}, got ${JSON.stringify(level)}`];
}

/** Validates `config` against the policies' schemas and fills defaults; throws PolicyConfigError on any problem. */
export function resolvePackConfig(policies: Policies, config: unknown = {}): Map<string, ResolvedPolicyConfig> {
    if (!isRecord(config)) {
        throw new PolicyConfigError([`expected a mapping of policy names to settings, got ${JSON.stringify(config)}`]);
    }
    const problems: string[] = [];
    const resolved = new Map<string, ResolvedPolicyConfig>();
    const byName = new Map(policies.map(policy => [policy.name, policy]));
    for (const name of Object.keys(config).filter(key => !byName.has(key))) {
        problems.push(`${name}: not a policy of this pack`);
    }
    for (const policy of policies) {
        const properties = policy.configSchema?.properties ?? {};
        const defaults = Object.fromEntries(Object.entries(properties).filter(([, schema]) => schema.default !== undefined)
            .map(([key, schema]) => [key, schema.default]));
        const given = config[policy.name];
        if (given === undefined || typeof given === "string") {
            problems.push(...(given === undefined ? [] : levelProblem(policy.name, given)));
            resolved.set(policy.name, { ...(given === undefined ? {} : { enforcementLevel: given as EnforcementLevel }), properties: defaults });
            continue;
        }
        if (!isRecord(given)) {
            problems.push(`${policy.name}: expected an enforcement level or a mapping of settings, got ${JSON.stringify(given)}`);
            continue;
        }
        const { enforcementLevel, ...values } = given;
        if (enforcementLevel !== undefined) {
            problems.push(...levelProblem(`${policy.name}.enforcementLevel`, enforcementLevel));
        }
        for (const key of Object.keys(values).filter(candidate => !(candidate in properties))) {
            const known = Object.keys(properties);
            problems.push(`${policy.name}.${key}: not a setting of this policy (${known.length > 0 ? `settings: ${known.join(", ")}` : "it has none"})`);
        }
        const merged = { ...defaults, ...values };
        problems.push(...schemaProblems({ type: "object", properties, required: policy.configSchema?.required }, merged, policy.name));
        resolved.set(policy.name, { ...(enforcementLevel === undefined ? {} : { enforcementLevel: enforcementLevel as EnforcementLevel }), properties: merged });
    }
    if (problems.length > 0) {
        throw new PolicyConfigError(problems);
    }
    return resolved;
}
