// What a user gets from npm: `npm pack` every publishable package (after `npm run build`), install the tarballs
// into an empty project (with express, http-proxy-middleware 4 and ioredis from the registry), run
// examples/minimal against a loopback upstream, import the packages from ESM, and type-check a consumer .mts and
// .cts under `moduleResolution: nodenext`. Run it on the Node under test: `node tools/pack-check/run.mjs`.
// Exit 0 when every check passed; the temp folder is kept when one failed (its path is printed).
import { execFileSync, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(path.join(tmpdir(), 'gatecache-pack-'));
const tarballs = path.join(work, 'tarballs');
const project = path.join(work, 'project');
mkdirSync(tarballs);
mkdirSync(project);

const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const step = (text) => console.log(`\n--> pack-check: ${text}`);
// The consumer's devDependencies come from the root lockfile's versions, so the check installs what CI tested.
const rootPkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

step(`npm pack on node ${process.version}`);
const packages = {};
for (const dir of readdirSync(path.join(root, 'packages'))) {
  const pkg = JSON.parse(readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  const out = JSON.parse(
    run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', tarballs],
      path.join(root, 'packages', dir),
    ),
  );
  packages[pkg.name] = `file:${path.join(tarballs, out[0].filename)}`;
  console.log(`${pkg.name}: ${out[0].filename} (${out[0].files.length} files, ${out[0].size} bytes)`);
}

step('install the tarballs into an empty project');
writeFileSync(
  path.join(project, 'package.json'),
  JSON.stringify(
    {
      name: 'gatecache-pack-check',
      private: true,
      dependencies: {
        ...packages,
        express: rootPkg.devDependencies.express,
        'http-proxy-middleware': rootPkg.devDependencies['http-proxy-middleware-4'].replace(
          /^npm:[^@]+@/,
          '',
        ),
        ioredis: '^5.4.0 || ^6.0.0',
      },
      devDependencies: {
        '@types/express': rootPkg.devDependencies['@types/express'],
        '@types/node': rootPkg.devDependencies['@types/node'],
        typescript: rootPkg.devDependencies.typescript,
      },
      // The packages depend on each other at exact versions that may not be published yet: the tarballs win.
      overrides: packages,
    },
    null,
    2,
  ),
);
run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], project);

step('examples/minimal against a loopback upstream');
let upstreamCalls = 0;
const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    upstreamCalls++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-pack',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      }),
    );
  });
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
copyFileSync(path.join(root, 'examples/minimal/server.js'), path.join(project, 'server.js'));
const port = await freePort();
const server = spawn(process.execPath, ['server.js'], {
  cwd: project,
  env: {
    ...process.env,
    PORT: String(port),
    OPENAI_BASE_URL: `http://127.0.0.1:${upstream.address().port}/v1`,
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const failures = [];
try {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const first = await post(`http://127.0.0.1:${port}/v1/chat/completions`, body);
  const second = await post(`http://127.0.0.1:${port}/v1/chat/completions`, body);
  console.log(
    `first: ${first.status} ${first.cacheStatus}; second: ${second.status} ${second.cacheStatus}; upstream calls: ${upstreamCalls}`,
  );
  if (first.status !== 200 || second.status !== 200) failures.push('minimal example: status not 200');
  if (!/hit/.test(second.cacheStatus ?? '') || upstreamCalls !== 1)
    failures.push('minimal example: the repeat was not a hit');
} catch (err) {
  failures.push(`minimal example: ${err.message}`);
} finally {
  server.kill('SIGTERM');
  upstream.close();
}

step('import every package from ESM');
const names = Object.keys(packages);
const imports = names.map((n, i) => `import * as m${i} from '${n}';`).join('\n');
const checks = names
  .map((n, i) => `if (Object.keys(m${i}).length === 0) throw new Error('${n}: no exports');`)
  .join('\n');
writeFileSync(
  path.join(project, 'imports.mjs'),
  `${imports}\n${checks}\nconsole.log('imported ${names.length} packages');\n`,
);
try {
  console.log(run(process.execPath, ['imports.mjs'], project).trim());
} catch {
  failures.push('ESM import of the packages');
}

step('type-check consumer.mts and consumer.cts (moduleResolution: nodenext)');
const consumer = `
import express from 'express';
import * as http from 'node:http';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { createCache } from '@gatecache/core';
import type { CacheOptions } from '@gatecache/core';
import { responseCache, proxyRequestBody } from '@gatecache/response-cache';
import type { ResponseCacheOptions } from '@gatecache/response-cache';
import { redisStore } from '@gatecache/store-redis';
import { diskStore } from '@gatecache/store-disk';
import { createGatecache } from 'gatecache';
import { Redis } from 'ioredis';

const options: CacheOptions = { tiers: [diskStore({ path: '/tmp/gatecache-pack' }), redisStore({ client: new Redis({ lazyConnect: true }) })] };
const cacheOptions: ResponseCacheOptions = { cache: createCache(options) };
const app = express();
app.use(
  '/v1',
  responseCache(cacheOptions),
  createProxyMiddleware<http.IncomingMessage, http.ServerResponse>({ target: 'http://127.0.0.1:9', on: { proxyReq: proxyRequestBody } }),
);
export const made: unknown = [app, createGatecache];
`;
writeFileSync(path.join(project, 'consumer.mts'), consumer);
writeFileSync(path.join(project, 'consumer.cts'), consumer);
writeFileSync(
  path.join(project, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      strict: true,
      noEmit: true,
      types: ['node'],
      skipLibCheck: false,
    },
    files: ['consumer.mts', 'consumer.cts'],
  }),
);
// skipLibCheck false checks our .d.ts files as a consumer's compiler reads them; errors inside third-party
// declarations (ioredis 6 imports the untyped `redis-errors`) are reported but are not ours to fix.
const tsc = path.join(project, 'node_modules/typescript/bin/tsc');
let typeErrors = '';
try {
  run(process.execPath, [tsc, '-p', '.'], project);
} catch (err) {
  typeErrors = err.stdout;
}
const errorLines = typeErrors.split('\n').filter((l) => /error TS\d+/.test(l));
const ours = errorLines.filter(
  (l) => !/^node_modules\//.test(l) || /^node_modules\/(@gatecache\/|gatecache\/)/.test(l),
);
const theirs = errorLines.filter((l) => !ours.includes(l));
for (const l of theirs) console.log(`third-party declaration (not ours): ${l}`);
for (const l of ours) console.log(l);
if (ours.length) failures.push(`type-check of consumer.mts/consumer.cts: ${ours.length} errors`);
else
  console.log(
    `consumer.mts and consumer.cts type-check (${theirs.length} errors in third-party declarations)`,
  );

if (failures.length) {
  console.log(`\npack-check FAILED (${work}):\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
rmSync(work, { recursive: true, force: true });
console.log('\npack-check passed');

function freePort() {
  return new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** POSTs JSON, retrying while the example is still starting. */
async function post(url, body) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise((resolve, reject) => {
        const req = http.request(
          url,
          {
            method: 'POST',
            agent: false,
            headers: { 'content-type': 'application/json', authorization: 'Bearer sk-pack' },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              resolve({ status: res.statusCode, cacheStatus: res.headers['cache-status'] }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    } catch (err) {
      if (attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
