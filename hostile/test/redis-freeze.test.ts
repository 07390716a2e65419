// Issue 15 item 8: a frozen Redis (SIGSTOP) must not turn every miss into a wait on the distributed lock.
// Two gateway examples share one real redis-server; the test freezes it, sends misses, thaws it.
import { admin, chat, gateway, post, whileServing } from './helpers';
import type { Gateway } from './helpers';
import type { Gatecache } from 'gatecache';
import { redisAvailable, startTestRedis } from './redis-server';
import type { TestRedis } from './redis-server';

/** The gateway's Redis command timeout (100 ms) is the least a call to the frozen Redis costs. */
const REDIS_WAIT_MS = 100;

const calls = (gw: Gateway): number => gw.mock!.stats().calls;
const stack = (gw: Gateway): Gatecache => gw.gatecache as unknown as Gatecache;
const lockStats = (gw: Gateway): { acquired: number; skipped: number } =>
  stack(gw).responseCacheMiddleware!.stats().lock!;

async function timedPost(url: string, body: unknown): Promise<{ status: number; ms: number; text: string }> {
  const started = performance.now();
  const res = await post(url, body);
  return { status: res.status, ms: performance.now() - started, text: res.text };
}

// redis-server is installed wherever this suite runs (CI installs it); without it, the suite says so and fails.
describe('gateway example on a Redis that freezes (SIGSTOP) and comes back (SIGCONT)', () => {
  let redis: TestRedis;
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    if (!redisAvailable)
      throw new Error('redis-server is not on PATH: install it (apt-get install redis-server)');
    redis = await startTestRedis();
    [a, b] = await Promise.all([gateway({ REDIS_URL: redis.url }), gateway({ REDIS_URL: redis.url })]);
  });
  afterAll(async () => {
    redis?.thaw();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  /** The same stream asked of both gateways, the second while the first runs: one provider call in all. */
  async function coalesced(prompt: string): Promise<boolean> {
    const before = calls(a) + calls(b);
    const body = chat(prompt, { stream: true });
    const first = post(`${a.url}/v1/chat/completions`, body);
    await new Promise((r) => setTimeout(r, 20));
    const [one, two] = await Promise.all([first, post(`${b.url}/v1/chat/completions`, body)]);
    expect([one.status, two.status]).toEqual([200, 200]);
    return calls(a) + calls(b) === before + 1;
  }

  it('should keep misses flowing without a lock wait while Redis is frozen, count the skips, and coalesce again once it is back', async () => {
    let n = 0;
    // Coalescing across gateways works before the freeze: the first pair may race a lock connection that is
    // still warming up on a loaded machine (both go upstream), so it must be seen within a few pairs.
    let warm = false;
    for (let i = 0; i < 5 && !warm; i++) warm = await coalesced(`warm ${n++}`);
    expect(warm).toBe(true);
    const before = lockStats(a);

    redis.freeze();
    // The first misses pay the timeout and open the breaker that the Redis tier and the lock share.
    for (let i = 0; i < 4; i++)
      expect((await post(`${a.url}/v1/chat/completions`, chat(`open ${i}`))).status).toBe(200);

    const seen = await whileServing(`${a.url}/health`, async () => {
      // Sequential misses: none waits on the lock (40 lock waits would cost 40 x REDIS_WAIT_MS at least; the
      // bound is on the sum, so one slow answer on a busy machine does not fail the test).
      let total = 0;
      for (let i = 0; i < 40; i++) {
        const r = await timedPost(`${a.url}/v1/chat/completions`, chat(`frozen ${i}`));
        expect(r.status).toBe(200);
        total += r.ms;
      }
      expect(total).toBeLessThan(40 * REDIS_WAIT_MS * 0.5);
      // A burst of distinct misses: all answered, together sooner than one lock wait each would allow.
      const started = performance.now();
      const burst = await Promise.all(
        Array.from({ length: 30 }, (_, i) => timedPost(`${a.url}/v1/chat/completions`, chat(`burst ${i}`))),
      );
      expect(burst.every((r) => r.status === 200)).toBe(true);
      expect(performance.now() - started).toBeLessThan(30 * REDIS_WAIT_MS * 0.5);
    });
    expect(seen.failures).toEqual([]);
    const frozen = lockStats(a);
    expect(frozen.skipped - before.skipped).toBeGreaterThanOrEqual(70);
    expect(frozen.acquired).toBe(before.acquired);
    // Operators see it: the Prometheus counter of lock skips.
    const prom = await (await fetch(`${a.url}/metrics/prometheus`, { headers: admin })).text();
    expect(Number(/^cache_lock_skipped_total (\d+)/m.exec(prom)?.[1])).toBeGreaterThanOrEqual(70);
    // The tier's own stats show the shared breaker open.
    expect((await stack(a).cache.stats()).tiers.redis!.healthy).toBe(false);

    redis.thaw();
    const deadline = Date.now() + 20_000;
    while (!(await coalesced(`thawed ${n++}`))) {
      if (Date.now() > deadline) throw new Error('no cross-instance coalescing 20 s after the thaw');
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(lockStats(a).acquired).toBeGreaterThan(frozen.acquired);
  }, 60_000);

  it('should answer identical misses with one provider call per gateway while Redis is frozen', async () => {
    redis.freeze();
    try {
      // Open the breaker (or find it open).
      for (let i = 0; i < 4; i++) await post(`${a.url}/v1/chat/completions`, chat(`reopen ${i}`));
      const before = calls(a);
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          timedPost(`${a.url}/v1/chat/completions`, chat('same frozen', { stream: true })),
        ),
      );
      expect(answers.every((r) => r.status === 200)).toBe(true);
      expect(new Set(answers.map((r) => r.text)).size).toBe(1);
      expect(calls(a)).toBe(before + 1);
    } finally {
      redis.thaw();
    }
  }, 30_000);
});
