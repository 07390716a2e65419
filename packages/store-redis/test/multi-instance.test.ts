import * as http from 'node:http';
import { cacheAdmin } from '@gatecache/admin';
import type { CacheAdminRouter, InvalidationBus as AdminBus } from '@gatecache/admin';
import type { InvalidationBus } from '../src';
import { KEY_PREFIX, chatRequest, post, startInstances, within } from './helpers/gateways';
import type { Answer } from '@gatecache/test-kit';
import type { Instance } from './helpers/gateways';
import { describeRedis, redisForAll } from './helpers/redis-server';
import { answerTo, startUpstream, streamEvents } from './helpers/upstream';
import type { Upstream } from './helpers/upstream';

/** The admin router's bus over ours: a publish Redis did not take must reject, so the purge reports it. */
function adminBus(bus: InvalidationBus): AdminBus {
  return {
    async publish(message) {
      if (!(await bus.publish(message))) throw new Error('invalidation bus: Redis did not take the message');
    },
  };
}

/** `count` identical requests spread round-robin over the instances, all at once. */
function spread(instances: Instance[], count: number, body: unknown): Promise<Answer[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      post(`${instances[i % instances.length]!.url}/v1/chat/completions`, body),
    ),
  );
}

const idOf = (a: Answer): string => (JSON.parse(a.text) as { id: string }).id;

describeRedis('three gateway instances sharing one Redis', () => {
  const redis = redisForAll();
  let upstream: Upstream;
  let instances: Instance[];
  let admin: CacheAdminRouter | undefined;

  beforeEach(async () => {
    upstream = await startUpstream({ delayMs: 400 });
    instances = await startInstances(3, {
      // Generous timeouts: this suite is about coalescing and purges, not about a slow Redis on a busy machine.
      connection: { port: redis().server.port, commandTimeoutMs: 1000 },
      tierGuard: { timeoutMs: 1000 },
      upstream,
      before: (app, { name, cache, bus }) => {
        if (name !== 'gw-0') return;
        admin = cacheAdmin({ cache, auth: false, bus: adminBus(bus) });
        app.use('/admin', admin);
      },
      onClose: () => admin?.close(),
    });
  });
  afterEach(async () => {
    await Promise.all(instances.map((i) => i.close()));
    admin = undefined;
    await upstream.close();
    await redis().raw.flushdb();
  });

  it('answers 100 concurrent identical JSON requests over three instances with one upstream call', async () => {
    const answers = await spread(instances, 100, chatRequest('capital of France'));
    expect(upstream.calls).toBe(1);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(JSON.parse(a.text)).toMatchObject({
        id: 'chatcmpl-call-1',
        choices: [{ message: { content: answerTo('capital of France') } }],
      });
    }
    // One leader stored it; the 99 others were collapsed onto it (in process or through the lock) or hit.
    const statuses = answers.map((a) => String(a.headers['cache-status']));
    expect(statuses.filter((s) => s === 'gatecache; fwd=miss')).toHaveLength(1);
    expect(
      statuses.filter((s) => s === 'gatecache; fwd=miss; collapsed' || s.startsWith('gatecache; hit')),
    ).toHaveLength(99);
    const key = answers[0]!.headers['x-gatecache-key'] as string;
    expect(await redis().raw.exists(`${KEY_PREFIX}${key}`)).toBe(1);
  }, 30_000);

  it('answers 100 concurrent identical streamed requests over three instances with one upstream call', async () => {
    const answers = await spread(instances, 100, chatRequest('capital of France', true));
    expect(upstream.calls).toBe(1);
    const leader = answers.find((a) => a.headers['cache-status'] === 'gatecache; fwd=miss');
    expect(leader).toBeDefined();
    expect(leader!.text).toBe(streamEvents().join(''));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.headers['content-type']).toMatch(/^text\/event-stream/);
      // Live waiters on the leader's instance and replaying waiters on the others get the same bytes.
      expect(a.text).toBe(leader!.text);
    }
  }, 30_000);

  /** One upstream call through `a`, then a read on every other instance puts the entry in its memory tier. */
  const warm = async (prompt: string): Promise<string> => {
    const [a, ...others] = instances;
    const first = await post(`${a!.url}/v1/chat/completions`, chatRequest(prompt));
    const key = first.headers['x-gatecache-key'] as string;
    for (const other of others) {
      const hit = await post(`${other.url}/v1/chat/completions`, chatRequest(prompt));
      expect(hit.headers['x-cache']).toBe('HIT');
      await within(1000, async () => (await other.memory.get(key)) !== undefined);
    }
    return key;
  };

  it.each([
    ['cache.delete(key)', async (i: Instance, key: string) => void (await i.cache.delete(key))],
    [
      'cache.deleteMatching(pattern)',
      async (i: Instance) => void (await i.cache.deleteMatching('response:openai:*')),
    ],
    [
      'the admin router, by key',
      async (i: Instance, key: string) => {
        const res = await del(`${i.url}/admin/api/cache?key=${encodeURIComponent(key)}`);
        expect(res).toEqual({ status: 200, body: expect.objectContaining({ deleted: 1, published: true }) });
      },
    ],
    [
      'the admin router, by model',
      async (i: Instance) => {
        const res = await del(`${i.url}/admin/api/cache?model=gpt-4o-mini`);
        expect(res).toEqual({ status: 200, body: expect.objectContaining({ deleted: 1, published: true }) });
      },
    ],
  ])(
    'makes a purge through one instance (%s) reach the others within 100 ms',
    async (_how, purge) => {
      const prompt = 'purge me';
      const key = await warm(prompt);
      expect(upstream.calls).toBe(1);
      await purge(instances[0]!, key);
      await within(100, async () => {
        const held = await Promise.all(instances.map(async (i) => i.memory.get(key)));
        return held.every((r) => r === undefined);
      });
      expect(await redis().raw.exists(`${KEY_PREFIX}${key}`)).toBe(0);
      // The next request on instance 1 goes upstream; instance 2 then reads that new answer, not its old copy.
      const b = await post(`${instances[1]!.url}/v1/chat/completions`, chatRequest(prompt));
      expect(b.headers['x-cache']).toBe('MISS');
      expect(upstream.calls).toBe(2);
      expect(idOf(b)).toBe('chatcmpl-call-2');
      const c = await post(`${instances[2]!.url}/v1/chat/completions`, chatRequest(prompt));
      expect(c.headers['x-cache']).toBe('HIT');
      expect(idOf(c)).toBe('chatcmpl-call-2');
      expect(upstream.calls).toBe(2);
    },
    30_000,
  );
});

/** DELETE, answering the status and the body (parsed when it is JSON). */
function del(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'DELETE', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text for the assertion message
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
