import { chatRequest, fleetForAll, post, within } from './helpers/gateways';
import type { Instance } from './helpers/gateways';
import { describeRedis } from './helpers/redis-server';
import { answerTo } from './helpers/upstream';

/** Redis command timeout and tier-guard timeout here: a call to the frozen Redis costs at least this. */
const REDIS_WAIT_MS = 300;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

function content(body: string): string | undefined {
  return (JSON.parse(body) as { choices?: Array<{ message: { content: string } }> }).choices?.[0]?.message
    .content;
}

describeRedis('two gateway instances while Redis is frozen (SIGSTOP) and thawed (SIGCONT)', () => {
  const fleet = fleetForAll(2, {
    // JSON answers come at once; streams last about 30 ms per event, so identical streams overlap.
    upstream: { delayMs: 0, eventDelayMs: 30 },
    instance: (port) => ({
      connection: { port, commandTimeoutMs: REDIS_WAIT_MS },
      tierGuard: { timeoutMs: REDIS_WAIT_MS, failureThreshold: 3, cooldownMs: 4000 },
      middleware: { lock: { waitMs: 5000 } },
    }),
    maxSockets: 32,
  });

  /** Two identical streams, one per instance, the second sent while the first is running: one upstream call. */
  async function coalescedAcrossInstances(prompt: string): Promise<boolean> {
    const calls = fleet().upstream.calls;
    const url = (i: number): string => `${fleet().instances[i]!.url}/v1/chat/completions`;
    const first = post(url(0), chatRequest(prompt, true), fleet().agent);
    await new Promise((r) => setTimeout(r, 60));
    const [a, b] = await Promise.all([first, post(url(1), chatRequest(prompt, true), fleet().agent)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.text).toBe(a.text);
    return fleet().upstream.calls === calls + 1;
  }

  it('keeps misses flowing with no lock wait once the breaker opens, counts the skips, and coalesces again after', async () => {
    const [one] = fleet().instances as [Instance, Instance];
    expect(await coalescedAcrossInstances('before the freeze')).toBe(true);
    const lockBefore = one.mw.stats().lock!;
    expect(lockBefore.acquired).toBeGreaterThan(0);

    fleet().server.freeze();
    // The first misses find Redis frozen: their calls time out and open the breaker shared by the Redis tier
    // and the lock.
    for (let i = 0; i < 3; i++) {
      const a = await post(`${one.url}/v1/chat/completions`, chatRequest(`opening ${i}`), fleet().agent);
      expect(a.status).toBe(200);
    }
    expect(one.cache.guard.isOpen({ name: 'redis' })).toBe(true);
    const errorsWhenOpen = one.cache.guard.state('redis').errors;

    // Breaker open: no miss waits on the lock (a wait would cost at least REDIS_WAIT_MS).
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const prompt = `frozen ${i}`;
      const { value: a, ms } = await timed(() =>
        post(`${one.url}/v1/chat/completions`, chatRequest(prompt), fleet().agent),
      );
      expect(a.status).toBe(200);
      expect(content(a.text)).toBe(answerTo(prompt));
      times.push(ms);
    }
    expect(Math.max(...times)).toBeLessThan(REDIS_WAIT_MS);
    // ...and parallel misses are all answered, each once, without a call to Redis.
    const parallel = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        timed(() => post(`${one.url}/v1/chat/completions`, chatRequest(`parallel ${i}`), fleet().agent)),
      ),
    );
    expect(parallel.map((p) => p.value.status)).toEqual(Array(20).fill(200));
    expect(Math.max(...parallel.map((p) => p.ms))).toBeLessThan(REDIS_WAIT_MS);
    // Identical misses in one instance still make one upstream call (local single-flight).
    const calls = fleet().upstream.calls;
    const same = await Promise.all(
      Array.from({ length: 5 }, () =>
        post(`${one.url}/v1/chat/completions`, chatRequest('same while frozen', true), fleet().agent),
      ),
    );
    expect(same.map((a) => a.status)).toEqual(Array(5).fill(200));
    expect(fleet().upstream.calls).toBe(calls + 1);

    expect(one.cache.guard.state('redis').errors).toBe(errorsWhenOpen);
    const lockFrozen = one.mw.stats().lock!;
    expect(lockFrozen.skipped - lockBefore.skipped).toBeGreaterThanOrEqual(51);
    expect(lockFrozen.acquired).toBe(lockBefore.acquired);

    fleet().server.thaw();
    // After the cooldown one call probes Redis, the breaker closes, and the lock coalesces across instances.
    let n = 0;
    await within(15_000, () => coalescedAcrossInstances(`after the thaw ${n++}`));
    expect(one.cache.guard.state('redis').healthy).toBe(true);
    expect(one.mw.stats().lock!.acquired).toBeGreaterThan(lockFrozen.acquired);
  }, 60_000);
});
