/** One block of history: non-system message indexes [start, end). */
export interface Block {
  start: number;
  end: number;
}

/**
 * Splits history every `size` messages from the start (moved past tool results that belong to a call), so a
 * boundary never moves as the conversation grows and a block keeps its summary key turn after turn.
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
