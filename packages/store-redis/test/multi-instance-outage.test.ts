import * as http from 'node:http';
import { Redis } from 'ioredis';
import { KEY_PREFIX, chatRequest, fleetForAll, post, within } from './helpers/gateways';
import type { Instance } from './helpers/gateways';
import { sleep } from './helpers/load';
import { describeRedis, startRedis } from './helpers/redis-server';
import { answerTo } from './helpers/upstream';

/**
 * Requests from `workers` loops spread over the instances until stop(): each prompt is asked a few times in a
 * row (hits, collapsed misses) and new prompts keep coming (misses that take the lock and write to Redis).
 * A request fails when its connection fails, its status is not 200 or its body answers another prompt.
 */
function httpLoad(
  instances: Instance[],
  agent: http.Agent,
  workers = 12,
): { readonly sent: number; stop(): Promise<string[]> } {
  let running = true;
  let sent = 0;
  const failures: string[] = [];
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const n = sent++;
      const prompt = `load ${Math.floor(n / 4)}`;
      const url = `${instances[n % instances.length]!.url}/v1/chat/completions`;
      try {
        const a = await post(url, chatRequest(prompt), agent);
        const content = (JSON.parse(a.text) as { choices?: Array<{ message: { content: string } }> })
          .choices?.[0]?.message.content;
        if (a.status !== 200 || content !== answerTo(prompt))
          failures.push(`${prompt}: ${a.status} ${a.text.slice(0, 200)}`);
      } catch (err) {
        failures.push(`${prompt}: ${(err as Error).message}`);
      }
    }
  });
  return {
    get sent() {
      return sent;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return failures;
    },
  };
}

describeRedis('three gateway instances when Redis dies mid-load', () => {
  const fleet = fleetForAll(3, {
    upstream: { delayMs: 20 },
    // Default Redis timeouts (a dead Redis costs at most 100 ms); a short breaker cooldown so the tier is
    // probed again soon after Redis returns; a request waiting on a lock that died with Redis waits 1 s.
    instance: (port) => ({
      connection: { port },
      tierGuard: { cooldownMs: 200 },
      middleware: { lock: { waitMs: 1000 } },
    }),
    maxSockets: 12,
  });

  it('fails no client request while Redis is killed and restarted, and uses the Redis tier again after', async () => {
    const load = httpLoad(fleet().instances, fleet().agent);
    await sleep(700);
    await fleet().server.stop(); // SIGKILL, like a crash
    const sentAtKill = load.sent;
    await sleep(800);
    const sentWhileDown = load.sent - sentAtKill;
    fleet().server = await startRedis({ port: fleet().server.port });
    await sleep(700);
    const failures = await load.stop();

    expect(failures).toEqual([]);
    expect(sentAtKill).toBeGreaterThan(10);
    expect(sentWhileDown).toBeGreaterThan(10);

    // Back in use: a new answer fetched through one instance is written to the restarted Redis (once the
    // clients have reconnected and the breaker let a probe through)...
    const raw = new Redis(fleet().server.port, '127.0.0.1');
    try {
      let attempt = 0;
      await within(15_000, async () => {
        const prompt = `after restart ${attempt++}`;
        const a = await post(
          `${fleet().instances[0]!.url}/v1/chat/completions`,
          chatRequest(prompt),
          fleet().agent,
        );
        expect(a.status).toBe(200);
        const key = a.headers['x-gatecache-key'] as string;
        // The inspecting client may itself still be (re)connecting to the restarted server: try again then.
        const stored = await raw.exists(`${KEY_PREFIX}${key}`).catch(() => 0);
        if (stored !== 1) return false;
        // ...and another instance, which never saw it, answers it from Redis without an upstream call.
        const calls = fleet().upstream.calls;
        const redisHits = (await fleet().instances[1]!.cache.stats()).tiers.redis!.hits;
        const b = await post(
          `${fleet().instances[1]!.url}/v1/chat/completions`,
          chatRequest(prompt),
          fleet().agent,
        );
        expect(b.status).toBe(200);
        // Instance 1 may still be reconnecting or in its breaker's cooldown: then try with a new prompt.
        if (b.headers['x-cache'] !== 'HIT') return false;
        expect(fleet().upstream.calls).toBe(calls);
        expect((await fleet().instances[1]!.cache.stats()).tiers.redis!.hits).toBe(redisHits + 1);
        return true;
      });
    } finally {
      raw.disconnect();
    }
  }, 60_000);
});
