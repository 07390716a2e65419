// Property-based fuzzing of the gateway example (`npm start`, in-process on the mock provider): random bodies
// and headers to /v1/chat/completions, /v1/embeddings and /anthropic/v1/messages. Properties: no 5xx that the
// cache (or the condenser in front of it) caused (the mock may refuse odd bodies itself), /health stays 200,
// no shared prototype changes. fast-check prints the seed and the shrunk counterexample of a failure.
import fc from 'fast-check';
import {
  BAD_UTF8,
  bodyBytes,
  CONTROL_HEADER_NAMES,
  deepText,
  globalsChanged,
  hostileString,
  inQuery,
  jsonNode,
  llmBody,
  snapshotGlobals,
  toWire,
} from '@gatecache/test-kit';
import type { Answer } from '@gatecache/test-kit';
import { closeAgent, send } from './fuzz-kit';
import { gateway } from './helpers';
import type { Gateway } from './helpers';

const ROUTES = ['/v1/chat/completions', '/v1/embeddings', '/anthropic/v1/messages'];

/** Header names a client may send (Node refuses non-token names, so hostile names are built from tokens). */
const HEADER_NAMES = [
  'authorization',
  'x-api-key',
  'api-key',
  'anthropic-version',
  'anthropic-beta',
  'openai-beta',
  ...CONTROL_HEADER_NAMES,
  'content-encoding',
  'accept-encoding',
  'x-request-id',
  '__proto__',
  'constructor',
  'x-__proto__',
];

const headerValue = (name: string): fc.Arbitrary<string> => {
  // A Map: `known['constructor']` on a plain object is Object, the very bug this suite hunts.
  const known = new Map<string, string[]>(
    Object.entries({
      authorization: [
        'Bearer sk-fuzz-tenant-a',
        'Bearer sk-fuzz-tenant-b',
        'Bearer ',
        'Basic x',
        'bearer\tsk-fuzz-tenant-a',
      ],
      'x-api-key': ['sk-fuzz-tenant-a', 'sk-fuzz-other'],
      'anthropic-version': ['2023-06-01', ''],
      'anthropic-beta': ['a,b', 'b, a ,a', '__proto__'],
      'cache-control': [
        'no-cache',
        'no-store',
        'only-if-cached',
        'max-age=0',
        'max-stale',
        'max-age=9999999999',
      ],
      'x-gatecache-ttl': ['0', '60', '9999999999', '-1'],
      'x-gatecache-namespace': ['response', 'experiments', 'constructor', '__proto__'],
      'x-gatecache-tags': ['team-a,feature:x', '__proto__,constructor'],
      'x-gatecache-bypass': ['1', 'false', 'maybe'],
      'content-encoding': ['gzip', 'deflate', 'br', 'identity', 'x-unknown'],
      'accept-encoding': ['gzip', 'br', '*'],
    }),
  );
  const values = known.get(name);
  return values
    ? fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 3 }, hostileString.map(toWire))
    : hostileString.map(toWire);
};

const headers = fc
  .array(
    fc
      .constantFrom(...HEADER_NAMES)
      .chain((name) =>
        fc.tuple(
          fc.constant(name),
          fc.oneof(headerValue(name), fc.array(headerValue(name), { minLength: 2, maxLength: 3 })),
        ),
      ),
    { maxLength: 4 },
  )
  .map((entries) => {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of entries) out[name] = value;
    return out;
  });

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
];

/** A query string on an LLM route: credentials, Azure and Gemini parameters, qs spellings, odd encodings. */
const query = fc
  .array(
    fc
      .tuple(
        fc.oneof(
          fc.constantFrom(
            'key',
            'api-key',
            'api_key',
            'alt',
            'api-version',
            'key[]',
            'key[__proto__]',
            '__proto__',
            'constructor',
          ),
          hostileString,
        ),
        hostileString,
        fc.constantFrom<'encoded' | 'raw' | 'twice'>('encoded', 'raw', 'twice'),
      )
      .map(([name, value, how]) => `${inQuery(name, how)}=${inQuery(value, how)}`),
    { maxLength: 3 },
  )
  .map((params) => (params.length ? `?${params.join('&')}` : ''));

const request = fc.record({
  route: fc
    .tuple(fc.constantFrom(...ROUTES), fc.oneof({ arbitrary: fc.constant(''), weight: 3 }, query))
    .map(([r, q]) => r + q),
  body: bodyBytes(
    fc.oneof(
      { arbitrary: llmBody, weight: 6 },
      { arbitrary: jsonNode(4), weight: 1 },
      { arbitrary: deepText, weight: 1 },
    ),
  ),
  headers,
  type: fc.constantFrom(...CONTENT_TYPES),
});

/** Why a 5xx is not the gateway's doing, or undefined when it is. */
function excuse(answer: Answer, asked: Record<string, string | string[]>): string | undefined {
  // RFC 9111: only-if-cached with nothing stored is the cache's own 504, by design.
  if (answer.status === 504 && /only-if-cached/i.test(String(asked['cache-control'] ?? '')))
    return 'only-if-cached';
  try {
    // The mock provider's handler failing on an odd body (a mock bug, not the gateway's).
    if ((JSON.parse(answer.text) as { error?: { type?: string } }).error?.type === 'mock_error')
      return 'mock';
  } catch {
    // not JSON: the gateway's own page
  }
  return undefined;
}

describe('the gateway under fuzzed requests', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await gateway();
  });
  afterAll(async () => {
    closeAgent();
    await gw.stop();
  });

  it('should answer no 5xx of its own, keep /health at 200, and change no shared prototype', async () => {
    const before = snapshotGlobals();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ route, body, headers: h, type }) => {
        const asked = { 'content-type': type, ...h };
        // Twice: the repeat is a hit where the first was stored, and hits run the accounting.
        for (let i = 0; i < 2; i++) {
          const answer = await send(gw.url, 'POST', route, asked, body);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status >= 500) {
            if (excuse(answer, asked) === undefined)
              throw new Error(`POST ${route} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
          }
        }
        const health = await send(gw.url, 'GET', '/health');
        expect(health.status).toBe(200);
        const changed = globalsChanged(before, snapshotGlobals());
        if (changed.length > 0) throw new Error(`shared prototypes changed: ${changed.join(', ')}`);
      }),
      { numRuns: 200 },
    );
    // The run reached the provider (200) and was refused (4xx) too, so neither side went untested.
    expect(statuses.get(200)).toBeGreaterThan(25);
    expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
  });

  it('should keep serving and keying after bodies nested past the key builder limit and bodies not UTF-8', async () => {
    const before = snapshotGlobals();
    for (const route of ROUTES) {
      const deep = `{"model":"gpt-4o-mini","messages":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
      const answers = [
        await send(gw.url, 'POST', route, { 'content-type': 'application/json' }, Buffer.from(deep)),
        await send(
          gw.url,
          'POST',
          route,
          { 'content-type': 'application/json' },
          Buffer.concat([Buffer.from('{"model":"gpt-4o-mini","input":"'), ...BAD_UTF8, Buffer.from('"}')]),
        ),
      ];
      // 20,000 levels overflow the mock provider's own stack (its 500 mock_error), not the gateway's.
      for (const a of answers) if (a.status >= 500) expect(excuse(a, {})).toBe('mock');
    }
    // A plain request afterwards is keyed and cached as before: the cache still works.
    const plain = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', input: 'still serving' }));
    const asked = { 'content-type': 'application/json', authorization: 'Bearer sk-fuzz-tenant-a' };
    await send(gw.url, 'POST', '/v1/embeddings', asked, plain);
    const again = await send(gw.url, 'POST', '/v1/embeddings', asked, plain);
    expect(again.status).toBe(200);
    expect(again.headers['x-cache']).toBe('HIT');
    expect((await send(gw.url, 'GET', '/health')).status).toBe(200);
    expect(globalsChanged(before, snapshotGlobals())).toEqual([]);
  });
});
