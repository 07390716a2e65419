// One client's hop-by-hop headers are its own connection's business: they must not reach the provider and
// spoil a pooled upstream connection for the next client's request.
import * as http from 'node:http';
import { chat, gateway } from './helpers';
import type { Gateway } from './helpers';

let gw: Gateway;
beforeAll(async () => {
  gw = await gateway();
});
afterAll(async () => {
  await gw.stop();
});

/** A request on a connection of its own, with the given headers. */
function request(
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${gw.url}${path}`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-hop-tenant', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

it.each([
  ['Connection: close', { connection: 'close' }],
  ['Connection naming another header', { connection: 'close, x-hop', 'x-hop': '1' }],
  ['Keep-Alive and Proxy-Connection', { 'keep-alive': 'timeout=0', 'proxy-connection': 'close' }],
])('should keep serving other clients after one sends %s', async (_name, hop) => {
  for (let i = 0; i < 6; i++) {
    const stream = i % 2 === 0;
    const own = await request(
      '/v1/chat/completions',
      chat(`hop ${JSON.stringify(hop)} ${i}`, { stream }),
      hop as Record<string, string>,
    );
    expect(own.status).toBe(200);
    // Right after, on the pooled upstream connection the first one used: another client's miss.
    const other = await request('/v1/chat/completions', chat(`other ${JSON.stringify(hop)} ${i}`), {});
    expect([i, other.status, other.text]).toEqual([i, 200, expect.any(String)]);
  }
});
