import { createCache, memoryStore } from '@gatecache/core';
import { createEventLog } from '../src';
import { executePurge } from '../src/purge';
import { createScheduler, parseWindow } from '../src/scheduler';
import { validateTiers } from '../src/validate';

describe('createScheduler', () => {
  it('runs a scheduled purge once inside its daily window', async () => {
    let now = new Date(2024, 0, 1, 2, 59).getTime();
    const clock = { now: () => now };
    const cache = createCache({ tiers: [memoryStore({ clock })], clock });
    const log = createEventLog(10, clock);
    const scheduler = createScheduler({
      cache,
      log,
      clock,
      schedules: [{ pattern: 'summary:*', at: '03:00-04:00' }],
      purge: (plan) => executePurge({ cache, batch: 10 }, plan, false),
      validate: async () => [],
    });
    try {
      await cache.set('summary:a:1:m', { body: 'x' });
      await cache.set('config:c', { body: 'y' });
      await scheduler.tick();
      expect(await cache.has('summary:a:1:m')).toBe(true);
      now = new Date(2024, 0, 1, 3, 1).getTime();
      await scheduler.tick();
      expect(await cache.has('summary:a:1:m')).toBe(false);
      expect(await cache.has('config:c')).toBe(true);
      await cache.set('summary:b:1:m', { body: 'x' });
      now = new Date(2024, 0, 1, 3, 30).getTime();
      await scheduler.tick();
      expect(await cache.has('summary:b:1:m')).toBe(true);
      expect(log.list({ type: 'purge' })).toHaveLength(1);
    } finally {
      scheduler.stop();
      await cache.close();
    }
  });

  it('validates periodically, resuming where a bounded pass stopped', async () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    const cache = createCache({ tiers: [memoryStore({ clock })], clock });
    for (let i = 0; i < 5; i++) await cache.set(`config:k${i}`, { body: 'x' });
    const log = createEventLog(10, clock);
    const scheduler = createScheduler({
      cache,
      log,
      clock,
      validation: { enabled: true, intervalSeconds: 60, batch: 3 },
      purge: async () => ({ deleted: 0, byTier: {}, dryRun: false, errors: {} }),
      validate: (limit, after) =>
        validateTiers(cache, { limit, after, remove: true, storeVerify: false, now: now }),
    });
    try {
      await scheduler.tick();
      expect(log.list()).toHaveLength(0);
      now += 61_000;
      await scheduler.tick();
      now += 61_000;
      await scheduler.tick();
      expect(log.list({ type: 'validation' }).map((e) => e.checked)).toEqual([2, 3]);
    } finally {
      scheduler.stop();
      await cache.close();
    }
  });

  it('rejects a malformed window naming the schedule', () => {
    expect(() => parseWindow('3:00-4:00', 'schedules[0]')).toThrow('schedules[0].at');
    expect(parseWindow('23:00-01:00', 's')).toEqual({ from: 1380, to: 60 });
  });
});
