import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

// Runs the built package in fresh Node processes with require(esm) turned off, as on Node 20.17, and checks
// its exported names against the list in the README ("Exported names"): a change to it fails here first.
const repo = path.resolve(__dirname, '../../..');
const dist = path.resolve(__dirname, '../dist/index.js');

const EXPORTED = [
  'DEFAULTS',
  'cacheAdmin',
  'createEventLog',
  'invalidateOnWrite',
  'redactConfig',
  'tierPolicyFromConfig',
];

const smoke = `
  const cache = createCache({ tiers: [memoryStore()] });
  const admin = cacheAdmin({ cache, auth: false });
  admin.eventLog.push({ level: 'info', type: 'smoke' });
  const logged = admin.eventLog.list({ type: 'smoke' }).length;
  admin.close();
  const names = Object.keys(lib).filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports').sort();
  console.log(JSON.stringify({ names, logged, router: typeof admin }));
`;

interface Loaded {
  names: string[];
  logged: number;
  router: string;
}

function run(args: string[]): Loaded {
  const out = spawnSync(process.execPath, ['--no-experimental-require-module', ...args], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`node exited ${out.status}: ${out.stderr}`);
  return JSON.parse(out.stdout.trim()) as Loaded;
}

describe('@gatecache/admin as a built package', () => {
  beforeAll(() => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run "npm run build" first (npm test does)`);
  });

  it('loads with require(), works, and exports exactly the names its README lists', () => {
    const cjs = run([
      '-e',
      `const lib = require('@gatecache/admin'); const { cacheAdmin } = lib;
       const { createCache, memoryStore } = require('@gatecache/core'); ${smoke}`,
    ]);
    expect(cjs).toEqual({ names: EXPORTED, logged: 1, router: 'function' });
  });

  it('loads with import and exposes the same names', () => {
    const esm = run([
      '--input-type=module',
      '-e',
      `import * as lib from '@gatecache/admin'; import { cacheAdmin } from '@gatecache/admin';
       import { createCache, memoryStore } from '@gatecache/core'; ${smoke}`,
    ]);
    expect(esm).toEqual({ names: EXPORTED, logged: 1, router: 'function' });
  });
});
