/**
 * Type checking is done once by `tsc --noEmit` in `npm test`; jest only transpiles each file on its
 * own (`isolatedModules` is set in tsconfig.json), which keeps the suite fast.
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 60000,
  maxWorkers: 2,
};
