// Property-based fuzzing of the request-controls parser (Cache-Control, Pragma, x-gatecache-*): as a pure
// function, and over real HTTP through the response cache in a plain Express app with a real memory tier and
// http-proxy-middleware. fast-check prints the seed and the shrunk counterexample of a failure.
import fc from 'fast-check';
import type { IncomingHttpHeaders } from 'node:http';
import { ControlError, parseControls, requestControls, stripControlHeaders } from '../src/controls';
import type { RequestControls } from '../src/controls';
import {
  CONTROL_HEADER_NAMES,
  globalsChanged,
  hostileString,
  send,
  snapshotGlobals,
  toWire,
  wireString,
} from '@gatecache/test-kit';
import type { GlobalsSnapshot } from '@gatecache/test-kit';
import { startGateway } from './helpers/gateway';
import type { Gateway } from './helpers/gateway';
import { fixtureJson, startUpstream } from './helpers/upstream';
import type { Upstream } from './helpers/upstream';

const DIRECTIVES = [
  'no-cache',
  'no-store',
  'max-age',
  'max-stale',
  'only-if-cached',
  'min-fresh',
  'no-transform',
  'NO-CACHE',
  'Max-Age',
  'max-age ',
  '__proto__',
  'constructor',
];
const ARGS = [
  '0',
  '30',
  '9999999999',
  '99999999999',
  '-1',
  '1.5',
  '"30"',
  '"',
  '""',
  '1e3',
  '\u0663',
  '\uFF10',
  ' 5 ',
];

const directive = fc
  .tuple(
    fc.oneof(fc.constantFrom(...DIRECTIVES), hostileString),
    fc.option(fc.oneof(fc.constantFrom(...ARGS), hostileString), { nil: undefined }),
  )
  .map(([name, arg]) => (arg === undefined ? name : `${name}=${arg}`));
const cacheControl = fc
  .tuple(fc.array(directive, { maxLength: 5 }), fc.constantFrom(',', ', ', ' ,', ',,', ' , '))
  .map(([ds, sep]) => ds.join(sep));

const CONTROL_NAMES = [
  ...CONTROL_HEADER_NAMES,
  'x-gatecache-other',
  'x-gatecache-__proto__',
  'x-gatecache-constructor',
];
/** Values that parse, three times in four, so the requests also get past the parser to the cache. */
const likely = (valid: fc.Arbitrary<string>, hostile: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: hostile, weight: 1 });

const controlValue = (name: string): fc.Arbitrary<string> => {
  switch (name) {
    case 'cache-control':
      return likely(
        fc.constantFrom(
          'only-if-cached',
          'no-cache',
          'no-store',
          'max-age=0',
          'max-stale',
          'max-age=9999999999',
        ),
        cacheControl,
      );
    case 'pragma':
      return likely(fc.constantFrom('no-cache', 'No-Cache, x', 'nocache'), hostileString);
    case 'x-gatecache-ttl':
      return likely(
        fc.constantFrom('0', '1', '30', '9999999999'),
        fc.oneof(fc.constantFrom(...ARGS), hostileString),
      );
    case 'x-gatecache-namespace':
      return likely(
        fc.constantFrom('response', 'experiments'),
        fc.oneof(
          fc.constantFrom('constructor', 'toString', '__proto__', 'hasOwnProperty', 'config', 'a:b'),
          hostileString,
        ),
      );
    case 'x-gatecache-tags':
      return likely(
        fc
          .array(fc.constantFrom('team-a', 'feature:x', '__proto__', 'constructor', 'toString'), {
            maxLength: 40,
          })
          .map((tags) => tags.join(',')),
        hostileString,
      );
    case 'x-gatecache-bypass':
      return likely(
        fc.constantFrom('1', '0', 'true', 'FALSE'),
        fc.oneof(fc.constantFrom('yes', ''), hostileString),
      );
    default:
      return hostileString;
  }
};
const controlEntry = (value: (name: string) => fc.Arbitrary<string>) =>
  fc
    .constantFrom(...CONTROL_NAMES)
    .chain((name) =>
      fc.tuple(
        fc.constant(name),
        fc.oneof(value(name), fc.array(value(name), { minLength: 1, maxLength: 3 })),
      ),
    );

/** Header objects as Node builds them: null prototype, so '__proto__' is an own property like any other. */
function headersOf(entries: [string, string | string[]][]): IncomingHttpHeaders {
  const headers = Object.create(null) as IncomingHttpHeaders;
  for (const [name, value] of entries) {
    Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return headers;
}
const controlHeaders = fc.array(controlEntry(controlValue), { maxLength: 6 }).map(headersOf);

/** parseControls' answer, or the ControlError it threw (anything else fails the property). */
function outcome(parse: () => RequestControls): RequestControls | ControlError {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof ControlError)) throw err;
    return err;
  }
}

function checkControls(c: RequestControls): void {
  for (const flag of [c.noCache, c.noStore, c.onlyIfCached, c.bypass]) expect(typeof flag).toBe('boolean');
  for (const seconds of [c.maxAge, c.ttl]) {
    if (seconds !== undefined) expect(Number.isSafeInteger(seconds) && seconds >= 0).toBe(true);
  }
  if (c.maxStale !== undefined)
    expect(c.maxStale === Infinity || Number.isSafeInteger(c.maxStale)).toBe(true);
  if (c.namespace !== undefined) expect(c.namespace).toMatch(/^[a-z][a-z0-9_-]*$/i);
  expect(c.tags.length).toBeLessThanOrEqual(32);
  expect(new Set(c.tags).size).toBe(c.tags.length);
  for (const tag of c.tags) expect(tag).toMatch(/^[\w.:/@-]{1,128}$/);
  for (const warning of c.warnings) expect(typeof warning).toBe('string');
}

let before: GlobalsSnapshot;
const untouched = (): void => {
  const changed = globalsChanged(before, snapshotGlobals());
  if (changed.length > 0) throw new Error(`shared prototypes changed: ${changed.join(', ')}`);
};

describe('the controls parser under hostile headers', () => {
  beforeEach(() => {
    before = snapshotGlobals();
  });
  afterEach(() => {
    expect(globalsChanged(before, snapshotGlobals())).toEqual([]);
  });

  it('should answer controls within their documented ranges or throw a ControlError, and nothing else', () => {
    fc.assert(
      fc.property(controlHeaders, (headers) => {
        const got = outcome(() => parseControls(headers));
        if (got instanceof ControlError)
          expect(got.header).toMatch(/^x-gatecache-(ttl|namespace|tags|bypass)$/);
        else checkControls(got);
        untouched();
      }),
      { numRuns: 600 },
    );
  });

  it('should read the same controls after the x-gatecache headers are stripped, and leave none behind', () => {
    fc.assert(
      fc.property(controlHeaders, (headers) => {
        const original = headersOf(Object.entries(headers) as [string, string | string[]][]);
        const expected = outcome(() => parseControls(original));
        const removed = stripControlHeaders(headers);
        expect(Object.keys(headers).filter((n) => n.startsWith('x-gatecache-'))).toEqual([]);
        for (const [name, value] of Object.entries(removed)) {
          const sent = original[name] as string | string[];
          expect(value).toBe(Array.isArray(sent) ? sent.join(',') : sent);
        }
        const got = outcome(() => requestControls(headers, removed));
        if (expected instanceof ControlError) {
          expect(got).toBeInstanceOf(ControlError);
          expect((got as ControlError).header).toBe(expected.header);
        } else {
          expect(got).toEqual(expected);
        }
        untouched();
      }),
      { numRuns: 600 },
    );
  });

  it('should read Cache-Control alike whatever the directive order, case and spacing', () => {
    const known = fc.uniqueArray(
      fc.constantFrom(
        'no-cache',
        'no-store',
        'only-if-cached',
        'max-age=30',
        'max-stale',
        'max-stale=7',
        'min-fresh=1',
      ),
      { maxLength: 5, selector: (d) => d.split('=')[0] },
    );
    fc.assert(
      fc.property(known, fc.boolean(), fc.constantFrom(',', ' , ', ',\t'), (ds, upper, sep) => {
        const a = parseControls({ 'cache-control': ds.join(',') });
        const shuffled = [...ds].reverse().map((d) => (upper ? d.toUpperCase() : d));
        const b = parseControls({ 'cache-control': ` ${shuffled.join(sep)} ` });
        expect(b).toEqual(a);
      }),
      { numRuns: 300 },
    );
  });
});

describe('request controls over HTTP', () => {
  let upstream: Upstream;
  let gw: Gateway;
  const chat = fixtureJson('openai/chat-completion.request.json');
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    upstream = await startUpstream();
    gw = await startGateway({
      upstream: upstream.url,
      cacheOptions: { namespaces: { experiments: { ttl: 60 } } },
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('should never answer 5xx, answer bad controls with a JSON 400, and send no x-gatecache header upstream', async () => {
    before = snapshotGlobals();
    const wireHeaders = fc.array(
      controlEntry(() => wireString),
      { maxLength: 5 },
    );
    const mixed = fc
      .array(controlEntry(controlValue), { maxLength: 5 })
      .map((entries) =>
        entries.map(([name, value]): [string, string | string[]] => [
          name,
          Array.isArray(value) ? value.map(toWire) : toWire(value),
        ]),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(wireHeaders, mixed),
        fc.nat(3),
        fc.nat(20),
        async (entries, tenant, prompt) => {
          const headers: Record<string, string | string[]> = {
            'content-type': 'application/json',
            authorization: `Bearer sk-fuzz-${tenant}`,
          };
          for (const [name, value] of entries) headers[name] = value;
          const seen = upstream.calls;
          const body = { ...chat, messages: [{ role: 'user', content: `prompt ${prompt}` }] };
          const answer = await send(gw.url, '/v1/chat/completions', {
            method: 'POST',
            headers,
            body: JSON.stringify(body),
          });
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          // RFC 9111: only-if-cached with nothing stored is a 504 from the cache itself, never from a failure.
          // The directive takes no argument; one given anyway is ignored, as the parser does.
          const onlyIfCached = /(^|,)\s*only-if-cached\s*(=[^,]*)?(,|$)/i.test(
            String(headers['cache-control'] ?? ''),
          );
          if (answer.status === 504 && onlyIfCached)
            expect(answer.headers['cache-status']).toMatch(/gatecache/i);
          else expect(answer.status).toBeLessThan(500);
          if (answer.status >= 400) {
            const body = JSON.parse(answer.text) as { error: { type: string; message: string } };
            expect(typeof body.error.type).toBe('string');
            expect(typeof body.error.message).toBe('string');
          }
          for (const r of upstream.requests.slice(seen)) {
            expect(Object.keys(r.headers).filter((n) => n.startsWith('x-gatecache-'))).toEqual([]);
          }
          untouched();
        },
      ),
      { numRuns: 500 },
    );
    // The run reached both the cache (200) and the parser's refusals (400), so neither side went untested.
    expect(statuses.get(200)).toBeGreaterThan(50);
    expect(statuses.get(400)).toBeGreaterThan(50);
    expect(globalsChanged(before, snapshotGlobals())).toEqual([]);
  });
});
