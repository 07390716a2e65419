import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@gatecache/core';
import { createWebhook } from '../src';
import type { AlertPayload } from '../src';
import { stack } from './helpers';

/** A receiver that answers 503 `failures` times, then 204; it records every body. */
async function receiver(failures: number) {
  const bodies: AlertPayload[] = [];
  let calls = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      calls++;
      bodies.push(JSON.parse(raw) as AlertPayload);
      res.writeHead(calls <= failures ? 503 : 204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    calls: () => calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  const log = (level: string) => (message: string) => lines.push({ level, message });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  return { logger, lines };
}

const payload: AlertPayload = {
  alert: 'low_hit_rate',
  state: 'firing',
  severity: 'warning',
  message: 'low',
  value: 0.5,
  action: 'notify_team',
  at: new Date(0).toISOString(),
};

describe('alert webhook', () => {
  it('retries with exponential backoff until the receiver accepts', async () => {
    const r = await receiver(2);
    const waits: number[] = [];
    const { logger, lines } = recordingLogger();
    const hook = createWebhook({
      url: r.url,
      baseDelayMs: 100,
      sleep: async (ms) => {
        waits.push(ms);
      },
      logger,
    });
    try {
      expect(await hook.send(payload)).toBe(true);
      expect(r.calls()).toBe(3);
      expect(waits).toEqual([100, 200]);
      expect(r.bodies[2]).toEqual(payload);
      expect(lines.filter((l) => l.level === 'warn')).toHaveLength(2);
    } finally {
      await r.close();
    }
  });

  it('gives up after maxAttempts and logs an error', async () => {
    const r = await receiver(10);
    const { logger, lines } = recordingLogger();
    const hook = createWebhook({ url: r.url, maxAttempts: 3, sleep: async () => {}, logger });
    try {
      expect(await hook.send(payload)).toBe(false);
      expect(r.calls()).toBe(3);
      expect(lines.at(-1)).toMatchObject({ level: 'error' });
    } finally {
      await r.close();
    }
  });

  it('uses an injected fetch and rejects a bad URL with the option name', async () => {
    const seen: string[] = [];
    const hook = createWebhook({
      url: 'http://example.invalid/x',
      fetch: async (url, init) => {
        seen.push(`${init.method} ${url} ${init.body}`);
        return { ok: true, status: 200 };
      },
    });
    expect(await hook.send(payload)).toBe(true);
    expect(seen[0]).toContain('POST http://example.invalid/x {"alert":"low_hit_rate"');
    expect(() => createWebhook({ url: 'not a url' })).toThrow(/options\.webhookUrl/);
    expect(() => createWebhook({ url: 'http://x', maxAttempts: 0 })).toThrow(/options\.maxAttempts/);
  });

  it('posts firing and resolved transitions of a rule with its action, and logs them', async () => {
    const r = await receiver(2);
    const { logger, lines } = recordingLogger();
    let now = 1_000_000;
    const s = stack({
      clock: { now: () => now },
      intervalSeconds: 0,
      defaultAlerts: false,
      alerts: [
        { name: 'grow', condition: 'hit_rate < 0.5', severity: 'critical', action: 'scale_resources' },
      ],
      webhookUrl: r.url,
      webhook: { sleep: async () => {} },
      logger,
    });
    const delivered: boolean[] = [];
    s.router.events.on('delivered', (d: { ok: boolean }) => delivered.push(d.ok));
    try {
      await s.cache.get('response:nothing');
      now += 60_000;
      await s.router.evaluate();
      await s.cache.set('response:k', { body: 'x' });
      for (let i = 0; i < 5; i++) await s.cache.get('response:k');
      now += 60_000;
      await s.router.evaluate();
      while (delivered.length < 2) await new Promise((res) => setTimeout(res, 5));
      expect(delivered).toEqual([true, true]);
      const accepted = r.bodies.slice(2);
      expect(accepted.map((b) => [b.alert, b.state, b.action, b.severity])).toEqual([
        ['grow', 'firing', 'scale_resources', 'critical'],
        ['grow', 'resolved', 'scale_resources', 'critical'],
      ]);
      expect(accepted[0]).toMatchObject({ value: 0, at: new Date(1_060_000).toISOString() });
      expect(lines.some((l) => l.level === 'warn' && /alert grow firing/.test(l.message))).toBe(true);
      expect(lines.some((l) => l.level === 'info' && /firing -> resolved/.test(l.message))).toBe(true);
    } finally {
      await s.close();
      await r.close();
    }
  });
});
