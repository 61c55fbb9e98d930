import { LocalProgramArgs, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { COLOURS, Colour } from "../components/platformNames";
import { conciseError } from "../switch/traffic";
import { CONFIG_NAMESPACE, DataRoleName, DataRoles, DataStacks, other, ownerStackName, parseRole, roleConfig } from "./stacks";

/**
 * The colour stacks through the Automation API. Its own module, loaded only when used: the
 * Automation API takes seconds to load, and a rehearsal with a roles file never needs it.
 */

export type StackHandle = Pick<Stack, "setAllConfig" | "removeConfig" | "getConfig" | "up" | "outputs">;

export interface PulumiDataStacksOptions {
    /** The colour stacks' program (where Pulumi.yaml is). */
    readonly colourDir: string;
    /** @default { blue: "blue", green: "green" } */
    readonly stacks?: Readonly<Record<Colour, string>>;
    /** @default LocalWorkspace.selectStack */
    readonly selectStack?: (args: LocalProgramArgs) => Promise<StackHandle>;
    readonly onOutput?: (line: string) => void;
}

/** The real colour stacks, through the Automation API. */
export class PulumiDataStacks implements DataStacks {
    readonly description: string;

    constructor(private readonly options: PulumiDataStacksOptions) {
        this.description = `colour stacks in ${options.colourDir}`;
    }

    async roles(): Promise<DataRoles> {
        return guard(async () => {
            const entries = await Promise.all(COLOURS.map(async colour =>
                [colour, parseRole((await (await this.stack(colour)).outputs()).dataRole?.value, `stack ${this.name(colour)}`)] as const));
            return Object.fromEntries(entries) as Record<Colour, DataRoleName>;
        });
    }

    /** The new owner is updated first (it starts exporting the data), then the old owner reads it as candidate. */
    async setOwner(owner: Colour): Promise<DataRoles> {
        return guard(async () => {
            const candidate = await this.stack(owner);
            const previous = await candidate.getConfig(`${CONFIG_NAMESPACE}:data.ownerStack`, true).then(v => v.value, () => this.name(other(owner)));
            const target = ownerStackName(previous, this.name(owner));
            for (const colour of [owner, other(owner)]) {
                const stack = await this.stack(colour);
                const { set, remove } = roleConfig(colour, owner, target);
                await stack.setAllConfig(set, true);
                for (const key of remove) await stack.removeConfig(key, true);
                await stack.up({ message: `blkout data: ${owner} owns the data`, onOutput: this.options.onOutput });
            }
        }).then(() => this.roles());
    }

    private name(colour: Colour): string {
        return (this.options.stacks ?? { blue: "blue", green: "green" })[colour];
    }

    private stack(colour: Colour): Promise<StackHandle> {
        const select = this.options.selectStack ?? (args => LocalWorkspace.selectStack(args));
        return select({ stackName: this.name(colour), workDir: this.options.colourDir });
    }
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
    try {
        return await work();
    } catch (err) {
        throw new Error(conciseError(err));
    }
}
