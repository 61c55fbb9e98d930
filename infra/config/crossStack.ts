import { overlapProblems } from "../../components/cidr";
import type { TrafficConfig } from "../traffic/config";
import type { ColourConfig } from "./colourConfig";
import { DATABASE_SIZES } from "./valueTables";

/**
 * Invariants of the committed configs that span stacks: one domain, one Cloudflare zone, one
 * organisation and project, disjoint networks between the peered colours, exactly one data owner,
 * and every reference naming a stack that exists in the right project. Each problem names the stack
 * and the key; checked before any stack is evaluated.
 */

export interface StackConfigs {
    /** The colour project's name (from its Pulumi.yaml). */
    readonly colourProject: string;
    readonly trafficProject: string;
    /** Validated colour configs by stack name; stacks whose own config is invalid are left out. */
    readonly colours: Readonly<Record<string, ColourConfig>>;
    readonly traffic: Readonly<Record<string, TrafficConfig>>;
    /** Every colour stack that has a file (valid or not). */
    readonly colourStackFiles: readonly string[];
    readonly trafficStackFiles: readonly string[];
    /** False when some stack's own config is invalid: counting owners would then mislead. */
    readonly complete: boolean;
}

/** `org/project/stack` split, or undefined for anything else. */
export function qualifiedParts(name: string): { org: string; project: string; stack: string } | undefined {
    const parts = name.split("/");
    return parts.length === 3 ? { org: parts[0], project: parts[1], stack: parts[2] } : undefined;
}

function referenceProblems(configs: StackConfigs): string[] {
    const problems: string[] = [];
    const orgs = new Map<string, string>();
    const check = (where: string, name: string) => {
        const parts = qualifiedParts(name);
        if (parts === undefined) {
            return;
        }
        orgs.set(where, parts.org);
        if (parts.project !== configs.colourProject) {
            problems.push(`${where}: names "${name}" in project "${parts.project}"; only a colour stack of project "${configs.colourProject}" can be followed or routed to`);
        } else if (!configs.colourStackFiles.includes(parts.stack)) {
            problems.push(`${where}: names stack "${parts.stack}", which has no Pulumi.${parts.stack}.yaml (colour stacks: ${configs.colourStackFiles.join(", ") || "none"})`);
        }
    };
    for (const [stack, cfg] of Object.entries(configs.colours)) {
        if (cfg.data.role === "follower") {
            check(`${stack}: data.ownerStack`, cfg.data.ownerStack);
        }
    }
    for (const [stack, cfg] of Object.entries(configs.traffic)) {
        for (const [colour, name] of Object.entries(cfg.colourStacks)) {
            check(`${stack}: colourStacks.${colour}`, name);
            const target = configs.colours[qualifiedParts(name)?.stack ?? ""];
            if (target !== undefined && target.colour !== colour) {
                problems.push(`${stack}: colourStacks.${colour}: names "${name}", whose colour is ${target.colour}`);
            }
        }
    }
    if (new Set(orgs.values()).size > 1) {
        problems.push(`stack references name more than one organisation: ${[...orgs].map(([where, org]) => `${where} -> ${org}`).join("; ")}`);
    }
    return problems;
}

function sameValue(what: string, values: ReadonlyArray<readonly [string, string]>): string[] {
    const distinct = new Set(values.map(([, value]) => value));
    return distinct.size > 1 ? [`${what} differ across the stacks: ${values.map(([where, value]) => `${where} = "${value}"`).join(", ")}`] : [];
}

function ownershipProblems(configs: StackConfigs): string[] {
    const colours = Object.entries(configs.colours);
    const owners = colours.filter(([, cfg]) => cfg.data.role === "owner").map(([stack]) => stack);
    if (configs.complete && colours.length > 0 && owners.length !== 1) {
        return [`data.role: exactly one colour stack must own the data, but ${owners.length === 0 ? "none does" : `${owners.join(" and ")} do`}`];
    }
    const problems: string[] = [];
    const ownerStack = owners[0];
    const owner = configs.colours[ownerStack];
    for (const [stack, cfg] of colours) {
        if (cfg.data.role !== "follower" || owner === undefined || owner.data.role !== "owner") {
            continue;
        }
        const followed = qualifiedParts(cfg.data.ownerStack)?.stack;
        if (followed !== undefined && followed !== ownerStack && configs.colourStackFiles.includes(followed)) {
            problems.push(`${stack}: data.ownerStack: follows "${followed}", but the data owner is "${ownerStack}"`);
        }
        const replica = DATABASE_SIZES[cfg.data.replicaSize];
        const primary = DATABASE_SIZES[owner.data.postgres.size];
        if (replica && primary && replica.memoryGiB < primary.memoryGiB) {
            problems.push(`${stack}: data.replicaSize: "${cfg.data.replicaSize}" is smaller than the owner's primary "${owner.data.postgres.size}"`);
        }
    }
    return problems;
}

/** Every cross-stack problem of the committed configs. */
export function crossStackProblems(configs: StackConfigs): string[] {
    const colours = Object.entries(configs.colours);
    const traffic = Object.entries(configs.traffic);
    const problems: string[] = [];
    if (configs.trafficStackFiles.length === 0) {
        problems.push("infra/traffic: no traffic stack file (Pulumi.<stack>.yaml); without it nothing routes to the colours");
    }
    problems.push(...sameValue("domains", [
        ...colours.map(([stack, cfg]) => [`${stack}: domain`, cfg.domain] as const),
        ...traffic.filter(([, cfg]) => colours.every(([, colour]) => !cfg.hostname.endsWith(`.${colour.domain}`)))
            .map(([stack, cfg]) => [`${stack}: hostname`, cfg.hostname] as const),
    ]));
    problems.push(...sameValue("Cloudflare zones", [
        ...colours.map(([stack, cfg]) => [`${stack}: cloudflare.zoneId`, cfg.cloudflare.zoneId] as const),
        ...traffic.map(([stack, cfg]) => [`${stack}: zoneId`, cfg.zoneId] as const),
    ]));
    const networks = Object.fromEntries(colours.flatMap(([stack, cfg]) => Object.entries(cfg.network).map(([key, cidr]) => [`${stack}: network.${key}`, cidr])));
    problems.push(...overlapProblems(networks).filter(problem => {
        const stacks = colours.map(([stack]) => stack).filter(stack => problem.includes(`${stack}: network.`));
        return stacks.length > 1;
    }).map(problem => `${problem}; peered colours need disjoint networks`));
    problems.push(...referenceProblems(configs), ...ownershipProblems(configs));
    return problems;
}
