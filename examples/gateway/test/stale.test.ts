import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../gateway.js';
import type { StartedGateway } from '../gateway.js';
import { gatewayEnv } from './gateway-env';

/** The shipped config.yaml's stale windows: an expired answer stands in while the provider fails. */
describe('the gateway example during a provider outage', () => {
  let gateway: StartedGateway;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatecache-gateway-stale-'));
    gateway = await startGateway({
      env: gatewayEnv(dir, {
        MOCK_LATENCY_MS: '20',
        GATECACHE_CONFIG: join(__dirname, '../config.yaml'),
        GATECACHE_RESPONSE_TTL: '1',
      }),
      log: () => undefined,
    });
  });
  afterAll(async () => {
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = async (content: string) => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' },
      body: JSON.stringify({ model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content }] }),
    });
    return { status: res.status, xCache: res.headers.get('x-cache'), body: await res.text() };
  };

  it('answers expired entries while every provider call fails, and errors only where nothing is cached', async () => {
    const first = await ask('what is a cache?');
    expect(first).toMatchObject({ status: 200, xCache: 'MISS' });
    await new Promise((r) => setTimeout(r, 1300));
    gateway.mock!.setErrorRate(1);
    for (let i = 0; i < 3; i++) {
      const again = await ask('what is a cache?');
      expect(again).toMatchObject({ status: 200, xCache: 'STALE', body: first.body });
    }
    // Nothing cached for this one: the provider's error reaches the client.
    expect((await ask('a question never asked')).status).toBeGreaterThanOrEqual(500);
  });
});
