import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

// Runs the built package in fresh Node processes with require(esm) turned off, as on Node 20.17, so a passing
// test means both `import` and `require` users can load it (safe-stable-stringify included) on every supported Node.
const repo = path.resolve(__dirname, '../../..');
const dist = path.resolve(__dirname, '../dist/index.js');

const smoke = `
  const r = createKeyer({ tenantSecret: 's' }).key({ method: 'POST', url: '/v1/chat/completions', headers: {}, body: { model: 'm', b: 1, a: 2 } });
  const hasModuleExports = Object.keys(lib).includes('module.exports');
  const names = Object.keys(lib).filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports').sort();
  console.log(JSON.stringify({ names, hasModuleExports, key: r.key }));
`;

// Node 23+ adds a 'module.exports' name to the namespace of an imported CommonJS module (the whole
// exports object); Node 20 and 22 do not. It is Node's, not ours, so it is checked apart from our names.
const nodeMajor = Number(process.versions.node.split('.')[0]);

interface Loaded {
  names: string[];
  hasModuleExports: boolean;
  key: string;
}

function run(args: string[]): Loaded {
  const out = spawnSync(process.execPath, ['--no-experimental-require-module', ...args], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`node exited ${out.status}: ${out.stderr}`);
  return JSON.parse(out.stdout.trim()) as Loaded;
}

describe('@gatecache/cache-key as a built package', () => {
  beforeAll(() => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run "npm run build" first (npm test does)`);
  });

  it('loads with require() and with import, exposing the same names', () => {
    const cjs = run([
      '-e',
      `const lib = require('@gatecache/cache-key'); const { createKeyer } = lib; ${smoke}`,
    ]);
    const esm = run([
      '--input-type=module',
      '-e',
      `import * as lib from '@gatecache/cache-key'; import { createKeyer } from '@gatecache/cache-key'; ${smoke}`,
    ]);
    expect(cjs.key).toMatch(/^response:openai:chat\.completions:m:anon:[0-9a-f]{64}$/);
    expect(esm.key).toBe(cjs.key);
    expect(cjs.names).toEqual(
      expect.arrayContaining(['createKeyer', 'defaultKey', 'summaryKey', 'configKey', 'escapeKeyPart']),
    );
    expect(cjs.names).toEqual(expect.arrayContaining(['tenantHash', 'FIELD_RULES', 'KEY_FORMAT_VERSION']));
    expect(esm.names).toEqual(cjs.names);
    expect(cjs.hasModuleExports).toBe(false);
    expect(esm.hasModuleExports).toBe(nodeMajor >= 23);
  });
});
