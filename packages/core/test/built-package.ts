import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

// The package-exports tests of every package run through here: the built package in a fresh Node process
// with require(esm) turned off, as on Node 20.17, so a pass means `require` and `import` users can load it
// on every supported Node line.

const repo = path.resolve(__dirname, '../../..');

/** Node 23+ adds a 'module.exports' name to the namespace of an imported CommonJS module; 20 and 22 do not. */
export const nodeMajor = Number(process.versions.node.split('.')[0]);

export interface Loaded<T> {
  /** The package's own exported names, sorted ('module.exports', Node's, is reported apart). */
  names: string[];
  hasModuleExports: boolean;
  /** What the body returned, through JSON. */
  result: T;
}

/** Throws unless `packageDir` has been built: the test reads dist, never src. */
export function checkBuilt(packageDir: string): void {
  const dist = path.join(packageDir, 'dist/index.js');
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run "npm run build" first (npm test does)`);
}

/**
 * Loads the built `pkg` as `lib` with `require` or `import`, binds the names of `uses` (module -> names) as
 * locals loaded the same way, runs `body` (an async function body that returns a JSON value) and reports.
 */
export function loadBuilt<T>(
  how: 'require' | 'import',
  pkg: string,
  uses: Record<string, string[]>,
  body: string,
): Loaded<T> {
  const modules = Object.entries(uses);
  const report = `
    const own = Object.keys(lib);
    const names = own.filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports').sort();
    console.log(JSON.stringify({ names, hasModuleExports: own.includes('module.exports'), result }));`;
  const run = `const result = await (async () => { ${body} })();${report}`;
  const source =
    how === 'require'
      ? `const lib = require(${JSON.stringify(pkg)});
         ${modules.map(([m, n]) => `const { ${n.join(', ')} } = require(${JSON.stringify(m)});`).join('\n')}
         (async () => { ${run} })().catch((err) => { console.error(err); process.exit(1); });`
      : `import * as lib from ${JSON.stringify(pkg)};
         ${modules.map(([m, n]) => `import { ${n.join(', ')} } from ${JSON.stringify(m)};`).join('\n')}
         ${run}`;
  const args = how === 'require' ? ['-e', source] : ['--input-type=module', '-e', source];
  const out = spawnSync(process.execPath, ['--no-experimental-require-module', ...args], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`node exited ${out.status}: ${out.stderr}`);
  return JSON.parse(out.stdout.trim()) as Loaded<T>;
}
