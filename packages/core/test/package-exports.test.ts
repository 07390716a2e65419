import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

// Runs the built package in fresh Node processes with require(esm) turned off, as on Node 20.17,
// so a passing test means both `import` and `require` users can load it on every supported Node.
const repo = path.resolve(__dirname, '../../..');
const dist = path.resolve(__dirname, '../dist/index.js');

const smoke = `
  const cache = createCache({ tiers: [memoryStore()] });
  await cache.set('response:k', { body: 'ok' });
  const entry = await cache.get('response:k');
  const hasModuleExports = Object.keys(lib).includes('module.exports');
  const names = Object.keys(lib).filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports').sort();
  console.log(JSON.stringify({ names, hasModuleExports, body: entry.body.toString() }));
`;

// Node 23+ adds a 'module.exports' name to the namespace of an imported CommonJS module (the whole
// exports object); Node 20 and 22 do not. It is Node's, not ours, so it is checked apart from our names.
const nodeMajor = Number(process.versions.node.split('.')[0]);

interface Loaded {
  names: string[];
  hasModuleExports: boolean;
  body: string;
}

function run(args: string[]): Loaded {
  const out = spawnSync(process.execPath, ['--no-experimental-require-module', ...args], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`node exited ${out.status}: ${out.stderr}`);
  return JSON.parse(out.stdout.trim()) as Loaded;
}

describe('@gatecache/core as a built package', () => {
  beforeAll(() => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run "npm run build" first (npm test does)`);
  });

  it('loads with require() and works', () => {
    const cjs = run([
      '-e',
      `const lib = require('@gatecache/core'); const { createCache, memoryStore } = lib; (async () => { ${smoke} })();`,
    ]);
    expect(cjs.body).toBe('ok');
    expect(cjs.names).toEqual(
      expect.arrayContaining(['createCache', 'memoryStore', 'encodeRecord', 'globMatcher']),
    );
  });

  it('loads with import, named exports included, and exposes the same names as require()', () => {
    const esm = run([
      '--input-type=module',
      '-e',
      `import * as lib from '@gatecache/core'; import { createCache, memoryStore } from '@gatecache/core'; ${smoke}`,
    ]);
    const cjs = run([
      '-e',
      `const lib = require('@gatecache/core'); const { createCache, memoryStore } = lib; (async () => { ${smoke} })();`,
    ]);
    expect(esm.body).toBe('ok');
    expect(esm.names).toEqual(cjs.names);
    expect(cjs.hasModuleExports).toBe(false);
    expect(esm.hasModuleExports).toBe(nodeMajor >= 23);
  });
});
