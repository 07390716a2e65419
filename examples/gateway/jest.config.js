// stale.test.ts starts the gateway in-process; it requires the mock provider, an example package of its own.
const preset = require('../../jest.preset.js')(__dirname);
const path = require('node:path');

module.exports = {
  ...preset,
  moduleNameMapper: {
    '^@gatecache/example-([a-z-]+)$': path.join(__dirname, '../$1'),
    ...preset.moduleNameMapper,
  },
};
