// Lint for the whole tree: typescript-eslint's recommended rules (not the strict type-checked sets,
// so new code from any part of the platform passes without ceremony) plus Pulumi's own plugin, whose
// rules catch an Output interpolated into a plain template literal (it renders as a warning string
// instead of the value: use pulumi.interpolate or .apply). Those rules need type information, so
// the files are parsed with the TypeScript project service.
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    // The fixture breaks the Pulumi rule on purpose: tests/workflows/lint.test.ts lints it with ignores off.
    { ignores: ["node_modules/**", "coverage/**", "bin/**", "**/*.js", "**/*.mjs", "**/*.cjs", "tests/workflows/fixtures/**"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            // `_`-prefixed parameters are the codebase's way to say "part of an interface, unused here".
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
        },
        // Some existing disable comments name the rule's pre-v8 name (no-var-requires); they are
        // harmless, and reporting them would fail every file that carries one.
        linterOptions: { reportUnusedDisableDirectives: "off" },
    },
    {
        // Boundaries with untyped data: the mock runtime and the config reader speak the engine's
        // wire format, the policy pack inspects arbitrary resource property bags and reaches into
        // @pulumi/policy internals through require(), and tests build such payloads by hand. `any`
        // and require() are the honest types there; the components and the switch keep both rules.
        files: ["infra/offline/**/*.ts", "infra/config/fromPulumi.ts", "policies/**/*.ts", "tests/**/*.ts"],
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-require-imports": "off",
        },
    },
);
