import { tenantHash } from '@gatecache/cache-key';
import { tokenId } from '@gatecache/core';
import { CREDENTIAL_PARAM_SPELLINGS } from '@gatecache/test-kit';
import request from 'supertest';
import { createEventLog } from '../src';
import type { InvalidationMessage } from '../src';
import {
  ADMIN,
  ALL_KEYS,
  READER,
  bearer,
  get,
  purge,
  corruptInL2,
  itPurgesEachFilter,
  find,
  SEED,
  makeStack,
  survivors,
  without,
} from './helpers';
import type { Stack } from './helpers';

const ALL = ALL_KEYS;

let stack: Stack;
afterEach(async () => {
  await stack?.close();
});

describe('DELETE /api/cache filters', () => {
  itPurgesEachFilter(async () => (stack = await makeStack()));

  it('clears everything on a bare DELETE, as the caching guide documents', async () => {
    stack = await makeStack();
    const res = await purge(stack, '');
    expect(res.status).toBe(200);
    expect(res.body.deleted).toBe(ALL.length);
    expect(await survivors(stack.cache)).toEqual([]);
  });

  it('accepts all=true as the explicit form of a whole purge', async () => {
    stack = await makeStack();
    const res = await purge(stack, '?all=true');
    expect(res.body.deleted).toBe(ALL.length);
    expect(await survivors(stack.cache)).toEqual([]);
  });

  it('counts without deleting on dry_run=true', async () => {
    stack = await makeStack();
    const res = await purge(stack, '?provider=openai&dry_run=true');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: 5, by_tier: { memory: 5, l2: 5 }, dry_run: true });
    const whole = await purge(stack, '?dry_run=true');
    expect(whole.body.deleted).toBe(ALL.length);
    expect(await survivors(stack.cache)).toEqual(ALL);
  });

  it('deletes nothing when a filter matches nothing', async () => {
    stack = await makeStack();
    const res = await purge(stack, '?provider=mistral');
    expect(res.body.deleted).toBe(0);
    expect(await survivors(stack.cache)).toEqual(ALL);
  });

  it('publishes each purge on the invalidation bus', async () => {
    const sent: InvalidationMessage[] = [];
    stack = await makeStack({ bus: { publish: async (m) => void sent.push(m) } });
    await purge(stack, '?pattern=summary:*');
    await purge(stack, `?key=${encodeURIComponent(find(':h2'))}`);
    await purge(stack, '?tag=team:b');
    await purge(stack, '');
    expect(sent.slice(0, 2)).toEqual([
      { type: 'pattern', value: 'summary:*' },
      { type: 'key', value: find(':h2') },
    ]);
    // A tag purge names no pattern: other instances hear each deleted key (in tier order).
    expect(sent.slice(2, 4).sort((a, b) => String(a.value).localeCompare(String(b.value)))).toEqual(
      [find(':h3'), find(':h5')].sort().map((value) => ({ type: 'key', value })),
    );
    expect(sent.slice(4)).toEqual([{ type: 'all' }]);
  });
});

describe('DELETE /api/cache input validation', () => {
  const bad: [string, string][] = [
    ['an unknown parameter (a typo)', '?provder=openai'],
    ['a bad glob', '?pattern=response:[abc'],
    ['a glob ending in an escape', '?pattern=abc%5C'],
    ['an over-long key', `?key=${'k'.repeat(1025)}`],
    ['an empty filter value', '?provider='],
    ['a repeated parameter', '?provider=openai&provider=anthropic'],
    ['a bad dry_run value', '?dry_run=yes'],
    ['all=true with a filter', '?all=true&provider=openai'],
    ['all=false alone', '?all=false'],
    ['a tenant that is not a hash', '?tenant=Bearer%20sk-abc'],
    ['a namespace that is not a word', '?namespace=a*'],
    ['a pattern over 512 characters', `?pattern=${'a'.repeat(513)}*`],
    ['a pattern with 33 wildcards', `?pattern=${'*%3F'.repeat(16)}*Z`],
    ['a dry run of a pattern with 33 wildcards', `?pattern=${'*%3F'.repeat(16)}*Z&dry_run=true`],
  ];
  it.each(bad)('answers 400 and deletes nothing for %s', async (_name, query) => {
    stack = await makeStack();
    const res = await purge(stack, query);
    expect(res.status).toBe(400);
    expect(res.body.error.type).toBe('invalid_request');
    expect(typeof res.body.error.message).toBe('string');
    expect(await survivors(stack.cache)).toEqual(ALL);
  });

  it('says which pattern cap was passed', async () => {
    stack = await makeStack();
    const long = await purge(stack, `?pattern=${'a'.repeat(600)}&dry_run=true`);
    expect(long.body.error.message).toMatch(/pattern: pattern is 600 characters long; at most 512/);
    const wild = await purge(stack, `?pattern=${'*%3F'.repeat(20)}Z&dry_run=true`);
    expect(wild.body.error.message).toMatch(/pattern: pattern has 40 wildcards; at most 32/);
  });

  it('counts what a pathological pattern under the caps selects, in a dry run', async () => {
    stack = await makeStack();
    const res = await purge(stack, `?pattern=${'*%3F'.repeat(15)}*Z&dry_run=true`);
    expect(res.status).toBe(200);
    expect(res.body.deleted).toBe(0);
    const some = await purge(stack, `?pattern=${'*%3F'.repeat(15)}*h?&dry_run=true`);
    expect(some.body.deleted).toBe(7); // h1..h5, mh1, mh2
  });

  it('names the unknown parameter in the message', async () => {
    stack = await makeStack();
    const res = await purge(stack, '?provder=openai');
    expect(res.body.error.message).toContain('provder');
  });
});

describe('auth', () => {
  it('answers 401 without a token and with a wrong one', async () => {
    stack = await makeStack();
    const none = await request(stack.app).delete('/api/cache');
    expect(none.status).toBe(401);
    expect(none.body.error.type).toBe('unauthorized');
    const wrong = await purge(stack, '', 'not-the-token-at-all');
    expect(wrong.status).toBe(401);
    const keys = await request(stack.app).get('/api/cache/keys').set('Authorization', 'Basic abc');
    expect(keys.status).toBe(401);
    expect(await survivors(stack.cache)).toEqual(ALL);
  });

  it('lets the read token read but answers 403 on a purge', async () => {
    stack = await makeStack();
    const read = await get(stack, '/api/cache/keys', READER);
    expect(read.status).toBe(200);
    const res = await purge(stack, '', READER);
    expect(res.status).toBe(403);
    expect(res.body.error.type).toBe('forbidden');
    expect(await survivors(stack.cache)).toEqual(ALL);
  });

  it('refuses with 503 and says how to configure a token when none is set', async () => {
    stack = await makeStack({ token: undefined, readToken: undefined, env: {} });
    const res = await purge(stack, '', 'anything-at-all');
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain('GATECACHE_ADMIN_TOKEN');
    expect(await survivors(stack.cache)).toEqual(ALL);
  });

  it('takes the tokens from the environment by default', async () => {
    stack = await makeStack({
      token: undefined,
      readToken: undefined,
      env: { GATECACHE_ADMIN_TOKEN: 'env-admin-token', GATECACHE_READ_TOKEN: 'env-read-token' },
    });
    expect((await purge(stack, '?dry_run=true', 'env-admin-token')).status).toBe(200);
    expect((await purge(stack, '?dry_run=true', 'env-read-token')).status).toBe(403);
  });

  it('runs without a token only when auth: false is set explicitly', async () => {
    stack = await makeStack({ token: undefined, readToken: undefined, auth: false });
    const res = await request(stack.app).delete('/api/cache?namespace=config');
    expect(res.status).toBe(200);
    expect(res.body.deleted).toBe(1);
    expect(stack.router.eventLog.list({ type: 'purge' })[0]?.who).toBe('anonymous');
  });

  it('refuses a short token at creation', async () => {
    await expect(makeStack({ token: 'short' })).rejects.toThrow(/token/);
  });
});

describe('switches', () => {
  it('answers 403 with the reason when manual invalidation is disabled', async () => {
    stack = await makeStack({ manualEnabled: false });
    const res = await purge(stack, '?key=config:ch1');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('manual_enabled');
    expect(await survivors(stack.cache)).toEqual(ALL);
  });

  it('refuses pattern purges when pattern-based invalidation is disabled', async () => {
    stack = await makeStack({ patternBased: false });
    const res = await purge(stack, '?pattern=summary:*');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('pattern_based');
    expect((await purge(stack, '?key=config:ch1')).body.deleted).toBe(1);
    expect(await survivors(stack.cache)).toEqual(without('config:ch1'));
  });
});

describe('audit log', () => {
  it('records who, what, how many and when for every purge', async () => {
    const log = createEventLog(50, { now: () => 1_700_000_000_000 });
    stack = await makeStack({ eventLog: log });
    await purge(stack, '?provider=anthropic');
    await purge(stack, '?namespace=summary&dry_run=true');
    const [dry, real] = log.list();
    expect(real).toMatchObject({
      type: 'purge',
      who: tokenId(ADMIN),
      what: 'provider=anthropic',
      count: 2,
      time: 1_700_000_000_000,
    });
    expect(dry).toMatchObject({ type: 'purge-dry-run', what: 'namespace=summary', count: 2 });
    const res = await get(stack, '/logs/cache?level=warn', READER);
    expect(res.status).toBe(200);
    expect(res.body.entries).toHaveLength(1);
    expect(res.body.entries[0]).toMatchObject({
      type: 'purge',
      count: 2,
      time: new Date(1_700_000_000_000).toISOString(),
    });
    expect(JSON.stringify(res.body)).not.toContain(ADMIN);
  });

  it('serves the warming log that another package writes', async () => {
    stack = await makeStack();
    stack.router.warmingLog.push({ level: 'info', type: 'warm', message: 'warmed 3 keys' });
    const res = await get(stack, '/logs/warming', READER);
    expect(res.body.entries).toEqual([expect.objectContaining({ type: 'warm', message: 'warmed 3 keys' })]);
  });

  it('rejects an unknown log level', async () => {
    stack = await makeStack();
    const res = await get(stack, '/logs/cache?level=loud', READER);
    expect(res.status).toBe(400);
  });
});

describe('GET /api/cache/keys', () => {
  it('visits every key exactly once across pages', async () => {
    const seed = Array.from({ length: 57 }, (_, i) => ({
      key: `summary:k${String(i).padStart(3, '0')}:1:m`,
    }));
    stack = await makeStack({}, seed);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const res = await get(stack, `/api/cache/keys?limit=10${q}`, READER);
      expect(res.status).toBe(200);
      expect(res.body.keys.length).toBeLessThanOrEqual(10);
      seen.push(...res.body.keys);
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(pages).toBe(6);
    expect(seen).toEqual(seed.map((s) => s.key).sort());
  });

  it('filters by pattern', async () => {
    stack = await makeStack();
    const res = await get(stack, '/api/cache/keys?pattern=models:*', READER);
    expect(res.body.keys).toEqual(['models:anthropic:mh2', 'models:openai:mh1']);
    expect(res.body.next_cursor).toBeNull();
  });

  it.each([
    ['?limit=0'],
    ['?limit=1001'],
    ['?limit=abc'],
    ['?cursor=%%%'],
    ['?pattern=[x'],
    ['?page=2'],
    [`?pattern=${'x'.repeat(513)}`],
    [`?pattern=${'*%3F'.repeat(17)}`],
  ])('answers 400 for %s', async (query) => {
    stack = await makeStack();
    const res = await get(stack, `/api/cache/keys${query}`, READER);
    expect(res.status).toBe(400);
    expect(res.body.error.type).toBe('invalid_request');
  });
});

describe('GET /api/cache/entry', () => {
  it('shows metadata and the tiers holding the entry, without the body by default', async () => {
    stack = await makeStack();
    const key = find(':h1');
    const res = await get(stack, `/api/cache/entry?key=${encodeURIComponent(key)}`, READER);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      key,
      namespace: 'response',
      tiers: ['memory', 'l2'],
      tags: ['team:a'],
      provider: 'openai',
      model: 'gpt-4o',
      stale: false,
      size: JSON.stringify({ key }).length,
    });
    expect(res.body.ttl).toBeGreaterThan(0);
    expect(res.body.body).toBeUndefined();
  });

  it('includes the body with include_body=true', async () => {
    stack = await makeStack();
    const res = await get(stack, '/api/cache/entry?key=config:ch1&include_body=true', READER);
    expect(res.body.body).toEqual({ encoding: 'utf8', data: JSON.stringify({ key: 'config:ch1' }) });
  });

  it('answers 404 for a missing key and 400 without one', async () => {
    stack = await makeStack();
    const missing = await get(stack, '/api/cache/entry?key=config:nope', READER);
    expect(missing.status).toBe(404);
    const none = await get(stack, '/api/cache/entry', READER);
    expect(none.status).toBe(400);
  });
});

describe('POST /api/cache/explain', () => {
  it('answers the key a request would get and never echoes its credential', async () => {
    stack = await makeStack();
    const secret = 'sk-proj-VERYSECRET-1234567890';
    const res = await request(stack.app)
      .post('/api/cache/explain')
      .set(...bearer(READER))
      .send({
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { Authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], temperature: 0 },
      });
    expect(res.status).toBe(200);
    expect(res.body.key).toBe(
      `response:openai:chat.completions:gpt-4o:${tenantHash(secret)}:${res.body.paramsHash as string}`,
    );
    expect(res.body.fields).toMatchObject({ model: 'gpt-4o' });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('VERYSECRET');
  });

  it('hands the keyer a header named __PROTO__ as a header, not as the prototype of the headers', async () => {
    // A scope function sees the sample's header names: '__proto__' must be one of them.
    stack = await makeStack({
      key: { tenantSecret: 's', scope: (req) => Object.keys(req.headers).join(',') },
    });
    const res = await request(stack.app)
      .post('/api/cache/explain')
      .set(...bearer(READER))
      .set('content-type', 'application/json')
      .send('{"method":"POST","path":"/v1/embeddings","headers":{"__PROTO__":["x"]},"body":{"model":"m"}}');
    expect(res.status).toBe(200);
    expect(res.body.tenant).toBe(tenantHash('__proto__', 's'));
  });

  it('never echoes a credential query parameter, in any spelling', async () => {
    stack = await makeStack();
    for (const [i, name] of CREDENTIAL_PARAM_SPELLINGS.entries()) {
      const secret = `AIzaQUERYSECRET${i}xyz`;
      const res = await request(stack.app)
        .post('/api/cache/explain')
        .set(...bearer(READER))
        .send({
          method: 'POST',
          path: `/v1beta/models/gemini-1.5-pro:generateContent?${name}=${secret}&alt=sse&${name}=${secret}`,
          headers: { 'content-type': 'application/json' },
          body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
        });
      expect([name, res.status]).toEqual([name, 200]);
      expect([name, JSON.stringify(res.body).includes(secret)]).toEqual([name, false]);
    }
  });

  it('answers 400 for a malformed sample', async () => {
    stack = await makeStack();
    const res = await request(stack.app)
      .post('/api/cache/explain')
      .set(...bearer(READER))
      .send({ method: 'POST', path: 'no-slash', extra: 1 });
    expect(res.status).toBe(400);
  });
});

describe('GET /api/config/cache', () => {
  it('shows the configuration with secrets redacted', async () => {
    stack = await makeStack({
      config: {
        caching: { default_ttl: 1800 },
        redis: { host: 'r', password: 'hunter22', url: 'redis://user:pw123@r:6379/0' },
        admin_token: 'abc',
      },
    });
    const res = await get(stack, '/api/config/cache', READER);
    expect(res.body).toEqual({
      caching: { default_ttl: 1800 },
      redis: { host: 'r', password: '[redacted]', url: 'redis://r:6379/0' },
      admin_token: '[redacted]',
    });
  });
});

describe('debug routes', () => {
  it('reports heap, RSS and GC counts', async () => {
    stack = await makeStack();
    const res = await get(stack, '/debug/memory/gc_stats', READER);
    expect(res.body.heap_used_mb).toBeGreaterThan(0);
    expect(res.body.rss_mb).toBeGreaterThan(0);
    expect(typeof res.body.gc).toBe('object');
  });

  it('reports access patterns from hits and misses', async () => {
    stack = await makeStack();
    const key = SEED[0]?.key as string;
    await stack.cache.get(key);
    await stack.cache.get(key);
    await stack.cache.get('response:openai:chat:gpt-4o:t:missing');
    const res = await get(stack, '/debug/cache/patterns', READER);
    expect(res.body.top_keys[0]).toEqual({ key, hits: 2, misses: 0 });
    expect(res.body.by_provider.openai).toEqual({ hits: 2, misses: 1 });
    expect(res.body.by_model['gpt-4o']).toEqual({ hits: 2, misses: 1 });
    const entry = await get(stack, `/api/cache/entry?key=${encodeURIComponent(key)}`, READER);
    expect(entry.body.hits).toBe(2);
  });

  it('logs corrupt entries that the cache meets', async () => {
    stack = await makeStack();
    await stack.cache.tiers[0]?.delete('config:ch1');
    await corruptInL2(stack.cache, 'config:ch1');
    expect(await stack.cache.get('config:ch1')).toBeUndefined();
    const res = await get(stack, '/logs/cache?level=warn', READER);
    expect(res.body.entries[0]).toMatchObject({ type: 'corrupt', tier: 'l2', key: 'config:ch1' });
  });
});
