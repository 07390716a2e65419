// Shared jest settings: every package's jest.config.js is `require('../../jest.preset.js')(__dirname)`.
// Tests import sibling packages from their TypeScript sources, so no build is needed to run them.
const path = require('node:path');

const root = __dirname;

module.exports = function preset(dir) {
  return {
    displayName: path.basename(dir),
    rootDir: dir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.tsx?$': ['ts-jest', { tsconfig: path.join(root, 'tsconfig.jest.json') }],
    },
    moduleNameMapper: {
      '^@gatecache/test-kit$': path.join(root, 'test-kit/src'),
      '^@gatecache/([a-z-]+)$': path.join(root, 'packages/$1/src'),
      // The umbrella package is published unscoped.
      '^gatecache$': path.join(root, 'packages/gatecache/src'),
      // The examples use http-proxy-middleware 4, which is ESM only: jest's CommonJS runtime cannot require it
      // before Node 24.9, so suites that start an example in-process run it on 3 (the root's). Version 4 runs
      // in the spawned example tests and the Express x proxy matrix (frameworks.matrix.test.ts).
      '^http-proxy-middleware$': path.join(root, 'node_modules/http-proxy-middleware'),
    },
    testTimeout: 30000,
    setupFiles: [path.join(root, 'jest.fuzz-seed.js')],
  };
};
