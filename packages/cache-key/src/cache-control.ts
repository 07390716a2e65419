/**
 * Anthropic's `cache_control` marks where the provider's own prompt cache may cut the prompt: it changes what
 * the provider bills and how fast it answers, never the answer. These rewrites drop it from the blocks that can
 * carry it, so two requests that differ only in its placement share one entry.
 */

type Json = Record<string, unknown>;

/** A rewrite of one top-level body field; returns the value itself when there was nothing to drop. */
export type FieldRewrite = (value: unknown) => unknown;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutMarker(block: Json): Json {
  const { cache_control: _dropped, ...rest } = block;
  return rest;
}

/**
 * Each array element without its `cache_control`, and `inner` applied to each; the same array when nothing
 * changed (most requests carry no marker, and need no copy).
 */
function mapBlocks(value: unknown, inner?: (block: Json) => Json): unknown {
  if (!Array.isArray(value)) return value;
  let copy: unknown[] | undefined;
  value.forEach((item: unknown, i) => {
    if (!isObject(item)) return;
    let next = Object.hasOwn(item, 'cache_control') ? withoutMarker(item) : item;
    if (inner) next = inner(next);
    if (next !== item) (copy ??= value.slice())[i] = next;
  });
  return copy ?? value;
}

/** A tool_result block's own content blocks (one level: they hold text, images and documents, not results). */
function toolResult(block: Json): Json {
  if (block.type !== 'tool_result') return block;
  const content = mapBlocks(block.content);
  return content === block.content ? block : { ...block, content };
}

function message(msg: Json): Json {
  const content = mapBlocks(msg.content, toolResult);
  return content === msg.content ? msg : { ...msg, content };
}

/** `system` (a string or text blocks) and `tools`: the markers sit on the blocks themselves. */
export const blocksWithoutCacheControl: FieldRewrite = (value) => mapBlocks(value);

/** `messages`: markers on content blocks, and on the blocks inside a tool_result. */
export const messagesWithoutCacheControl: FieldRewrite = (value) => mapBlocks(value, (msg) => message(msg));
