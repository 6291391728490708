/** Jest: TypeScript through @swc/jest (keeps decorator metadata for type-graphql). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src', '<rootDir>/clients'],
  // The typed client's build output is not tested (its sources are).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/clients/.*/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/clients/.*/dist/'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 60000,
  maxWorkers: 2,
};
