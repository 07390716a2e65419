import { createCache, memoryStore } from '@gatecache/core';
import express from 'express';
import request from 'supertest';
import { createEventLog, invalidateOnWrite } from '../src';

describe('invalidateOnWrite', () => {
  it('purges by tag after a matching request succeeds, and not after a failed one', async () => {
    const cache = createCache({ tiers: [memoryStore()] });
    await cache.set('response:openai:chat:m1:t:h1', { body: 'a', tags: ['model:m1'] });
    await cache.set('response:openai:chat:m2:t:h2', { body: 'b', tags: ['model:m2'] });
    const log = createEventLog(10);
    const app = express();
    app.use(
      invalidateOnWrite({
        cache,
        log,
        rules: [{ match: { method: 'POST', path: '/deploy/*' }, purgeTag: 'model:m1' }],
      }),
    );
    app.post('/deploy/fail', (_req, res) => void res.status(500).end());
    app.post('/deploy/m1', (_req, res) => void res.status(201).end());
    try {
      await request(app).post('/deploy/fail').expect(500);
      await new Promise((r) => setTimeout(r, 20));
      expect(await cache.has('response:openai:chat:m1:t:h1')).toBe(true);
      await request(app).post('/deploy/m1').expect(201);
      for (let i = 0; i < 50 && (await cache.has('response:openai:chat:m1:t:h1')); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await cache.has('response:openai:chat:m1:t:h1')).toBe(false);
      expect(await cache.has('response:openai:chat:m2:t:h2')).toBe(true);
      expect(log.list()[0]).toMatchObject({ type: 'purge', who: 'invalidate-on-write', count: 1 });
    } finally {
      await cache.close();
    }
  });

  it('refuses a rule with neither purgeTag nor purgePattern', () => {
    const cache = createCache();
    expect(() => invalidateOnWrite({ cache, rules: [{ match: { path: '/x' } }] })).toThrow('rules[0]');
  });
});
