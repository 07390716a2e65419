// Item 1 of issue 15: prototype member names as model, tenant credential, namespace, tag, path segment, header,
// query parameter and body field, over real HTTP, against the gateway example and against the middlewares in a
// plain Express app. Afterwards Object.prototype is as it was, hits carry no inherited members as headers,
// accounting stays numeric, explain answers, and no Prometheus counter went backwards. A last test proves the
// lint rule that keeps the class closed reports what it must.
import { PROTO_NAMES, forAll, proxyStack } from '@gatecache/test-kit';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCache } from '@gatecache/core';
import { cacheAdmin } from '@gatecache/admin';
import { cacheMetrics } from '@gatecache/metrics';
import { responseCache } from '@gatecache/response-cache';
import { createMockProvider } from '@gatecache/example-mock-provider';
import { ADMIN_TOKEN, admin, chat, gateway, post } from './helpers';
import type { Gateway } from './helpers';

/** Object.prototype's own properties and what each holds. */
function prototypeState(): Map<string, PropertyDescriptor> {
  const out = new Map<string, PropertyDescriptor>();
  for (const name of Reflect.ownKeys(Object.prototype)) {
    out.set(String(name), Object.getOwnPropertyDescriptor(Object.prototype, name) as PropertyDescriptor);
  }
  return out;
}

function expectPrototypeUnchanged(before: Map<string, PropertyDescriptor>): void {
  const after = prototypeState();
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [name, d] of before) {
    const now = after.get(name) as PropertyDescriptor;
    expect([name, now.value, now.get, now.set]).toEqual([name, d.value, d.get, d.set]);
  }
  expect(({} as Record<string, unknown>).hits).toBeUndefined();
}

/** Counter samples of a Prometheus text: `name{labels}` -> value. */
function counters(text: string): Map<string, number> {
  const types = new Map<string, string>();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) types.set(type[1] as string, type[2] as string);
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    const series = line.slice(0, at);
    const name = series.replace(/\{.*$/, '');
    if (types.get(name) === 'counter') out.set(series, Number(line.slice(at + 1)));
  }
  return out;
}

function expectNoCounterWentBack(before: Map<string, number>, after: Map<string, number>): void {
  const back: string[] = [];
  for (const [series, value] of before) {
    const now = after.get(series);
    if (now !== undefined && !(now >= value)) back.push(`${series}: ${value} -> ${now}`);
  }
  expect(back).toEqual([]);
  for (const [series, value] of after) expect([series, Number.isFinite(value)]).toEqual([series, true]);
}

/** Headers no answer may carry: the members a polluted Object.prototype once added to every hit. */
const POLLUTED_HEADERS = ['hits', 'inputtokens', 'outputtokens', 'costusd'];

interface Target {
  url: string;
  /** Where the OpenAI routes are mounted. */
  api: string;
  stop(): Promise<void>;
}

/** The response cache, metrics and admin routers in a plain Express app in front of the mock provider. */
async function plainApp(): Promise<Target> {
  const mock = createMockProvider({ latencyMs: 0, errorRate: 0 });
  const upstream = await mock.listen(0);
  const cache = createCache();
  const mw = responseCache({ cache });
  const metrics = cacheMetrics({ cache, sources: { responseCache: mw }, adminToken: ADMIN_TOKEN });
  const adminRouter = cacheAdmin({ cache, token: ADMIN_TOKEN });
  const stack = await proxyStack({
    upstream,
    mount: '/v1',
    cache: mw,
    before: (app) => app.use(metrics, adminRouter),
  });
  return {
    url: stack.url,
    api: `${stack.url}/v1`,
    async stop() {
      await stack.close();
      metrics.close();
      adminRouter.close();
      await mock.close();
    },
  };
}

/** Every way a name reaches the cache from a request; answers are checked for status and headers. */
async function attack(t: Target, name: string): Promise<string[]> {
  const problems: string[] = [];
  const check = (what: string, r: { status: number; headers: Headers }, hit = false): void => {
    if (r.status >= 500) problems.push(`${what}: ${r.status}`);
    for (const h of POLLUTED_HEADERS) if (r.headers.has(h)) problems.push(`${what}: header ${h}`);
    if (hit && r.headers.get('x-cache') !== 'HIT') problems.push(`${what}: ${r.headers.get('x-cache')}`);
    const age = r.headers.get('age');
    if (age !== null && !/^\d+$/.test(age)) problems.push(`${what}: Age ${age}`);
  };
  // As the model, twice (the second is a hit and is accounted under the model).
  for (const hit of [false, true]) {
    check(`model ${name}`, await post(`${t.api}/embeddings`, { model: name, input: 'x' }), hit);
  }
  // As the tenant credential.
  for (const hit of [false, true]) {
    const r = await post(`${t.api}/chat/completions`, chat(`tenant ${name}`), {
      authorization: `Bearer ${name}`,
    });
    check(`tenant ${name}`, r, hit);
  }
  // As the namespace (refused: not a configured namespace), a tag, a header name, a query parameter, a body
  // field, and a path segment where a provider reads the model from the path.
  const ns = await post(`${t.api}/chat/completions`, chat('ns'), { 'x-gatecache-namespace': name });
  check(`namespace ${name}`, ns);
  if (ns.status !== 400 && ns.status !== 200) problems.push(`namespace ${name}: ${ns.status}`);
  check(`tag ${name}`, await post(`${t.api}/chat/completions`, chat('tag'), { 'x-gatecache-tags': name }));
  check(`header ${name}`, await post(`${t.api}/chat/completions`, chat('header'), { [name]: '1' }));
  check(`query ${name}`, await post(`${t.api}/chat/completions?${name}=1`, chat('query')));
  check(`field ${name}`, await post(`${t.api}/chat/completions`, { ...chat('field'), [name]: { hits: 1 } }));
  const gemini = `${t.api}/models/${encodeURIComponent(name)}:generateContent?key=${name}`;
  check(`path ${name}`, await post(gemini, { contents: [{ parts: [{ text: 'x' }] }] }));
  // Admin routes that take the names: explain (headers, body), purges by model and tag, patterns.
  const explain = await post(
    `${t.url}/api/cache/explain`,
    {
      method: 'POST',
      path: '/v1/embeddings',
      headers: { [name]: 'x', authorization: `Bearer ${name}` },
      body: { model: name, input: 'x', [name]: 1 },
    },
    admin,
  );
  check(`explain ${name}`, explain);
  if (explain.status !== 200) problems.push(`explain ${name}: ${explain.status} ${explain.text}`);
  for (const q of [`model=${name}`, `tag=${name}`]) {
    const r = await fetch(`${t.url}/api/cache?${q}&dry_run=true`, { method: 'DELETE', headers: admin });
    await r.text();
    if (r.status >= 500) problems.push(`purge ${q}: ${r.status}`);
  }
  return problems;
}

async function scrape(t: Target): Promise<Map<string, number>> {
  const res = await fetch(`${t.url}/metrics/prometheus`, { headers: admin });
  expect(res.status).toBe(200);
  return counters(await res.text());
}

async function stats(t: Target): Promise<Record<string, unknown>> {
  const res = await fetch(`${t.url}/api/cache/stats`, { headers: admin });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** The checks every target gets: run all the names through it, then look at the process and the figures. */
function describeTarget(label: string, start: () => Promise<Target>): void {
  describe(label, () => {
    const t = forAll(start, (target) => target.stop());

    it('should leave Object.prototype untouched and answer every request when names are prototype members', async () => {
      const before = prototypeState();
      const first = await scrape(t());
      const problems: string[] = [];
      for (const name of PROTO_NAMES) problems.push(...(await attack(t(), name)));
      expect(problems).toEqual([]);
      expectPrototypeUnchanged(before);
      expectNoCounterWentBack(first, await scrape(t()));
    });

    it('should keep accounting numeric, with each prototype name its own model bucket', async () => {
      // Another round on top of the first test's: every model was hit at least once more.
      for (const name of PROTO_NAMES) await post(`${t().api}/embeddings`, { model: name, input: 'x' });
      const rc = (await stats(t())).response_cache as Record<string, unknown>;
      const saved = rc.saved as Record<string, number>;
      for (const v of Object.values(saved)) expect(Number.isFinite(v)).toBe(true);
      const byModel = rc.saved_by_model as Record<string, Record<string, number>>;
      for (const name of PROTO_NAMES) {
        expect(Object.hasOwn(byModel, name)).toBe(true);
        const bucket = Object.getOwnPropertyDescriptor(byModel, name)?.value as Record<string, number>;
        expect(bucket.hits).toBeGreaterThanOrEqual(2);
        for (const v of Object.values(bucket)) expect(Number.isFinite(v)).toBe(true);
      }
    });

    it('should still explain an ordinary request and serve hits to an ordinary tenant afterwards', async () => {
      for (const name of PROTO_NAMES) await attack(t(), name);
      const explain = await post(
        `${t().url}/api/cache/explain`,
        { method: 'POST', path: '/v1/chat/completions', body: chat('plain') },
        admin,
      );
      expect(explain.status).toBe(200);
      expect(JSON.parse(explain.text).key).toMatch(/^response:openai:chat\.completions:gpt-4o-mini:/);
      const before = await scrape(t());
      await post(`${t().api}/chat/completions`, chat('ordinary tenant'));
      const hit = await post(`${t().api}/chat/completions`, chat('ordinary tenant'));
      expect(hit.headers.get('x-cache')).toBe('HIT');
      for (const h of POLLUTED_HEADERS) expect(hit.headers.has(h)).toBe(false);
      expectNoCounterWentBack(before, await scrape(t()));
    });
  });
}

describeTarget('the gateway example', async () => {
  const gw: Gateway = await gateway();
  return { url: gw.url, api: `${gw.url}/v1`, stop: () => gw.stop() };
});

describeTarget('responseCache, cacheMetrics and cacheAdmin in a plain Express app', plainApp);

describe('the lint rule gatecache/no-string-key-on-object', () => {
  it('should report exactly the lines of the fixture marked BAD', () => {
    const root = join(__dirname, '..', '..');
    const fixture = join(__dirname, 'fixtures', 'string-keys.fixture.ts');
    const eslint = join(root, 'node_modules', '.bin', 'eslint');
    let out: string;
    try {
      out = execFileSync(eslint, ['--no-ignore', '-f', 'json', fixture], { cwd: root, encoding: 'utf8' });
    } catch (err) {
      // ESLint exits 1 when it reports problems, which is what this fixture is for.
      out = (err as { stdout: string }).stdout;
    }
    const [result] = JSON.parse(out) as { messages: { line: number; ruleId: string | null }[] }[];
    const reported = result!.messages.map((m) => `${m.line} ${m.ruleId}`);
    const lines = readFileSync(fixture, 'utf8').split('\n');
    const bad = lines.flatMap((l, i) =>
      l.includes('// BAD') ? [`${i + 1} gatecache/no-string-key-on-object`] : [],
    );
    expect(bad.length).toBeGreaterThanOrEqual(5);
    expect(reported).toEqual(bad);
  }, 60_000);
});
