// The suite starts the gateway example in-process; the examples are packages of their own, not under packages/.
const preset = require('../jest.preset.js')(__dirname);
const path = require('node:path');

module.exports = {
  ...preset,
  moduleNameMapper: {
    '^@gatecache/example-([a-z-]+)$': path.join(__dirname, '../examples/$1'),
    ...preset.moduleNameMapper,
  },
};
