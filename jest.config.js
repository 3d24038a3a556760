/** Jest runs the TypeScript tests directly through ts-jest; test files mirror lib/ under test/. */
module.exports = {
  testEnvironment: '<rootDir>/test/node-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFilesAfterEnv: ['<rootDir>/test/setup-backend.ts'],
  // Training tests on the pure-JS backend can take tens of seconds.
  testTimeout: 120000,
};
