import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/** The repository's workflows and local composite actions, as text and parsed. */

export const ROOT = path.resolve(__dirname, "../..");
const WORKFLOWS = path.join(ROOT, ".github/workflows");
const ACTIONS = path.join(ROOT, ".github/actions");

export interface Step {
    readonly name?: string;
    readonly id?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly if?: string;
    readonly with?: Record<string, unknown>;
    readonly env?: Record<string, unknown>;
    readonly "working-directory"?: string;
}

export interface Job {
    readonly name?: string;
    readonly needs?: string | string[];
    readonly if?: string;
    readonly environment?: string | { name: string };
    readonly permissions?: Record<string, string> | string;
    readonly env?: Record<string, string>;
    readonly outputs?: Record<string, string>;
    readonly steps: Step[];
}

export interface Workflow {
    readonly file: string;
    readonly text: string;
    readonly on: Record<string, unknown>;
    readonly permissions?: Record<string, string>;
    readonly concurrency?: { group: string; "cancel-in-progress"?: boolean };
    readonly jobs: Record<string, Job>;
}

export interface CompositeAction {
    readonly file: string;
    readonly text: string;
    readonly steps: Step[];
}

export function workflows(): Workflow[] {
    return fs.readdirSync(WORKFLOWS).filter(f => /\.ya?ml$/.test(f)).sort().map(f => {
        const text = fs.readFileSync(path.join(WORKFLOWS, f), "utf8");
        return { file: `.github/workflows/${f}`, text, ...(parse(text) as Omit<Workflow, "file" | "text">) };
    });
}

export function workflow(name: string): Workflow {
    const found = workflows().find(w => w.file.endsWith(`/${name}.yml`));
    if (!found) throw new Error(`no workflow ${name}`);
    return found;
}

export function compositeActions(): CompositeAction[] {
    return fs.readdirSync(ACTIONS).sort().map(dir => {
        const file = `.github/actions/${dir}/action.yml`;
        const text = fs.readFileSync(path.join(ROOT, file), "utf8");
        return { file, text, steps: (parse(text) as { runs: { steps: Step[] } }).runs.steps };
    });
}

export function compositeAction(name: string): CompositeAction {
    return compositeActions().find(a => a.file === `.github/actions/${name}/action.yml`)!;
}

/** Every step of every job and composite action, with where it is. */
export function allSteps(): Array<{ where: string; step: Step }> {
    return [
        ...workflows().flatMap(w => Object.entries(w.jobs).flatMap(([id, job]) => job.steps.map(step => ({ where: `${w.file} ${id}`, step })))),
        ...compositeActions().flatMap(a => a.steps.map(step => ({ where: a.file, step }))),
    ];
}

/** The index of the first step matching, or -1. */
export function stepIndex(steps: readonly Step[], match: (step: Step) => boolean): number {
    return steps.findIndex(match);
}
