import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

// Runs the built package in fresh Node processes with require(esm) turned off, as on Node 20.17, so a passing
// test means both `import` and `require` users can load it (eventsource-parser included) on every supported Node.
const repo = path.resolve(__dirname, '../../..');
const dist = path.resolve(__dirname, '../dist/index.js');

const smoke = `
  const route = routeOf({ method: 'POST', url: '/v1/chat/completions', headers: {}, body: { model: 'm', stream: true } });
  const events = parseSse('data: {"choices":[]}\\n\\ndata: [DONE]\\n\\n');
  const outcomes = events.map((e) => streamOutcome(route, e));
  const hasModuleExports = Object.keys(lib).includes('module.exports');
  const names = Object.keys(lib).filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports').sort();
  console.log(JSON.stringify({ names, hasModuleExports, route, outcomes }));
`;

// Node 23+ adds a 'module.exports' name to the namespace of an imported CommonJS module (the whole
// exports object); Node 20 and 22 do not. It is Node's, not ours, so it is checked apart from our names.
const nodeMajor = Number(process.versions.node.split('.')[0]);

interface Loaded {
  names: string[];
  hasModuleExports: boolean;
  route: unknown;
  outcomes: string[];
}

function run(args: string[]): Loaded {
  const out = spawnSync(process.execPath, ['--no-experimental-require-module', ...args], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`node exited ${out.status}: ${out.stderr}`);
  return JSON.parse(out.stdout.trim()) as Loaded;
}

describe('@gatecache/providers as a built package', () => {
  beforeAll(() => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run "npm run build" first (npm test does)`);
  });

  it('loads with require() and with import, exposing the same names', () => {
    const cjs = run([
      '-e',
      `const lib = require('@gatecache/providers'); const { parseSse, routeOf, streamOutcome } = lib; ${smoke}`,
    ]);
    const esm = run([
      '--input-type=module',
      '-e',
      `import * as lib from '@gatecache/providers'; import { parseSse, routeOf, streamOutcome } from '@gatecache/providers'; ${smoke}`,
    ]);
    expect(cjs.route).toEqual({
      provider: 'openai',
      endpoint: 'chat.completions',
      model: 'm',
      streaming: true,
      streamConvertible: true,
    });
    expect(cjs.outcomes).toEqual(['continue', 'complete']);
    expect(esm.route).toEqual(cjs.route);
    expect(esm.outcomes).toEqual(cjs.outcomes);
    expect(cjs.names).toEqual(
      expect.arrayContaining(['routeOf', 'parseSse', 'streamOutcome', 'sseToJson', 'jsonToSse', 'usageOf']),
    );
    expect(esm.names).toEqual(cjs.names);
    expect(cjs.hasModuleExports).toBe(false);
    expect(esm.hasModuleExports).toBe(nodeMajor >= 23);
  });
});
