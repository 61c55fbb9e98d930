import { execFileSync } from "child_process";
import * as path from "path";

const root = path.resolve(__dirname, "../..");
const eslint = path.join(root, "node_modules/eslint/bin/eslint.js");

interface LintMessage { readonly ruleId: string | null; readonly line: number }

function lint(file: string): LintMessage[] {
    let stdout: string;
    try {
        stdout = execFileSync(process.execPath, [eslint, "--no-ignore", "-f", "json", file], { cwd: root, encoding: "utf8" });
    } catch (error) {
        // ESLint exits 1 when it finds problems; the report is still on stdout.
        stdout = (error as { stdout: string }).stdout;
    }
    return (JSON.parse(stdout) as Array<{ messages: LintMessage[] }>).flatMap(result => result.messages);
}

describe("lint configuration", () => {
    test("Pulumi's plugin is active with type information: an Output in a plain template literal is an error", () => {
        const messages = lint("tests/workflows/fixtures/outputInTemplate.ts");
        expect(messages.map(m => m.ruleId)).toEqual(["@pulumi/no-output-in-template-literal"]);
        expect(messages[0].line).toBe(5);
    }, 120_000);
});
