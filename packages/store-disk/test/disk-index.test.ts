import { DiskIndex } from '../src/disk-index';
import { createLayout } from '../src/layout';

const layout = createLayout('/cache');
const integrityA = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;
const integrityB = `sha512-${Buffer.alloc(64, 2).toString('base64')}`;
const timing = { expiresAt: 10, staleUntil: 20, lastAccess: 0 };

function add(index: DiskIndex, key: string, integrity: string, size = 100): void {
  index.commit(index.reserve(key, integrity, size, 50), timing);
}

describe('DiskIndex', () => {
  it('counts content, buckets and the fan-out folders they occupy', () => {
    const index = new DiskIndex(layout, 4096);
    expect(index.bytes).toBe(5 * 4096);
    add(index, 'a', integrityA);
    // content 100 + bucket 50 + 2 content folders + 2 bucket folders
    expect(index.bytes).toBe(5 * 4096 + 150 + 4 * 4096);
  });

  it('counts shared content once and frees it only with its last key', () => {
    const index = new DiskIndex(layout, 4096);
    add(index, 'one', integrityA);
    add(index, 'two', integrityA);
    const first = index.detach('one');
    expect(first?.files).toEqual([layout.bucketPath('one')]);
    expect(index.hasContent(integrityA)).toBe(true);
    const second = index.detach('two');
    expect(second?.files).toContain(layout.contentPath(integrityA));
    expect(second?.dirs).toEqual(expect.arrayContaining(layout.contentDirs(integrityA)));
    expect(index.hasContent(integrityA)).toBe(false);
    expect(index.bytes).toBe(5 * 4096);
  });

  it('replaces an older entry on commit without deleting the rewritten bucket', () => {
    const index = new DiskIndex(layout, 4096);
    add(index, 'k', integrityA);
    const removal = index.commit(index.reserve('k', integrityB, 200, 50), timing);
    expect(removal.files).toEqual([layout.contentPath(integrityA)]);
    expect(index.peek('k')?.integrity).toBe(integrityB);
    expect(index.size).toBe(1);
  });

  it('gives the bytes of a failed write back and drops the older entry', () => {
    const index = new DiskIndex(layout, 4096);
    add(index, 'k', integrityA);
    const reservation = index.reserve('k', integrityB, 200, 50);
    expect(index.isBusy('k')).toBe(true);
    index.abort(reservation);
    expect(index.isBusy('k')).toBe(false);
    expect(index.peek('k')).toBeUndefined();
    expect(index.bytes).toBe(5 * 4096);
  });

  it('orders by last access and skips keys with writes in flight', () => {
    const index = new DiskIndex(layout, 4096);
    add(index, 'a', integrityA);
    add(index, 'b', integrityB);
    index.touch('a', 5);
    expect(index.oldestIdle()?.key).toBe('b');
    const reservation = index.reserve('b', integrityB, 100, 50);
    expect(index.oldestIdle()?.key).toBe('a');
    index.abort(reservation);
  });

  it('lists expired keys up to a limit and counts per namespace', () => {
    const index = new DiskIndex(layout, 4096);
    add(index, 'response:a', integrityA);
    add(index, 'response:b', integrityB);
    expect(index.expired(19, 10)).toHaveLength(0);
    expect(index.expired(20, 1)).toHaveLength(1);
    expect(index.namespaceStats()).toEqual({ response: { entries: 2, bytes: 300 } });
  });
});
