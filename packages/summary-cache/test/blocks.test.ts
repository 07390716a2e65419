import { stableBlocks } from '../src';

describe('stableBlocks', () => {
  const always = (): boolean => true;

  it('cuts every N messages from the conversation start, up to the limit', () => {
    expect(stableBlocks(20, 4, always, 13)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 8 },
      { start: 8, end: 12 },
    ]);
  });

  it('moves a boundary forward past messages that belong to the one before', () => {
    const attached = new Set([4, 5, 8]);
    const blocks = stableBlocks(20, 4, (i) => !attached.has(i), 18);
    expect(blocks).toEqual([
      { start: 0, end: 6 },
      { start: 6, end: 9 },
      { start: 9, end: 12 },
      { start: 12, end: 16 },
    ]);
  });

  it('merges blocks when a moved boundary passes the next one', () => {
    const attached = new Set([2, 3, 4, 5]);
    expect(stableBlocks(12, 2, (i) => !attached.has(i), 10)).toEqual([
      { start: 0, end: 6 },
      { start: 6, end: 8 },
      { start: 8, end: 10 },
    ]);
  });

  it('keeps every boundary where it was as the conversation grows', () => {
    const attached = new Set([5, 9, 10, 17]);
    const canCut = (i: number): boolean => !attached.has(i);
    const early = stableBlocks(14, 4, canCut, 12);
    for (let length = 15; length < 40; length++) {
      const later = stableBlocks(length, 4, canCut, length - 2);
      expect(later.slice(0, early.length)).toEqual(early);
    }
  });

  it('never ends a block on a boundary it cannot confirm yet', () => {
    // Message 4 attaches to 3 and the conversation ends at 5: the cut at 5 is unknown until message 5 exists.
    expect(stableBlocks(5, 4, (i) => i !== 4, 4)).toEqual([]);
  });
});
