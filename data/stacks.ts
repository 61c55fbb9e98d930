import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { LocalProgramArgs, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { COLOURS, Colour } from "../components/platformNames";
import { conciseError } from "../switch/traffic";

/** A colour's data role as its stack declares it. */
export type DataRoleName = "owner" | "candidate" | "follower";
export type DataRoles = Readonly<Record<Colour, DataRoleName>>;

/**
 * The colour stacks as the data tool drives them: read both roles, and flip the data ownership,
 * which also repoints the applications (every colour's APIs take their database URLs from the
 * owner). The real one runs `pulumi up` through the Automation API; tests hand in a recording double.
 */
export interface DataStacks {
    readonly description: string;
    roles(): Promise<DataRoles>;
    /** Makes `owner` the owner and the other colour its candidate; resolves with the roles read back. */
    setOwner(owner: Colour): Promise<DataRoles>;
}

const CONFIG_NAMESPACE = "blkout-platform";
export const other = (colour: Colour): Colour => (colour === "blue" ? "green" : "blue");

function parseRole(value: unknown, where: string): DataRoleName {
    if (value === "owner" || value === "candidate" || value === "follower") return value;
    throw new Error(`${where}: expected dataRole "owner", "candidate" or "follower", got ${JSON.stringify(value ?? null)}`);
}

/** The config one colour gets when ownership moves to `owner` (by path; `ownerStack` is only a candidate's). */
export function roleConfig(colour: Colour, owner: Colour, ownerStackName: string): { set: Record<string, { value: string }>; remove: string[] } {
    if (colour === owner) {
        return { set: { [`${CONFIG_NAMESPACE}:data.role`]: { value: "owner" } }, remove: [`${CONFIG_NAMESPACE}:data.ownerStack`] };
    }
    return { set: { [`${CONFIG_NAMESPACE}:data.role`]: { value: "candidate" }, [`${CONFIG_NAMESPACE}:data.ownerStack`]: { value: ownerStackName } }, remove: [] };
}

/** `org/project/<old>` with the owner's stack in place of the last segment. */
export function ownerStackName(previousOwnerStack: string, ownerStack: string): string {
    const parts = previousOwnerStack.split("/");
    return parts.length === 3 ? [parts[0], parts[1], ownerStack].join("/") : ownerStack;
}

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

/**
 * The roles as a JSON file, for rehearsals against scratch servers and for the tests that run the
 * tool as a separate process. `BLKOUT_DATA_FLIP_DELAY_MS` stretches the flip the way a real
 * `pulumi up` would, so a rehearsal can interrupt the tool mid-freeze.
 */
export class FileDataStacks implements DataStacks {
    readonly description: string;

    constructor(private readonly path: string, private readonly flipDelayMs = Number(process.env.BLKOUT_DATA_FLIP_DELAY_MS ?? 0)) {
        this.description = `roles file ${path}`;
    }

    async roles(): Promise<DataRoles> {
        const parsed = JSON.parse(await readFile(this.path, "utf8")) as Record<string, unknown>;
        return Object.fromEntries(COLOURS.map(colour => [colour, parseRole(parsed[colour], this.description)])) as Record<Colour, DataRoleName>;
    }

    async setOwner(owner: Colour): Promise<DataRoles> {
        if (this.flipDelayMs > 0) await new Promise(resolve => setTimeout(resolve, this.flipDelayMs));
        const roles = { [owner]: "owner", [other(owner)]: "candidate" };
        await mkdir(dirname(this.path), { recursive: true });
        const temp = `${this.path}.tmp`;
        await writeFile(temp, JSON.stringify(roles));
        await rename(temp, this.path);
        return this.roles();
    }
}
