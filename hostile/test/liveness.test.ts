// The suite's own instruments, checked before any attack leans on them.
import { forAll } from '@gatecache/test-kit';
import { chat, gateway, post, whileServing } from './helpers';

const gw = forAll(gateway, (g) => g.stop());

it('should answer a chat request through the gateway and report a quick probe while nothing attacks', async () => {
  const first = await post(`${gw().url}/v1/chat/completions`, chat('liveness'));
  expect(first.status).toBe(200);
  const again = await post(`${gw().url}/v1/chat/completions`, chat('liveness'));
  expect(again.headers.get('x-cache')).toBe('HIT');
  const seen = await whileServing(
    `${gw().url}/health`,
    () => new Promise((resolve) => setTimeout(resolve, 200)),
  );
  expect(seen.failures).toEqual([]);
  expect(seen.answers).toBeGreaterThan(1);
  expect(seen.worstMs).toBeLessThan(1000);
});

it('should see a blocked event loop as a slow probe answer', async () => {
  const seen = await whileServing(`${gw().url}/health`, async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const until = Date.now() + 400;
    while (Date.now() < until); // the probe's answer must wait for this
  });
  expect(seen.worstMs).toBeGreaterThanOrEqual(300);
});
