import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeHealth } from '../src/health';
import { createLayout } from '../src/layout';
import { tempDirs } from './helpers';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('probeHealth', () => {
  it('is healthy when a probe file can be written and removed', async () => {
    const layout = createLayout(dirs.make());
    const health = await probeHealth('disk', layout, async () => undefined);
    expect(health.ok).toBe(true);
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('is unhealthy, with a message, when the folder cannot be written', async () => {
    const base = dirs.make();
    writeFileSync(join(base, 'file.txt'), 'x');
    const layout = createLayout(join(base, 'file.txt', 'cache'));
    const health = await probeHealth('disk', layout, async () => undefined);
    expect(health.ok).toBe(false);
    expect(health.message).toMatch(/disk tier "disk" cannot write to .*file\.txt\/cache: ENOTDIR/);
  });
});
