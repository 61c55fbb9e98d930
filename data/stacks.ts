import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { COLOURS, Colour } from "../components/platformNames";

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

export const CONFIG_NAMESPACE = "blkout-platform";
export const other = (colour: Colour): Colour => (colour === "blue" ? "green" : "blue");

export function parseRole(value: unknown, where: string): DataRoleName {
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
