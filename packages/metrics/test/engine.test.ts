import { memoryStore } from '@gatecache/core';
import request from 'supertest';
import type { AlertTransition } from '../src/alerts/engine';
import { stack } from './helpers';
import type { Stack } from './helpers';

describe('alert engine', () => {
  let s: Stack;
  let now = 1_000_000;
  const clock = { now: () => now };
  const minutes = (n: number): void => {
    now += n * 60_000;
  };
  afterEach(async () => s.close());

  /** Moves the clock on by `n` minutes, then checks the state of alert `name`. */
  async function after(n: number, name: string, expected: string): Promise<void> {
    minutes(n);
    expect((await s.router.evaluate()).find((a) => a.name === name)!.state).toBe(expected);
  }

  async function traffic(hits: number, misses: number): Promise<void> {
    await s.cache.set('response:k', { body: 'x' });
    for (let i = 0; i < hits; i++) await s.cache.get('response:k');
    for (let i = 0; i < misses; i++) await s.cache.get(`response:miss-${now}-${i}`);
  }

  it('fires low_hit_rate after it holds for 5 minutes and resolves when hits return', async () => {
    s = stack({ clock, intervalSeconds: 0 });
    const seen: AlertTransition[] = [];
    s.router.events.on('transition', (t: AlertTransition) => seen.push(t));
    const alert = 'low_hit_rate';
    await traffic(9, 1);
    await after(1, alert, 'inactive');
    await traffic(1, 9);
    await after(1, alert, 'pending');
    await traffic(1, 9);
    await after(5, alert, 'firing');
    await traffic(9, 1);
    await after(1, alert, 'resolved');
    expect(seen.filter((t) => t.name === 'low_hit_rate').map((t) => t.to)).toEqual([
      'pending',
      'firing',
      'resolved',
    ]);
    const res = await request(s.app).get('/api/cache/alerts').expect(200);
    expect(res.body.alerts.find((a: { name: string }) => a.name === 'low_hit_rate').state).toBe('resolved');
  });

  it('fires high_eviction_rate above 100 evictions a minute and resolves when they stop', async () => {
    s = stack({ clock, intervalSeconds: 0, tiers: [memoryStore({ maxSizeMb: 0.05 })] });
    const alert = 'high_eviction_rate';
    const churn = async (n: number) => {
      for (let i = 0; i < n; i++) await s.cache.set(`response:e-${now}-${i}`, { body: 'y'.repeat(4000) });
    };
    await churn(400);
    await after(1, alert, 'pending');
    await churn(700);
    await after(5, alert, 'firing');
    await after(1, alert, 'resolved');
  });

  it('fires high_memory_usage above 90% of the memory cap and resolves below it', async () => {
    s = stack({ clock, intervalSeconds: 0, tiers: [memoryStore({ maxSizeMb: 1 })] });
    const alert = 'high_memory_usage';
    for (let i = 0; i < 19; i++) await s.cache.set(`response:m-${i}`, { body: 'z'.repeat(50_000) });
    await after(1, alert, 'pending');
    await after(1, alert, 'firing');
    for (let i = 0; i < 19; i++) await s.cache.delete(`response:m-${i}`);
    await after(1, alert, 'resolved');
  });

  it('fires unusual_access when the miss rate jumps far above its baseline', async () => {
    s = stack({ clock, intervalSeconds: 0 });
    const alert = 'unusual_access';
    for (let i = 0; i < 3; i++) {
      await traffic(9, 1);
      await after(1, alert, 'inactive');
    }
    await traffic(1, 9);
    await after(1, alert, 'pending');
    await traffic(1, 9);
    await after(2, alert, 'firing');
    await traffic(9, 1);
    await after(1, alert, 'resolved');
  });
});
