import { createGatecache, parseConfig } from '../src';
import { answer, appOf, fakeUpstreamEach, recordingLogger } from './helpers';

const SUMMARY = `disk:
  enabled: false
warming:
  enabled: false
caching:
  summary_cache:
    max_context_tokens: 700
    block_messages: 4
    min_recent_messages: 2
    summary_max_tokens: 60
`;

/** Twenty turns of about forty tokens each: well over a 700-token budget. */
function longChat(): RequestInit {
  const messages = Array.from({ length: 20 }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: `Turn ${i}: ` + 'we keep discussing the cache sizing of the gateway in detail '.repeat(3),
  }));
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify({ model: 'gpt-4o', max_tokens: 50, messages }),
  };
}

describe('createGatecache summary cache', () => {
  const upstream = fakeUpstreamEach('They discussed cache sizing.');

  it('bounds the condenser by caching.max_body_kb, the one body limit it shares with the response cache', async () => {
    const gc = await createGatecache(parseConfig(`${SUMMARY}  max_body_kb: 2\n`, { env: {} }), {
      env: {},
      upstream: { openai: { baseUrl: upstream().url, apiKey: 'gateway-key' } },
    });
    try {
      const { app } = appOf(gc);
      const res = await answer(app, '/v1/chat/completions', longChat());
      // Over 2 KiB: neither middleware reads it; it goes upstream as sent, uncondensed and uncached.
      expect(res.headers.get('x-gatecache-condensed')).toBeNull();
      expect(res.headers.get('cache-status')).toBe('gatecache; fwd=bypass; detail=too-large');
      expect(upstream().requests).toHaveLength(0);
    } finally {
      await gc.close();
    }
  });

  it('condenses a long conversation with a small model through the gateway upstream, summaries cached', async () => {
    const gc = await createGatecache(parseConfig(SUMMARY, { env: {} }), {
      env: {},
      upstream: { openai: { baseUrl: upstream().url, apiKey: 'gateway-key' } },
    });
    try {
      const { app, calls } = appOf(gc);
      const first = await answer(app, '/v1/chat/completions', longChat());
      expect(first.headers.get('x-gatecache-condensed')).toBe('1');
      expect(Number(first.headers.get('x-gatecache-tokens-removed'))).toBeGreaterThan(0);
      const summaries = upstream().requests.length;
      expect(summaries).toBeGreaterThanOrEqual(1);
      expect(upstream().requests[0]).toMatchObject({
        path: '/v1/chat/completions',
        authorization: 'Bearer gateway-key',
        body: { model: 'gpt-4o-mini', temperature: 0 },
      });
      const stored: string[] = [];
      for await (const k of gc.cache.keys('summary:*')) stored.push(k);
      expect(stored).toHaveLength(summaries);

      const second = await answer(app, '/v1/chat/completions', longChat());
      expect(second.headers.get('x-gatecache-condensed')).toBe('1');
      expect(second.headers.get('x-cache')).toBe('HIT');
      expect(upstream().requests).toHaveLength(summaries);
      expect(calls()).toBe(1);
      expect(gc.contextCondenserMiddleware!.stats()).toMatchObject({
        condensed: 2,
        summaries: { summarizerCalls: summaries },
      });
    } finally {
      await gc.close();
    }
  });

  it('uses the configured summarizing model and provider', async () => {
    const gc = await createGatecache(
      parseConfig(`${SUMMARY}    model: gpt-4.1-nano\n    provider: openai\n`, { env: {} }),
      { env: {}, upstream: { openai: { baseUrl: upstream().url, apiKey: 'gateway-key' } } },
    );
    try {
      await answer(appOf(gc).app, '/v1/chat/completions', longChat());
      expect(upstream().requests[0]!.body.model).toBe('gpt-4.1-nano');
    } finally {
      await gc.close();
    }
  });

  it('leaves conversations alone when summary_cache is off, or the gateway has no credential', async () => {
    const off = await createGatecache(parseConfig(`${SUMMARY}    enabled: false\n`, { env: {} }), {
      env: {},
      upstream: { openai: { baseUrl: upstream().url, apiKey: 'gateway-key' } },
    });
    const { logger, warnings } = recordingLogger();
    const bare = await createGatecache(parseConfig(SUMMARY, { env: {} }), { env: {}, logger });
    try {
      expect(off.contextCondenserMiddleware).toBeUndefined();
      const res = await answer(appOf(off).app, '/v1/chat/completions', longChat());
      expect(res.headers.get('x-gatecache-condensed')).toBeNull();
      expect(bare.contextCondenserMiddleware).toBeUndefined();
      expect(warnings).toContainEqual(expect.stringContaining('caching.summary_cache: the gateway has no'));
      expect(upstream().requests).toHaveLength(0);
    } finally {
      await off.close();
      await bare.close();
    }
  });
});
