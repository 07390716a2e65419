import { createGatecache, parseConfig } from '../src';
import { answer, appOf, chat, fakeUpstreamEach, recordingLogger } from './helpers';

const TOKEN = 'warming-admin-token';
const env = { GATECACHE_ADMIN_TOKEN: TOKEN };
const auth = (init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${TOKEN}` },
});

const WARMING = `disk:
  enabled: false
warming:
  interval: 600
  preload_threshold: 1
  max_concurrent_warms: 2
  warm_batch_size: 7
  pattern_window: 1200
  prediction_window: 900
  max_warms_per_hour: 50
  namespaces: [response]
`;

describe('createGatecache warming', () => {
  const upstream = fakeUpstreamEach('a warmed answer');

  it('maps the warming block onto the tracker and the warmer, started with the stack', async () => {
    const gc = await createGatecache(parseConfig(WARMING, { env }), {
      env,
      upstream: { openai: { baseUrl: upstream().url, apiKey: 'gateway-key' } },
    });
    try {
      const { tracker, warmer } = gc.warming!;
      expect(tracker.patternWindow).toBe(1200);
      const status = warmer.status();
      expect(status.enabled).toBe(true);
      expect(status.budget.perCycle).toBe(7);
      expect(status.nextRunAt).not.toBeNull();
    } finally {
      await gc.close();
    }
    expect(gc.warming!.warmer.status().nextRunAt).toBeNull();
  });

  it('warms a tracked answer with the gateway credential and shows it in /metrics and Prometheus', async () => {
    const gc = await createGatecache(parseConfig(WARMING, { env }), {
      env,
      upstream: { openai: { baseUrl: upstream().url, apiKey: 'gateway-key' } },
    });
    try {
      const { app } = appOf(gc);
      await answer(app, '/v1/chat/completions', chat);
      await answer(app, '/v1/chat/completions', chat);
      const [popular] = gc.warming!.tracker.popular(1);
      expect(popular!.key).toMatch(/^response:/);
      expect(popular!.hits).toBe(1);

      const started = await answer(
        app,
        '/api/cache/warm',
        auth({
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ keys: [popular!.key] }),
        }),
      );
      expect(started.status).toBe(202);
      await waitFor(() => {
        const st = gc.warming!.warmer.stats();
        return st.successes + st.failures >= 1 && !st.running;
      });
      expect(upstream().requests).toHaveLength(1);
      expect(upstream().requests[0]).toMatchObject({
        path: '/v1/chat/completions',
        authorization: 'Bearer gateway-key',
      });

      const metrics = (await (await answer(app, '/metrics', auth())).json()) as {
        cache_warming: { enabled: boolean; warming_requests_total: number; warming_success_total: number };
      };
      expect(metrics.cache_warming).toMatchObject({
        enabled: true,
        warming_requests_total: 1,
        warming_success_total: 1,
      });
      const text = await (await answer(app, '/metrics/prometheus', auth())).text();
      expect(text).toMatch(/^warming_success_total 1$/m);
      expect((await answer(app, '/api/cache/warming/status')).status).toBe(401);
      expect((await answer(app, '/api/cache/warming/status', auth())).status).toBe(200);
    } finally {
      await gc.close();
    }
  });

  it('builds no warmer when warming is off, and its routes answer why in JSON', async () => {
    const gc = await createGatecache(parseConfig(`${WARMING}  enabled: false\n`, { env }), {
      env,
      upstream: { openai: { baseUrl: upstream().url, apiKey: 'gateway-key' } },
    });
    try {
      expect(gc.warming).toBeUndefined();
      const { app } = appOf(gc);
      const status = await answer(app, '/api/cache/warming/status', auth());
      expect(status.status).toBe(200);
      expect(await status.json()).toMatchObject({ enabled: false, state: 'off' });
      // Still behind the token: a disabled feature tells nothing to an anonymous caller.
      expect((await answer(app, '/api/cache/warming/status')).status).toBe(401);
      for (const [path, init] of [
        [
          '/api/cache/warm',
          auth({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
        ],
        ['/API/Cache/Warming/Patterns/', auth()],
        ['/api/cache/advice', auth()],
      ] as const) {
        const res = await answer(app, path, init);
        expect(res.status).toBe(409);
        expect(res.headers.get('content-type')).toMatch(/json/);
        const body = (await res.json()) as { error: { type: string; message: string } };
        expect(body.error.type).toBe('warming_disabled');
        expect(body.error.message).toContain('warming.enabled: true');
      }
      expect(upstream().requests).toHaveLength(0);
    } finally {
      await gc.close();
    }
  });

  it('turns warming off with a warning when the gateway has no credential of its own', async () => {
    const { logger, warnings } = recordingLogger();
    const gc = await createGatecache(parseConfig(WARMING, { env }), { env, logger });
    const res = await answer(appOf(gc).app, '/api/cache/warm', auth({ method: 'POST' }));
    await gc.close();
    expect(gc.warming).toBeUndefined();
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('OPENAI_API_KEY');
    expect(warnings).toContainEqual(
      expect.stringContaining('warming.enabled is true but the gateway has no'),
    );
  });

  it('reads the upstream credentials from OPENAI_API_KEY and OPENAI_BASE_URL by default', async () => {
    const withKey = { ...env, OPENAI_API_KEY: 'sk-gateway', OPENAI_BASE_URL: upstream().url };
    const gc = await createGatecache(parseConfig(WARMING, { env: withKey }), { env: withKey });
    try {
      expect(gc.warming).toBeDefined();
    } finally {
      await gc.close();
    }
  });

  it('records nothing and runs no cycle with pattern_analysis: false', async () => {
    const { logger, warnings } = recordingLogger();
    const gc = await createGatecache(parseConfig(`${WARMING}  pattern_analysis: false\n`, { env }), {
      env,
      logger,
      upstream: { openai: { baseUrl: upstream().url, apiKey: 'gateway-key' } },
    });
    try {
      await answer(appOf(gc).app, '/v1/chat/completions', chat);
      expect(gc.warming!.tracker.stats().lookups).toBe(0);
      expect(gc.warming!.warmer.status().enabled).toBe(false);
      expect(warnings).toContainEqual(expect.stringContaining('pattern_analysis is false'));
    } finally {
      await gc.close();
    }
  });
});

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
