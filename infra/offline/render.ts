import { TRAFFIC_PROJECT } from "../../components/platformNames";
import { formatTrafficSummary, trafficSummary } from "../traffic/summary";
import { CostEstimate, estimateMonthlyCost } from "./cost";
import { outputValues, ResolvedOutput } from "./evaluate";
import { RecordedResource } from "./mockRuntime";
import { StackEvaluation } from "./stacks";

/** What a reader sees in place of a secret. */
export const MASK = "[secret]";

/** A resource and the resources parented to it. */
export interface ResourceNode {
    readonly resource: RecordedResource;
    readonly children: readonly ResourceNode[];
}

/** Groups resources under their parents (components first), keeping registration order. */
export function resourceTree(resources: readonly RecordedResource[]): ResourceNode[] {
    const byParent = new Map<string, RecordedResource[]>();
    const urns = new Set(resources.map(r => r.urn));
    for (const resource of resources) {
        const parent = urns.has(resource.parent) ? resource.parent : "";
        byParent.set(parent, [...(byParent.get(parent) ?? []), resource]);
    }
    const build = (parent: string): ResourceNode[] =>
        (byParent.get(parent) ?? []).map(resource => ({ resource, children: build(resource.urn) }));
    return build("");
}

function countDescendants(node: ResourceNode): number {
    return node.children.reduce((sum, child) => sum + 1 + countDescendants(child), 0);
}

/** An output's value for display: secrets masked, everything else as compact JSON. */
export function displayOutput(output: ResolvedOutput): string {
    return output.secret ? MASK : JSON.stringify(output.value);
}

/** The outputs as a plain object with secrets masked, for `--json`. */
export function maskedOutputs(outputs: Record<string, ResolvedOutput>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.secret ? MASK : output.value]));
}

function renderNode(node: ResourceNode, indent: string, lines: string[]): void {
    const { resource } = node;
    const flags = [resource.protect ? "protect" : "", resource.secretInputPaths.length > 0 ? "secret inputs" : ""].filter(Boolean);
    const count = resource.custom ? "" : ` (${countDescendants(node)} resources)`;
    lines.push(`${indent}${resource.custom ? "+" : "■"} ${resource.type}  ${resource.name}${count}${flags.length > 0 ? `  [${flags.join(", ")}]` : ""}`);
    node.children.forEach(child => renderNode(child, `${indent}    `, lines));
}

function dollars(amount: number): string {
    return `$${amount.toFixed(0)}`;
}

/** The estimate as lines: a total range, then one line per priced item. */
export function renderCost(estimate: CostEstimate): string[] {
    const range = (min: number, max: number) => (min === max ? dollars(min) : `${dollars(min)}-${dollars(max)}`);
    return [
        `  Monthly cost estimate (list prices of ${estimate.pricesTakenOn}, USD, before bandwidth and storage): ${range(estimate.minimum, estimate.maximum)}`,
        ...estimate.lines.map(line => `    ${range(line.minimum, line.maximum).padStart(9)}  ${line.item}  (${line.resource})`),
        ...(estimate.unpriced.length > 0 ? [`    not priced (size missing from infra/offline/prices.json): ${estimate.unpriced.join(", ")}`] : []),
    ];
}

/** The human-readable preview of one stack: resource tree, type counts and masked outputs. */
export function renderStack(evaluation: StackEvaluation): string {
    const custom = evaluation.resources.filter(r => r.custom);
    const components = evaluation.resources.filter(r => !r.custom);
    const lines = [`Stack ${evaluation.project}/${evaluation.stack}: ${custom.length} resources in ${components.length} components`];
    resourceTree(evaluation.resources).forEach(node => renderNode(node, "  ", lines));
    lines.push("", "  Resources by type:");
    const byType = new Map<string, number>();
    custom.forEach(r => byType.set(r.type, (byType.get(r.type) ?? 0) + 1));
    [...byType.entries()].sort().forEach(([type, count]) => lines.push(`    ${String(count).padStart(3)}  ${type}`));
    lines.push("", "  Outputs:");
    const width = Math.max(0, ...Object.keys(evaluation.outputs).map(k => k.length));
    Object.entries(evaluation.outputs).forEach(([key, output]) => lines.push(`    ${key.padEnd(width)}  ${displayOutput(output)}`));
    if (evaluation.project === TRAFFIC_PROJECT) {
        lines.push("", "  Traffic each colour would get:", ...formatTrafficSummary(trafficSummary(outputValues(evaluation.outputs))).map(line => `    ${line}`));
    }
    lines.push("", ...renderCost(estimateMonthlyCost(evaluation.resources)));
    if (evaluation.placeholderSecrets.length > 0) {
        lines.push("", `  Offline placeholders for secrets a real run needs (pulumi config set --secret): ${evaluation.placeholderSecrets.join(", ")}`);
    }
    return lines.join("\n");
}
