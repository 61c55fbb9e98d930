import { isIP } from "net";
import { z } from "zod";
import { MONITOR_TOKEN_PATTERN } from "../components/monitorAuth";
import { Colour, COLOURS } from "../components/platformNames";
import { describeValue as describe } from "./describe";

/**
 * The one contract between a colour stack and its readers (the traffic stack, the switch tool and
 * the policy pack): which outputs a colour stack exports, their types, and one runtime validator.
 * The colour program's `ColourStackOutputs` is checked against this type at compile time, and every
 * reader validates what it read with `colourOutputProblems`.
 */

export const COLOUR_MODES = ["active", "standby"] as const;
export type ColourMode = (typeof COLOUR_MODES)[number];

/** An IP address, optionally with a port (loopback test gateways listen on one). */
function isOriginAddress(value: string): boolean {
    const withPort = /^(.+):(\d{1,5})$/.exec(value);
    return isIP(value) !== 0 || (withPort !== null && isIP(withPort[1]) === 4 && Number(withPort[2]) <= 65535);
}

const text = (what: string) => z.string({ error: issue => `expected ${what}, got ${describe(issue.input)}` });

export const colourOutputsSchema = z.object({
    colour: z.enum(COLOURS, { error: issue => `expected "blue" or "green", got ${describe(issue.input)}` }),
    /** The release the colour runs; the switch refuses to move traffic between equal releases. */
    releaseVersion: text("a release version").min(1, { error: "expected a release version, got \"\"" }),
    mode: z.enum(COLOUR_MODES, { error: issue => `expected "active" or "standby", got ${describe(issue.input)}` }),
    /** The gateway load balancer's address: the colour's origin. */
    gatewayOrigin: text("the gateway's IP address").refine(isOriginAddress, { error: issue => `expected the gateway's IP address, got ${describe(issue.input)}` }),
    /** The gateway's own health path (the switch probes it directly). */
    healthPath: text("a path starting with /").regex(/^\/[A-Za-z0-9/._~-]*$/, { error: issue => `expected a path starting with /, got ${describe(issue.input)}` }),
    /** The colour's own hostname on the zone; the monitors send it as Host to pin the colour. */
    previewHostname: text("a hostname").regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
        { error: issue => `expected a hostname, got ${describe(issue.input)}` }),
    /** Secret: the token the colour's gateway requires on the monitor path (components/monitorAuth.ts). Never echoed. */
    monitorToken: z.string({ error: "expected the monitor token (a secret string)" })
        .regex(MONITOR_TOKEN_PATTERN, { error: "expected 32-128 letters and digits (the value is not shown)" }),
});

export type ColourOutputs = z.infer<typeof colourOutputsSchema>;
export type ColourOutputName = keyof ColourOutputs;
export const COLOUR_OUTPUT_NAMES = Object.keys(colourOutputsSchema.shape) as ColourOutputName[];

/** The outputs the switch tool reads: everything but the monitor token, which only the monitors need. */
export const SWITCH_OUTPUT_NAMES = COLOUR_OUTPUT_NAMES.filter(name => name !== "monitorToken");

/**
 * Everything wrong with one colour's outputs (only `names` are checked), each as `output <name>: ...`.
 * Missing outputs are one problem, said first and alone: the stack has not been deployed, or predates
 * them, and what its other outputs hold does not matter until it is. A colour that reports the other
 * colour's name is flagged too (swapped stacks).
 */
export function colourOutputProblems(
    colour: Colour,
    outputs: Readonly<Record<string, unknown>>,
    names: readonly ColourOutputName[] = COLOUR_OUTPUT_NAMES,
): string[] {
    const missing = names.filter(name => outputs[name] === undefined || outputs[name] === null);
    if (missing.length > 0) {
        return [`has no output${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: it has not been deployed yet (or predates these outputs)`];
    }
    const mask = Object.fromEntries(names.map(name => [name, true as const])) as Partial<Record<ColourOutputName, true>>;
    const parsed = colourOutputsSchema.pick(mask).safeParse(outputs);
    const problems = parsed.success ? [] : parsed.error.issues.map(issue => `output ${issue.path.join(".")}: ${issue.message}`);
    if (names.includes("colour") && outputs.colour !== colour && COLOURS.includes(outputs.colour as Colour)) {
        problems.push(`output colour: reports ${describe(outputs.colour)} where ${colour} was expected; are the blue and green stacks swapped?`);
    }
    return problems;
}

/** True when the problems say the stack is not deployed (see colourOutputProblems). */
export function notDeployed(problems: readonly string[]): boolean {
    return problems.length === 1 && problems[0].startsWith("has no output");
}

/** The validated outputs; throws one error listing every problem. */
export function parseColourOutputs<N extends ColourOutputName>(
    colour: Colour,
    outputs: Readonly<Record<string, unknown>>,
    names: readonly N[],
    where: string,
): Pick<ColourOutputs, N> {
    const problems = colourOutputProblems(colour, outputs, names);
    if (problems.length > 0) {
        throw new Error(`${where}: ${problems.join("; ")}`);
    }
    return Object.fromEntries(names.map(name => [name, outputs[name]])) as Pick<ColourOutputs, N>;
}
