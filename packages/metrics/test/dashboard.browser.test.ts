import { existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { script, stack } from './helpers';
import type { Stack } from './helpers';

// Debian's chromium (.ci/run installs it); playwright-core never downloads a browser.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

jest.setTimeout(90_000);

interface PageGlobals {
  document: { body: { dataset: Record<string, string | undefined> } };
}

describe('dashboard in headless Chromium', () => {
  let s: Stack;
  let server: http.Server;
  let browser: Browser;
  const token = 'dashboard-token-1';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    const responseCache = { stats: () => ({ requests: 10, hits: 6, stale: 1, collapsed: 2 }) };
    s = stack({ token, dashboardRefreshSeconds: 1, sources: { responseCache } });
    server = http.createServer(s.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await s?.close();
  });

  it('shows the hit rate of /api/cache/stats after known hits and misses, without console errors', async () => {
    await script(s.cache, 6, 4);
    const stats = (await request(s.app).get('/api/cache/stats').set('Authorization', `Bearer ${token}`))
      .body as {
      hit_rate: number;
    };
    expect(stats.hit_rate).toBe(0.6);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await page.goto(`${base}/api/cache/dashboard?token=${token}`);
    await page.waitForFunction(
      // The page's own document (tsconfig has no DOM lib; a string would need 'unsafe-eval', which the CSP forbids).
      () => Number((globalThis as unknown as PageGlobals).document.body.dataset.refreshes) >= 2,
      undefined,
      {
        timeout: 20_000,
      },
    );

    const shown = await page.locator('#hit-rate').getAttribute('data-value');
    expect(Number(shown)).toBe(stats.hit_rate);
    expect(await page.locator('#hit-rate .value').textContent()).toBe('60.0%');
    expect(await page.locator('#hit-rate .value').getAttribute('class')).toContain('yellow');
    expect(await page.locator('#memory .value').getAttribute('class')).toContain('green');
    // The headline: 9 of the response cache's 10 requests made no upstream call.
    expect(await page.locator('#served .value').textContent()).toBe('90.0%');
    expect(await page.locator('#served .value').getAttribute('class')).toContain('green');
    expect(await page.locator('#served-requests').textContent()).toBe(
      '9 of 10 requests (6 hits, 1 stale, 2 coalesced)',
    );
    expect(await page.locator('#firing').textContent()).toBe('0');
    expect(await page.locator('#top tr').first().textContent()).toContain('response');
    expect(await page.locator('#ops-chart polyline').count()).toBe(4);
    expect(await page.locator('#error').textContent()).toBe('');
    expect(problems).toEqual([]);
    await page.close();
  });
});
