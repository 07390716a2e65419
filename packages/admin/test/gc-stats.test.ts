import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { watchGc } from '../src/gc-stats';

// Churn alone did not always collect: in a full run on Node 24 the observer saw no collection after it.
// A forced collection makes "counts collections" something every line must show.
setFlagsFromString('--expose-gc');
const forceGc = runInNewContext('gc') as () => void;

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

/** Enough short-lived garbage to trigger young-generation collections. */
function churn(): number {
  let n = 0;
  for (let i = 0; i < 200_000; i++) n += [i, { i }, `s${i}`].length;
  return n;
}

describe('watchGc', () => {
  it('reports memory in MB and counts collections by kind while watching', async () => {
    const gc = watchGc();
    try {
      expect(churn()).toBe(600_000);
      forceGc();
      await settle();
      const s = gc.stats();
      expect(s.heap_used_mb).toBeGreaterThan(0);
      expect(s.heap_total_mb).toBeGreaterThanOrEqual(s.heap_used_mb);
      expect(s.rss_mb).toBeGreaterThan(0);
      const counted = Object.values(s.gc).reduce((n, k) => n + k.count, 0);
      expect(counted).toBeGreaterThan(0);
      for (const kind of Object.keys(s.gc)) {
        expect(['major', 'minor', 'incremental', 'weakcb', 'other']).toContain(kind);
      }
    } finally {
      gc.stop();
    }
  });

  it('counts nothing more after stop(), and hands out copies', async () => {
    const gc = watchGc();
    churn();
    await settle();
    gc.stop();
    const before = gc.stats().gc;
    churn();
    forceGc();
    await settle();
    expect(gc.stats().gc).toEqual(before);
    const copy = gc.stats().gc;
    copy.fake = { count: 1, total_ms: 1 };
    expect(gc.stats().gc.fake).toBeUndefined();
  });
});
