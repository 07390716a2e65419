import { TooLargeKeys } from '../src/too-large';

describe('TooLargeKeys', () => {
  it('remembers a key for its time, then forgets it', () => {
    const keys = new TooLargeKeys(10, 1000);
    keys.add('k', 0);
    expect(keys.has('k', 999)).toBe(true);
    expect(keys.has('k', 1000)).toBe(false);
    expect(keys.size).toBe(0);
  });

  it('holds at most its count of keys, dropping the oldest first', () => {
    const keys = new TooLargeKeys(3, 1000);
    for (const k of ['a', 'b', 'c']) keys.add(k, 0);
    keys.add('a', 1);
    keys.add('d', 2);
    expect(keys.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].filter((k) => keys.has(k, 3))).toEqual(['a', 'c', 'd']);
  });

  it('forgets a key on delete', () => {
    const keys = new TooLargeKeys();
    keys.add('k', 0);
    keys.delete('k');
    expect(keys.has('k', 0)).toBe(false);
  });
});
