import { Cluster } from 'ioredis';
import { KEY_PREFIX, chatRequest, post, startInstances, within } from './helpers/gateways';
import type { Instance } from './helpers/gateways';
import { describeRedis, redisCli, startCluster } from './helpers/redis-server';
import type { RedisClusterProcess } from './helpers/redis-server';
import { answerTo, startUpstream } from './helpers/upstream';
import type { Upstream } from './helpers/upstream';

/** Keys of one master under a pattern (SCAN on that node only). */
async function keysOn(port: number, pattern: string): Promise<string[]> {
  const out = await redisCli(port, '--scan', '--pattern', pattern);
  return out.split('\n').filter(Boolean);
}

describeRedis('three gateway instances over a 3-master Redis Cluster', () => {
  let cluster: RedisClusterProcess;
  let raw: Cluster;
  let upstream: Upstream;
  let instances: Instance[];
  const tierErrors: string[] = [];

  beforeAll(async () => {
    cluster = await startCluster(3);
    raw = new Cluster(cluster.nodes);
    const rawReady = new Promise((r) => raw.once('ready', r));
    upstream = await startUpstream({ delayMs: 400 });
    instances = await startInstances(3, {
      connection: { cluster: { nodes: cluster.nodes }, commandTimeoutMs: 1000 },
      tierGuard: { timeoutMs: 1000 },
      upstream,
    });
    for (const i of instances)
      i.cache.on('tier-error', ({ tier, op, error }) =>
        tierErrors.push(`${i.name} ${tier} ${op}: ${error.message}`),
      );
    await rawReady;
  }, 60_000);
  afterAll(async () => {
    await Promise.all((instances ?? []).map((i) => i.close()));
    await upstream?.close();
    await raw?.quit();
    await cluster?.stop();
  });

  it('answers 100 concurrent identical requests over three instances with one upstream call', async () => {
    const body = chatRequest('capital of Italy');
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => post(`${instances[i % 3]!.url}/v1/chat/completions`, body)),
    );
    expect(upstream.calls).toBe(1);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(JSON.parse(a.text)).toMatchObject({
        choices: [{ message: { content: answerTo('capital of Italy') } }],
      });
    }
    expect(tierErrors).toEqual([]);
  }, 30_000);

  it('purges a pattern through one instance from every master and every instance memory tier', async () => {
    // Answers spread over the hash slots of all three masters, each also read (into memory) on instance 1.
    const prompts = Array.from({ length: 24 }, (_, n) => `question ${n}`);
    const stored = await Promise.all(
      prompts.map((p, n) => post(`${instances[n % 3]!.url}/v1/chat/completions`, chatRequest(p))),
    );
    const keys = stored.map((a) => a.headers['x-gatecache-key'] as string);
    const reads = await Promise.all(
      prompts.map((p) => post(`${instances[1]!.url}/v1/chat/completions`, chatRequest(p))),
    );
    expect(reads.map((a) => a.headers['x-cache'])).toEqual(prompts.map(() => 'HIT'));
    await raw.set('other-app:response:openai:keep', 'not ours');
    const before = await Promise.all(cluster.servers.map((s) => keysOn(s.port, `${KEY_PREFIX}response:*`)));
    expect(before.every((k) => k.length > 0)).toBe(true);
    expect(before.flat()).toHaveLength(25); // the 24 above and the previous test's answer
    expect(await instances[1]!.memory.get(keys[0]!)).toBeDefined();

    const result = await instances[0]!.cache.deleteMatching('response:openai:*');
    expect(result.byTier.redis).toBe(25);
    const after = await Promise.all(cluster.servers.map((s) => keysOn(s.port, `${KEY_PREFIX}response:*`)));
    expect(after.flat()).toEqual([]);
    expect(await raw.get('other-app:response:openai:keep')).toBe('not ours');
    await within(100, async () => {
      const held = await Promise.all(instances.flatMap((i) => keys.map(async (k) => i.memory.get(k))));
      return held.every((r) => r === undefined);
    });
    expect(tierErrors).toEqual([]);

    // The next request goes upstream again.
    const calls = upstream.calls;
    const again = await post(`${instances[2]!.url}/v1/chat/completions`, chatRequest('question 0'));
    expect(again.headers['x-cache']).toBe('MISS');
    expect(upstream.calls).toBe(calls + 1);
  }, 60_000);
});
