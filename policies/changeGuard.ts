import { plannedSteps, PlannedStep, previewConfig } from "./lib/plan";
import { UNKNOWN } from "./lib/references";
import { isStateful, nameOf, recordOf, stackOf, TYPES } from "./lib/resources";
import { largestShift, poolPercents } from "./lib/weights";

/**
 * What a policy pack cannot see: deletes, replacements and the previous state. The guard reads the
 * planned operations of a preview and refuses those that lose data or the live colour's capacity,
 * or move too much traffic at once, unless an override names the resource and gives a reason.
 */

export type GuardRule = "stateful-delete" | "stateful-replace" | "protect-removed" | "protection-delete" | "live-colour-loss"
    | "traffic-step-too-large" | "ceiling-raised-with-step" | "routing-changed";

export interface GuardFinding {
    readonly rule: GuardRule;
    readonly op: string;
    readonly urn: string;
    readonly name: string;
    readonly type: string;
    readonly message: string;
}

export interface AllowedFinding extends GuardFinding {
    /** The reason given with the override. */
    readonly reason: string;
}

/**
 * The traffic stack as deployed (`pulumi stack output --json --stack production`, or the switch's
 * store): the truth about which colours serve traffic and how far one step may move, which a pull
 * request's own config or CI flags must not be able to change.
 */
export interface DeployedTraffic {
    readonly liveColour?: string;
    readonly weights?: Readonly<Record<string, number>>;
    /** The step ceiling in force; the seeds' 50 when the deployed stack does not say. */
    readonly maxStepShare?: number;
}

export interface GuardOptions {
    /** What is deployed now; when given, live colours and the step ceiling come from it (options can only add live colours). */
    readonly deployed?: DeployedTraffic;
    /** Overrides: URN or resource name -> why this change is intended. */
    readonly allow?: Readonly<Record<string, string>>;
    /** Colours serving traffic now. @default every colour (a guard that does not know must assume the worst) */
    readonly liveColours?: readonly string[];
    /** @default ["blue", "green"] */
    readonly colours?: readonly string[];
    /**
     * Largest share (percent) one traffic step may move.
     * @default the previewed stack's `maxStepShare` config, else 50 (the seeds' 50 -> 100 step)
     */
    readonly maxStepShare?: number;
}

export interface GuardResult {
    readonly refused: readonly GuardFinding[];
    readonly allowed: readonly AllowedFinding[];
    /** Overrides that matched nothing: a typo, or a change that is no longer planned. */
    readonly unusedOverrides: readonly string[];
    readonly stepsChecked: number;
}

/** Bad guard options: every problem at once. */
export class GuardOptionsError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid change guard options:\n${problems.map(problem => `  - ${problem}`).join("\n")}`);
        this.name = "GuardOptionsError";
        this.stack = `${this.name}: ${this.message}`;
    }
}

// "discard" only forgets a resource that was read, never owned, so it loses nothing.
const DELETE_OPS = ["delete", "delete-replaced"];
const REPLACE_OPS = ["replace", "create-replacement", "delete-replaced", "read-replacement", "import-replacement"];

/** What a colour stack serves traffic with: losing one drops the colour's visitors. */
const COLOUR_SERVING_TYPES: readonly string[] = [
    TYPES.vpc, TYPES.kubernetesCluster, TYPES.kubernetesNodePool, TYPES.kubernetesProvider, TYPES.namespace,
    TYPES.deployment, TYPES.service, TYPES.certificate, TYPES.cdn, TYPES.dnsRecord,
];
/** What the traffic stack serves every colour with. */
const EDGE_TYPES: readonly string[] = [TYPES.loadBalancer, TYPES.pool, TYPES.monitor, TYPES.dnsRecord];
/**
 * What protects something else: deleting one, even beside a create that replaces it (a rename), empties
 * the protection for a while (a database firewall's trusted sources empty admit every address).
 */
export const PROTECTIVE_TYPES: readonly string[] = [
    TYPES.databaseFirewall, "digitalocean:index/firewall:Firewall", TYPES.networkPolicy, TYPES.ruleset, TYPES.zoneSetting,
];
/** Load-balancer inputs that decide routing besides the weights. */
const ROUTING_KEYS = ["steeringPolicy", "rules", "countryPools", "popPools", "regionPools", "defaultPools"];

function colourWord(text: string, colours: readonly string[]): string | undefined {
    return colours.find(colour => new RegExp(`(^|[^a-z])${colour}([^a-z]|$)`).test(text));
}

/** The colours whose traffic this resource carries: its stack's colour, or for edge resources the colour it names (all when none). */
function coloursServed(step: PlannedStep, colours: readonly string[]): readonly string[] {
    const stackColour = colourWord(stackOf(step.urn), colours);
    if (stackColour !== undefined) {
        return COLOUR_SERVING_TYPES.includes(step.type) ? [stackColour] : [];
    }
    if (!EDGE_TYPES.includes(step.type)) {
        return [];
    }
    const named = colourWord(`${nameOf(step.urn)} ${String(recordOf(step.old?.inputs).name ?? "")}`, colours);
    return named === undefined ? colours : [named];
}

function trafficStep(step: PlannedStep, maxStepShare: number): string | undefined {
    if (step.type !== TYPES.loadBalancer || step.op !== "update" || !step.old || !step.new) {
        return undefined;
    }
    const before = poolPercents(step.old.inputs);
    const after = poolPercents(step.new.inputs);
    if (JSON.stringify(step.new.inputs.randomSteering ?? null).includes(UNKNOWN)) {
        return "would set weights that are unknown at preview, so the size of the traffic step cannot be checked";
    }
    const shift = largestShift(before, after);
    const liveBefore = String(step.old.inputs.fallbackPool ?? "");
    const rollbackToLive = Math.round(after[liveBefore] ?? 0) === 100;
    if (shift > maxStepShare + 1e-6 && !rollbackToLive) {
        return `would move ${Math.round(shift)} % of traffic in one step; at most ${maxStepShare} % may move per step (except a rollback to the live colour)`;
    }
    return undefined;
}

function findingsFor(step: PlannedStep, options: ResolvedOptions): GuardFinding[] {
    const found: Array<[GuardRule, string]> = [];
    const precious = isStateful(step.type) || step.old?.protect === true;
    const why = isStateful(step.type) ? "it holds data" : "it is protected";
    if (precious && REPLACE_OPS.includes(step.op)) {
        const reasons = step.replaceReasons.length > 0 ? ` (changing ${step.replaceReasons.join(", ")} forces it)` : "";
        found.push(["stateful-replace", `would be replaced${reasons}, and ${why}: a replacement deletes the original`]);
    } else if (precious && DELETE_OPS.includes(step.op)) {
        found.push(["stateful-delete", `would be deleted, and ${why}`]);
    }
    if (PROTECTIVE_TYPES.includes(step.type) && (DELETE_OPS.includes(step.op) || REPLACE_OPS.includes(step.op))) {
        found.push(["protection-delete", `would be ${REPLACE_OPS.includes(step.op) ? "replaced" : "deleted"}; until its successor exists what it protects is open (a create beside it, as in a rename, does not make that safe)`]);
    }
    if (step.type === TYPES.loadBalancer && step.op === "update" && step.old && step.new) {
        const changed = ROUTING_KEYS.filter(key => JSON.stringify(step.old?.inputs[key] ?? null) !== JSON.stringify(step.new?.inputs[key] ?? null));
        if (changed.length > 0) {
            found.push(["routing-changed", `would change ${changed.join(", ")}, which route traffic besides the weights; such a change ships alone, reviewed, never with a switch step`]);
        }
        if (options.configuredStepShare !== undefined && options.configuredStepShare > options.maxStepShare && weightsMove(step)) {
            found.push(["ceiling-raised-with-step", `would move weights in the same change that raises maxStepShare from ${options.maxStepShare} to ${options.configuredStepShare}; raise the ceiling in its own pull request first`]);
        }
    }
    if (step.old?.protect === true && step.new !== undefined && step.new.protect === false) {
        found.push(["protect-removed", "would lose `protect`, so the next change could delete it"]);
    }
    const live = coloursServed(step, options.colours).filter(colour => options.liveColours.includes(colour));
    if (live.length > 0 && (DELETE_OPS.includes(step.op) || REPLACE_OPS.includes(step.op))) {
        found.push(["live-colour-loss", `would be ${DELETE_OPS.includes(step.op) && !REPLACE_OPS.includes(step.op) ? "deleted" : "replaced"} while ${live.join(" and ")} serve${live.length === 1 ? "s" : ""} traffic with it`]);
    }
    const tooLarge = trafficStep(step, options.maxStepShare);
    if (tooLarge !== undefined) {
        found.push(["traffic-step-too-large", tooLarge]);
    }
    return found.map(([rule, what]) => ({ rule, op: step.op, urn: step.urn, name: nameOf(step.urn), type: step.type, message: `${step.type.split(":").pop()} "${nameOf(step.urn)}" ${what}.` }));
}

type ResolvedOptions = Required<Omit<GuardOptions, "allow" | "deployed">> & { readonly configuredStepShare?: number };

function weightsMove(step: PlannedStep): boolean {
    return largestShift(poolPercents(step.old?.inputs ?? {}), poolPercents(step.new?.inputs ?? {})) > 1e-6;
}

/** Live colours per the deployed stack: the one it calls live and every colour with a weight. */
function deployedLive(deployed: DeployedTraffic): string[] {
    return [...new Set([...(deployed.liveColour ? [deployed.liveColour] : []), ...Object.entries(deployed.weights ?? {}).filter(([, weight]) => weight > 0).map(([colour]) => colour)])];
}

/** The options with their defaults (the step limit from the previewed stack's own config when it has one), or every problem at once. */
function resolveOptions(document: unknown, options: GuardOptions): ResolvedOptions {
    const configured = Object.entries(previewConfig(document)).find(([key]) => key.endsWith(":maxStepShare"));
    // The ceiling in force comes from what is deployed (or the CI's flag), never from the change under review.
    const maxStepShare = options.deployed?.maxStepShare ?? options.maxStepShare ?? 50;
    const configuredStepShare = configured ? Number(configured[1]) : undefined;
    const problems = [
        ...Object.entries(options.allow ?? {}).filter(([, reason]) => typeof reason !== "string" || reason.trim() === "")
            .map(([key]) => `allow.${key}: an override needs a reason, got none`),
        ...(Number.isInteger(maxStepShare) && maxStepShare >= 1 && maxStepShare <= 100
            ? [] : [`maxStepShare: expected an integer 1-100, got ${JSON.stringify(maxStepShare)}`]),
        ...(configuredStepShare === undefined || (Number.isInteger(configuredStepShare) && configuredStepShare >= 1 && configuredStepShare <= 100)
            ? [] : [`${configured?.[0]}: expected an integer 1-100, got ${JSON.stringify(configured?.[1])}`]),
    ];
    if (problems.length > 0) {
        throw new GuardOptionsError(problems);
    }
    const colours = options.colours ?? ["blue", "green"];
    const liveColours = options.deployed
        ? [...new Set([...deployedLive(options.deployed), ...(options.liveColours ?? [])])]
        : options.liveColours ?? colours;
    return { colours, liveColours, maxStepShare, ...(configuredStepShare !== undefined ? { configuredStepShare } : {}) };
}

/** Checks a parsed preview document (or engine event list) and sorts its dangerous steps into refused and allowed. */
export function guardPreview(document: unknown, options: GuardOptions = {}): GuardResult {
    const resolved = resolveOptions(document, options);
    const steps = plannedSteps(document);
    const seen = new Set<string>();
    const findings = steps.flatMap(step => findingsFor(step, resolved)).filter(finding => {
        // A replacement shows up as replace, create-replacement and delete-replaced: report it once.
        const key = `${finding.rule}|${finding.urn}`;
        return seen.has(key) ? false : (seen.add(key), true);
    });
    const allow = options.allow ?? {};
    const used = new Set<string>();
    const overrideFor = (finding: GuardFinding): string | undefined => [finding.urn, finding.name].find(key => {
        const hit = Object.prototype.hasOwnProperty.call(allow, key);
        if (hit) {
            used.add(key);
        }
        return hit;
    });
    const refused: GuardFinding[] = [];
    const allowed: AllowedFinding[] = [];
    for (const finding of findings) {
        const key = overrideFor(finding);
        if (key === undefined) {
            refused.push(finding);
        } else {
            allowed.push({ ...finding, reason: allow[key] });
        }
    }
    return { refused, allowed, unusedOverrides: Object.keys(allow).filter(key => !used.has(key)), stepsChecked: steps.length };
}
