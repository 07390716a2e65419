// Every published package, built, loaded in fresh Node processes by `require` and by `import` with require(esm)
// turned off (as on Node 20.17): both must load and expose the same names, and the names the built index
// exports (values and types) must be exactly those its README lists under "Exported names", so a change to a
// public API shows in review.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const repo = path.resolve(__dirname, '../..');
const packagesDir = path.join(repo, 'packages');

interface Published {
  name: string;
  dir: string;
}

const published: Published[] = readdirSync(packagesDir)
  .map((d) => path.join(packagesDir, d))
  .filter((dir) => existsSync(path.join(dir, 'package.json')))
  .map((dir) => ({
    dir,
    ...(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name: string;
      private?: boolean;
    }),
  }))
  .filter((p) => !p.private)
  .map(({ name, dir }) => ({ name, dir }));

// Node 23+ adds a 'module.exports' name to the namespace of an imported CommonJS module (the whole exports
// object); Node 20 and 22 do not. It is Node's, not ours, so it is checked apart from our names.
const nodeMajor = Number(process.versions.node.split('.')[0]);

interface Loaded {
  names: string[];
  hasModuleExports: boolean;
}

const report = `
  const hasModuleExports = Object.keys(lib).includes('module.exports');
  const names = Object.keys(lib).filter((k) => k !== 'default' && k !== '__esModule' && k !== 'module.exports').sort();
  console.log(JSON.stringify({ names, hasModuleExports }));
`;

function load(name: string, how: 'require' | 'import'): Loaded {
  const args =
    how === 'require'
      ? ['-e', `const lib = require(${JSON.stringify(name)}); ${report}`]
      : ['--input-type=module', '-e', `import * as lib from ${JSON.stringify(name)}; ${report}`];
  const out = spawnSync(process.execPath, ['--no-experimental-require-module', ...args], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`node exited ${out.status}: ${out.stderr}`);
  return JSON.parse(out.stdout.trim()) as Loaded;
}

let program: ts.Program | undefined;

/** Every name (value or type) the built index exports, as TypeScript sees it: one program for every package. */
function declaredNames(dts: string): string[] {
  program ??= ts.createProgram(
    published.map((p) => path.join(p.dir, 'dist/index.d.ts')),
    { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true },
  );
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(dts);
  const symbol = file && checker.getSymbolAtLocation(file);
  if (!symbol) throw new Error(`${dts}: no module symbol`);
  return checker
    .getExportsOfModule(symbol)
    .map((s) => s.getName())
    .sort();
}

/** The names in backticks in a README's "Exported names" section, which ends at the next heading. */
function listedNames(readme: string): string[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => /^#{2,4} Exported names\s*$/.test(l));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && /^#{1,4} /.test(l));
  const section = lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
  return [...new Set([...section.matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((m) => m[1] as string))].sort();
}

describe.each(published)('$name as a built package', ({ name, dir }) => {
  const dist = path.join(dir, 'dist/index.js');
  let cjs: Loaded;
  let esm: Loaded;
  beforeAll(() => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run "npm run build" first (npm test does)`);
    cjs = load(name, 'require');
    esm = load(name, 'import');
  });

  it('loads with require() and with import, exposing the same names', () => {
    expect(cjs.names.length).toBeGreaterThan(0);
    expect(esm.names).toEqual(cjs.names);
    expect(cjs.hasModuleExports).toBe(false);
    expect(esm.hasModuleExports).toBe(nodeMajor >= 23);
  });

  it('exports exactly the names its README lists under "Exported names"', () => {
    const declared = declaredNames(path.join(dir, 'dist/index.d.ts'));
    const listed = listedNames(readFileSync(path.join(dir, 'README.md'), 'utf8'));
    expect({ name, names: listed }).toEqual({ name, names: declared });
    // Every value require() sees is declared, so the list covers what runs too.
    expect(declared).toEqual(expect.arrayContaining(cjs.names));
  });
});
