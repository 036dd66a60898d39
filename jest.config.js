/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
module.exports = {
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  // Integration suites build their own databases (MariaDB DDL is slow on a loaded machine).
  testTimeout: 120000,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  projects: [
    { displayName: 'unit', testEnvironment: 'node', transform: { '^.+\\.ts$': swc }, testMatch: ['<rootDir>/test/unit/**/*.spec.ts'] },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': swc },
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
    },
    // Report pages in Debian's Chromium (playwright-core); skipped loudly without it unless REQUIRE_CHROMIUM=1.
    { displayName: 'e2e', testEnvironment: 'node', transform: { '^.+\\.ts$': swc }, testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'] },
  ],
};
