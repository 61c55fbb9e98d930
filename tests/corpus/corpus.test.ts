import { main } from "../../infra/offline/cli";
import { evaluateStack, StackEvaluation } from "../../infra/offline/stacks";
import { CorpusCase, crossStackCases, rangeCases, realityCases, stringCases, typeCases } from "./mutations";
import { namespaceCases, validCases, yamlCases } from "./oddities";
import { makeRoot, removeRoot } from "./roots";

/**
 * The corpus: every mutated config ends with exit 1 and a report naming the key, or exit 0 for a
 * valid variation; never a stack trace, a crash or a hang (each case is bounded by its timeout).
 * Cases run in-process through the CLI's own `main`; stacks whose files a case leaves untouched
 * reuse the committed evaluation, so only what changed is evaluated.
 */

export const CORPUS: CorpusCase[] = [
    ...typeCases(), ...rangeCases(), ...stringCases(), ...realityCases(), ...crossStackCases(), ...yamlCases(), ...namespaceCases(), ...validCases(),
];

const committed = new Map<string, StackEvaluation>();

beforeAll(async () => {
    for (const stack of ["blue", "green", "production"]) {
        await evaluateStack(stack, committed);
    }
}, 120_000);

/** Evaluations still valid for a case: a stack untouched, whose references are untouched too. */
function reusable(files: CorpusCase["files"]): Map<string, StackEvaluation> {
    const touched = (stack: string) => stack in files;
    const cache = new Map<string, StackEvaluation>();
    const keep = (stack: string, ...needs: string[]) => {
        if (![stack, ...needs].some(touched)) {
            cache.set(stack, committed.get(stack)!);
        }
    };
    keep("blue");
    keep("green", "blue");
    keep("production", "blue", "green");
    return cache;
}

async function preview(testCase: CorpusCase) {
    const root = makeRoot(testCase.files);
    const out: string[] = [];
    const err: string[] = [];
    const stdout = jest.spyOn(process.stdout, "write").mockImplementation(chunk => { out.push(String(chunk)); return true; });
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(chunk => { err.push(String(chunk)); return true; });
    try {
        const cache = reusable(testCase.files);
        const code = await main(["--json"], (stack, shared) => evaluateStack(stack, shared.size === 0 ? cache : shared, { root }), root);
        return { code, report: JSON.parse(out.join("")) as { ok: boolean; failures: Array<{ stack: string; reason: string }> }, stderr: err.join("") };
    } finally {
        stdout.mockRestore();
        stderr.mockRestore();
        removeRoot(root);
    }
}

describe("the config corpus", () => {
    it("holds at least 300 cases", () => {
        expect(CORPUS.length).toBeGreaterThanOrEqual(300);
    });

    it.each(CORPUS.map(c => [c.title, c] as const))("%s", async (_title, testCase) => {
        const { code, report, stderr } = await preview(testCase);
        const text = report.failures.map(f => f.reason).join("\n");
        expect(`${text}${stderr}`).not.toMatch(/\n\s+at |RangeError|TypeError|ReferenceError|Maximum call stack/);
        if (testCase.names === "valid") {
            expect(report.failures).toEqual([]);
            expect(code).toBe(0);
        } else {
            expect(code).toBe(1);
            expect(report.ok).toBe(false);
            expect(text).toContain(testCase.names);
        }
    }, 30_000);
});
