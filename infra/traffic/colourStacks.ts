import { isIP } from "net";
import * as pulumi from "@pulumi/pulumi";
import { COLOUR_OUTPUT_NAMES, colourOutputProblems, ColourOutputs, notDeployed } from "../../contracts/colourOutputs";
import { ColourWeights } from "../../contracts/weights";
import { Colour, COLOURS, recordOf } from "../../components/platformNames";
import { problemList, StableRunError } from "../../components/stableRunError";

/** One colour stack as the traffic stack sees it: the contract's outputs but the secret token. */
export interface ColourStackView extends Omit<ColourOutputs, "monitorToken"> {
    /** The fully qualified stack it was read from. */
    readonly stack: string;
}

/** What the traffic stack reads from both colour stacks. */
export interface ColourStacks {
    readonly views: pulumi.Output<Record<Colour, ColourStackView>>;
    /** Each colour's monitor token, secret end to end. */
    readonly monitorTokens: pulumi.Output<Record<Colour, string>>;
}

/**
 * Everything that keeps a colour stack from taking part, each naming the colour, its stack and what
 * to do: the contract's problems (contracts/colourOutputs.ts), then the traffic stack's own rules (a
 * pool takes a bare address; a colour in standby runs at minimum size and may not take traffic).
 */
export function colourStackProblems(colour: Colour, stack: string, outputs: Readonly<Record<string, unknown>>, weight: number): string[] {
    const where = `the ${colour} colour stack "${stack}"`;
    const contract = colourOutputProblems(colour, outputs);
    if (notDeployed(contract)) {
        return [`${where} ${contract[0]}; run \`pulumi up --stack ${stack}\` for the colour stacks before the traffic stack`];
    }
    const problems = contract.map(problem => `${where}: ${problem}`);
    if (problems.length === 0 && isIP(String(outputs.gatewayOrigin)) === 0) {
        problems.push(`${where}: output gatewayOrigin: a Cloudflare pool takes a bare address, got ${JSON.stringify(outputs.gatewayOrigin)}`);
    }
    if (outputs.mode === "standby" && weight > 0) {
        problems.push(`weights.${colour}: ${weight} % of traffic would go to ${where}, which runs in standby mode; `
            + "warm it up (mode: active) and update it before it takes traffic");
    }
    return problems;
}

/** The colour stacks cannot take part yet; every problem of both colours, in one error. */
export class ColourStacksNotReadyError extends StableRunError {
    constructor(readonly problems: readonly string[]) {
        super(problemList("the traffic stack cannot route to the colour stacks yet", problems));
    }
}

/**
 * References both colour stacks and checks their outputs together against the contract, so one error
 * lists every colour that is not ready. The token is split off the checked values so that only it
 * stays secret: the addresses and paths must stay plain for the pools and the policies.
 */
export function readColourStacks(
    stacks: Readonly<Record<Colour, string>>,
    weights: ColourWeights,
    opts?: pulumi.CustomResourceOptions,
): ColourStacks {
    const values = COLOURS.map(colour => {
        const reference = new pulumi.StackReference(`${colour}-colour-stack`, { name: stacks[colour] }, opts);
        return pulumi.all(COLOUR_OUTPUT_NAMES.map(key => reference.getOutput(key)));
    });
    const checked = pulumi.all(values).apply(perColour => {
        const outputs = perColour.map(row => Object.fromEntries(COLOUR_OUTPUT_NAMES.map((key, i) => [key, row[i]])) as ColourOutputs);
        const problems = COLOURS.flatMap((colour, i) => colourStackProblems(colour, stacks[colour], outputs[i], weights[colour]));
        if (problems.length > 0) {
            throw new ColourStacksNotReadyError(problems);
        }
        return recordOf(COLOURS, colour => ({ ...outputs[COLOURS.indexOf(colour)], stack: stacks[colour] }));
    });
    return {
        views: pulumi.unsecret(checked.apply(all => recordOf(COLOURS, colour => {
            const { monitorToken: _token, ...view } = all[colour];
            return view;
        }))),
        monitorTokens: pulumi.secret(checked.apply(all => recordOf(COLOURS, colour => all[colour].monitorToken))),
    };
}
