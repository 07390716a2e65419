// Property-based fuzzing of the key builder with hostile bodies, headers, paths and query strings. Each
// property runs a bounded number of cases (the file takes a few seconds); fast-check prints the seed and the
// shrunk counterexample of a failure, and `fc.assert(..., { seed, path })` replays it.
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { MAX_BODY_DEPTH, createKeyer, type KeyRequest, type KeyResult } from '../src';
import {
  PROTO_NAMES,
  anyBody,
  depthOf,
  globalsChanged,
  hostileString,
  snapshotGlobals,
  style,
  writeJson,
  type GlobalsSnapshot,
  type JsonNode,
} from '@gatecache/test-kit';

const SECRET = 'fuzz-tenant-secret';
const keyer = createKeyer({ tenantSecret: SECRET });
const RUNS = 300;

const PATHS = [
  '/v1/chat/completions',
  '/v1/embeddings',
  '/anthropic/v1/messages',
  '/v1/completions',
  '/v1/responses',
  '/v1/moderations',
  '/v1/models',
  '/v1/models/gpt-4o',
  '/v1beta/models/gemini-2.0-flash:generateContent',
  '/v1beta/models/gemini-2.0-flash:streamGenerateContent',
  '/openai/deployments/dep-1/chat/completions',
  '/v1/threads/t1/messages',
  '/some/unknown/route',
  '/',
];

/** encodeURIComponent, or the raw text when it holds a lone surrogate (which cannot be percent-encoded). */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

const queryName = fc.oneof(
  fc.constantFrom(
    'key',
    'api-key',
    'api_key',
    'KEY',
    'alt',
    'api-version',
    'key[]',
    'key[__proto__]',
    'a[b][c]',
  ),
  fc.constantFrom(...PROTO_NAMES),
  hostileString,
);
const queryParam = fc
  .tuple(queryName, hostileString, fc.constantFrom('encoded', 'raw', 'twice'))
  .map(([name, value, how]) =>
    how === 'raw'
      ? `${name}=${value}`
      : how === 'encoded'
        ? `${encode(name)}=${encode(value)}`
        : `${encode(encode(name))}=${encode(encode(value))}`,
  );
const query = fc
  .array(queryParam, { maxLength: 4 })
  .map((params) => (params.length ? `?${params.join('&')}` : ''));

const url = fc
  .tuple(
    fc.constantFrom('', '/gateway', '//', '/%2e%2e', '/\u202Eevil'),
    fc.constantFrom(...PATHS),
    fc.constantFrom('', '/', '//', '#frag', '%2F', '?'),
    query,
  )
  .map(([prefix, path, tail, q]) => `${prefix}${path}${tail}${q}`);

const HEADER_NAMES = [
  'authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'anthropic-version',
  'anthropic-beta',
  'openai-beta',
  'cookie',
  'content-type',
  ...PROTO_NAMES,
];
const headerValue = fc.oneof(hostileString, fc.array(hostileString, { minLength: 1, maxLength: 3 }));

/** Header objects as Node builds them: null prototype, so '__proto__' is an own property like any other. */
function headersOf(entries: [string, string | string[]][]): KeyRequest['headers'] {
  const headers = Object.create(null) as KeyRequest['headers'];
  for (const [name, value] of entries) {
    Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return headers;
}
const headers = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(...HEADER_NAMES),
        hostileString.map((s) => s.toLowerCase()),
      ),
      headerValue,
    ),
    {
      maxLength: 5,
    },
  )
  .map(headersOf);

const method = fc.oneof(fc.constantFrom('POST', 'GET', 'post', 'HEAD', 'DELETE'), hostileString);

interface Sample {
  req: KeyRequest;
  doc: JsonNode;
}

const sample: fc.Arbitrary<Sample> = fc
  .tuple(method, url, headers, anyBody, style, fc.boolean())
  .map(([m, u, h, doc, s, withRaw]) => {
    const text = writeJson(doc, s);
    const req: KeyRequest = { method: m, url: u, headers: h, body: JSON.parse(text) };
    if (withRaw) req.rawBody = Buffer.from(text, 'utf8');
    return { req, doc };
  });

const KEY_PART = '[A-Za-z0-9._%-]{1,128}';
const RESPONSE_KEY = new RegExp(
  `^response:${KEY_PART}:${KEY_PART}:${KEY_PART}:(anon|[0-9a-f]{16}):[0-9a-f]{64}$`,
);
const MODELS_KEY = /^models:[a-z]+:[0-9a-f]{64}$/;

let before: GlobalsSnapshot;
beforeEach(() => {
  before = snapshotGlobals();
});
afterEach(() => {
  expect(globalsChanged(before, snapshotGlobals())).toEqual([]);
});

/** Fails the case (not only the run) that touched a shared prototype, so fast-check shrinks to it. */
function untouched(): void {
  const changed = globalsChanged(before, snapshotGlobals());
  if (changed.length > 0) throw new Error(`shared prototypes changed: ${changed.join(', ')}`);
}

describe('the key builder under hostile input', () => {
  it('should key every JSON request nested up to the limit with a well-formed key, explain it the same, and touch no prototype', () => {
    fc.assert(
      fc.property(sample, ({ req, doc }) => {
        // Past the nesting limit a documented TypeError (a field left out of the key is not walked, and a
        // top-level array counts one level more, so near the limit either answer is right).
        let result: KeyResult;
        try {
          result = keyer.key(req);
        } catch (err) {
          expect(err).toBeInstanceOf(TypeError);
          expect(depthOf(doc)).toBeGreaterThanOrEqual(MAX_BODY_DEPTH);
          untouched();
          return;
        }
        expect(result.key).toMatch(result.namespace === 'models' ? MODELS_KEY : RESPONSE_KEY);
        expect(result.key).not.toMatch(/[*?[\]\\\s]/);
        const explained = keyer.explain(req);
        expect(explained.key).toBe(result.key);
        expect(createHash('sha256').update(explained.canonical).digest('hex')).toBe(explained.paramsHash);
        expect(JSON.parse(JSON.stringify(explained))).toEqual(explained);
        expect(keyer.route(req)).toEqual(result.route);
        untouched();
      }),
      { numRuns: RUNS },
    );
  });

  it('should give one request one key: repeated, from a fresh keyer, and from the byte memo', () => {
    fc.assert(
      fc.property(sample, ({ req, doc }) => {
        fc.pre(depthOf(doc) < MAX_BODY_DEPTH);
        const first = keyer.key(req).key;
        const fresh = createKeyer({ tenantSecret: SECRET, memoSize: 0 });
        expect(keyer.key(req).key).toBe(first);
        expect(fresh.key(structuredClone(req)).key).toBe(first);
        // The memo answers byte-identical repeats: it must give what the full computation gives.
        if (req.rawBody !== undefined) expect(keyer.remembered?.(req)?.key).toBe(first);
        untouched();
      }),
      { numRuns: RUNS },
    );
  });

  it('should give one key whatever the member order, spacing, string escapes and number spelling', () => {
    fc.assert(
      fc.property(sample, style, style, ({ req, doc }, a, b) => {
        fc.pre(depthOf(doc) < MAX_BODY_DEPTH);
        const keyOf = (s: typeof a): KeyResult =>
          keyer.key({
            method: req.method,
            url: req.url,
            headers: req.headers,
            body: JSON.parse(writeJson(doc, s)),
          });
        expect(keyOf({ ...a, reorder: true }).key).toBe(keyOf({ ...b, reorder: false }).key);
      }),
      { numRuns: RUNS },
    );
  });

  it('should give each credential its own tenant and key, whichever header carries it', () => {
    const credential = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{8,40}$/).map((s) => `sk-${s}`);
    const endpoint = fc.constantFrom(
      '/v1/chat/completions',
      '/v1/embeddings',
      '/anthropic/v1/messages',
      '/v1/models',
    );
    fc.assert(
      fc.property(endpoint, anyBody, credential, credential, (path, doc, c1, c2) => {
        fc.pre(c1 !== c2 && depthOf(doc) < MAX_BODY_DEPTH);
        const method = path.endsWith('/models') ? 'GET' : 'POST';
        const body = method === 'GET' ? undefined : JSON.parse(writeJson(doc));
        const asked = (h: Record<string, string>): KeyResult =>
          keyer.key({ method, url: path, headers: headersOf(Object.entries(h)), body });
        const one = asked({ authorization: `Bearer ${c1}` });
        const other = asked({ authorization: `Bearer ${c2}` });
        const nobody = asked({});
        expect(one.tenant).not.toBe(other.tenant);
        expect(one.key).not.toBe(other.key);
        expect(nobody.tenant).toBe('anon');
        expect(nobody.key).not.toBe(one.key);
        // One API key is one tenant whether sent as a bearer token, an x-api-key or Gemini's ?key=.
        expect(asked({ 'api-key': c1 }).tenant).toBe(one.tenant);
        expect(asked({ 'x-goog-api-key': `  ${c1} ` }).tenant).toBe(one.tenant);
        expect(
          keyer.key({ method, url: `${path}?key=${encodeURIComponent(c1)}`, headers: headersOf([]), body })
            .tenant,
        ).toBe(one.tenant);
        // The credential itself is never in a key or an explanation.
        const explained = JSON.stringify(
          keyer.explain({ method, url: path, headers: headersOf([['authorization', c1]]), body }),
        );
        expect(explained).not.toContain(c1);
        expect(one.key).not.toContain(c1);
      }),
      { numRuns: RUNS },
    );
  });

  it('should refuse a body holding a number JSON text cannot keep (1e999) with a TypeError, and nothing else', () => {
    const huge = fc.constantFrom('1e999', '-1e999', '1E400');
    fc.assert(
      fc.property(anyBody, huge, fc.constantFrom(...PATHS), (doc, number, path) => {
        const text = `{"model":"m","messages":[],"extra":[${writeJson(doc)},${number}]}`;
        const req: KeyRequest = { method: 'POST', url: path, headers: headersOf([]), body: JSON.parse(text) };
        expect(() => keyer.key(req)).toThrow(TypeError);
        expect(() => keyer.explain(req)).toThrow(TypeError);
        untouched();
      }),
      { numRuns: 100 },
    );
  });

  it('should throw only TypeError for values that are not JSON data', () => {
    const cyclic = (): unknown => {
      const a: Record<string, unknown> = { model: 'm' };
      a.self = a;
      return a;
    };
    const notJson = fc.constantFrom<() => unknown>(
      () => NaN,
      () => 10n,
      () => () => 1,
      () => Symbol('s'),
      () => Infinity,
      cyclic,
    );
    fc.assert(
      fc.property(notJson, fc.constantFrom(...PATHS), fc.boolean(), (make, path, nested) => {
        const value = make();
        const body = nested
          ? { model: 'm', messages: [{ role: 'user', content: value }] }
          : { model: 'm', input: value };
        try {
          keyer.key({ method: 'POST', url: path, headers: headersOf([]), body });
        } catch (err) {
          expect(err).toBeInstanceOf(TypeError);
        }
        untouched();
      }),
      { numRuns: 60 },
    );
  });
});
