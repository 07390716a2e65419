/** One block of history: non-system message indexes [start, end). */
export interface Block {
  start: number;
  end: number;
}

/**
 * Splits history at fixed boundaries: every `size` messages counted from the conversation start, each moved
 * forward past messages that belong to the one before (tool results after their call). A boundary depends
 * only on the messages before and at it, so it never moves as the conversation grows, and the same block
 * gives the same summary key turn after turn. Only blocks ending at or before `limit` are returned.
 */
export function stableBlocks(
  length: number,
  size: number,
  canCutBefore: (index: number) => boolean,
  limit: number,
): Block[] {
  const blocks: Block[] = [];
  let start = 0;
  for (let nominal = size; nominal <= limit; nominal += size) {
    let end = Math.max(nominal, start + 1);
    while (end < length && !canCutBefore(end)) end++;
    if (end > limit) break;
    if (end <= start) continue;
    blocks.push({ start, end });
    start = end;
    nominal = Math.max(nominal, end - (end % size));
  }
  return blocks;
}
