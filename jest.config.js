/** Type checking is done once by `tsc --noEmit` in `npm test`; jest only transpiles, which keeps the suite fast. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true, diagnostics: false }] },
  testTimeout: 60000,
  maxWorkers: 2,
};
