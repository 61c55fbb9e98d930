import { isIP } from "net";
import * as pulumi from "@pulumi/pulumi";
import { Colour, COLOURS, recordOf } from "../../components/platformNames";
import { describeValue } from "../config/validators";
import { problemList, StableRunError } from "./errors";
import { ColourWeights } from "./weights";

/**
 * What the traffic stack reads from each colour stack through a StackReference. These output names
 * are the contract with the colour program; `previewHostname` is shown, never routed on, so a colour
 * stack that lacks it still takes traffic.
 */
export const REQUIRED_COLOUR_OUTPUTS = ["colour", "releaseVersion", "mode", "gatewayOrigin", "healthPath"] as const;
export const COLOUR_STACK_OUTPUTS = [...REQUIRED_COLOUR_OUTPUTS, "previewHostname"] as const;

export const COLOUR_MODES = ["active", "standby"] as const;
export type ColourMode = (typeof COLOUR_MODES)[number];

/** One colour stack as the traffic stack sees it. */
export interface ColourStackView {
    readonly colour: Colour;
    /** The fully qualified stack it was read from. */
    readonly stack: string;
    readonly releaseVersion: string;
    readonly mode: ColourMode;
    /** IP address of the colour's gateway load balancer. */
    readonly gatewayOrigin: string;
    readonly healthPath: string;
    readonly previewHostname?: string;
}

/**
 * Everything that keeps a colour stack from taking part, each naming the colour, its stack and what
 * to do. A colour in standby runs at minimum size, so it may not be given a share of traffic.
 */
export function colourStackProblems(colour: Colour, stack: string, outputs: Readonly<Record<string, unknown>>, weight: number): string[] {
    const missing = REQUIRED_COLOUR_OUTPUTS.filter(key => outputs[key] === undefined || outputs[key] === null);
    const where = `the ${colour} colour stack "${stack}"`;
    if (missing.length > 0) {
        return [`${where} has no output${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: it has not been deployed yet `
            + `(or predates these outputs); run \`pulumi up --stack ${stack}\` for the colour stacks before the traffic stack`];
    }
    const problems: string[] = [];
    if (outputs.colour !== colour) {
        problems.push(`colourStacks.${colour}: ${where} reports colour ${describeValue(outputs.colour)}; are the blue and green stacks swapped?`);
    }
    if (!(COLOUR_MODES as readonly unknown[]).includes(outputs.mode)) {
        problems.push(`${where}: output mode: expected "active" or "standby", got ${describeValue(outputs.mode)}`);
    } else if (outputs.mode === "standby" && weight > 0) {
        problems.push(`weights.${colour}: ${weight} % of traffic would go to ${where}, which runs in standby mode; `
            + "warm it up (mode: active) and update it before it takes traffic");
    }
    if (typeof outputs.gatewayOrigin !== "string" || isIP(outputs.gatewayOrigin) === 0) {
        problems.push(`${where}: output gatewayOrigin: expected the gateway's IP address, got ${describeValue(outputs.gatewayOrigin)}`);
    }
    if (typeof outputs.healthPath !== "string" || !outputs.healthPath.startsWith("/")) {
        problems.push(`${where}: output healthPath: expected a path starting with /, got ${describeValue(outputs.healthPath)}`);
    }
    if (typeof outputs.releaseVersion !== "string" || outputs.releaseVersion === "") {
        problems.push(`${where}: output releaseVersion: expected a version string, got ${describeValue(outputs.releaseVersion)}`);
    }
    return problems;
}

/** The colour stacks cannot take part yet; every problem of both colours, in one error. */
export class ColourStacksNotReadyError extends StableRunError {
    constructor(readonly problems: readonly string[]) {
        super(problemList("the traffic stack cannot route to the colour stacks yet", problems));
    }
}

function toView(colour: Colour, stack: string, outputs: Readonly<Record<string, unknown>>): ColourStackView {
    return {
        colour,
        stack,
        releaseVersion: outputs.releaseVersion as string,
        mode: outputs.mode as ColourMode,
        gatewayOrigin: outputs.gatewayOrigin as string,
        healthPath: outputs.healthPath as string,
        ...(typeof outputs.previewHostname === "string" ? { previewHostname: outputs.previewHostname } : {}),
    };
}

/**
 * References both colour stacks and checks their outputs together, so one error lists every colour
 * that is not ready. Outputs are read by name (not the whole map) so a colour stack's unrelated
 * secret outputs do not make these values secret.
 */
export function readColourStacks(
    stacks: Readonly<Record<Colour, string>>,
    weights: ColourWeights,
    opts?: pulumi.CustomResourceOptions,
): pulumi.Output<Record<Colour, ColourStackView>> {
    const values = COLOURS.map(colour => {
        const reference = new pulumi.StackReference(`${colour}-colour-stack`, { name: stacks[colour] }, opts);
        return pulumi.all(COLOUR_STACK_OUTPUTS.map(key => reference.getOutput(key)));
    });
    return pulumi.all(values).apply(perColour => {
        const outputs = perColour.map(row => Object.fromEntries(COLOUR_STACK_OUTPUTS.map((key, i) => [key, row[i]])));
        const problems = COLOURS.flatMap((colour, i) => colourStackProblems(colour, stacks[colour], outputs[i], weights[colour]));
        if (problems.length > 0) {
            throw new ColourStacksNotReadyError(problems);
        }
        return recordOf(COLOURS, colour => toView(colour, stacks[colour], outputs[COLOURS.indexOf(colour)]));
    });
}
