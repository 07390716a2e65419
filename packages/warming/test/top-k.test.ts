import { topK } from '../src/top-k';

describe('topK', () => {
  it('keeps the K highest counts and evicts the least popular', () => {
    const evicted: string[] = [];
    const top = topK<null>(3, (e) => evicted.push(e.key));
    for (const [k, c] of [
      ['a', 1],
      ['b', 5],
      ['c', 3],
      ['d', 4],
      ['e', 0.5],
    ] as const)
      top.offer(k, c, () => null);
    expect(top.sorted().map((r) => r.key)).toEqual(['b', 'd', 'c']);
    expect(evicted).toEqual(['a']);
    top.offer('c', 10, () => null);
    expect(top.sorted()[0]).toMatchObject({ key: 'c', count: 10 });
    expect(top.size).toBe(3);
  });
});
