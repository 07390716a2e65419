import { stableBlocks } from './blocks';
import { createYielder } from './yield';
import type { Block } from './blocks';
import { attachedToPrevious, isInstruction, summaryMessage, transcript } from './conversation';
import type { CachedSummarizer, ChatBody, ChatMessage, ChatProvider, TokenCounter } from './types';

export interface CondenseInput {
  provider: ChatProvider;
  body: ChatBody;
  /** Prompt tokens the condensed request may use. */
  budget: number;
  /** Prompt tokens of `body` as it is. */
  tokensBefore: number;
  counter: TokenCounter;
  summarizer: CachedSummarizer;
  blockMessages: number;
  minRecentMessages: number;
  summaryMaxTokens: number;
  summaryModel: string;
  tenant: string;
  /**
   * Most prompt tokens the model can take at all (window - output). When even empty summaries would leave more
   * than this, nothing is summarized: the result says so with `unfit`. Default: no such check.
   */
  roomTokens?: number;
  /** Summarizer calls run at a time. Default 8. */
  concurrency?: number;
}

export interface CondenseResult {
  body: ChatBody;
  tokensAfter: number;
  /** Blocks replaced by their summaries. */
  blocks: number;
  messagesRemoved: number;
  /** Set when the request cannot fit `roomTokens` whatever the summaries: `tokensAfter` is then a lower bound. */
  unfit?: true;
}

/** Room for the summary header and message framing, besides the block summaries themselves. */
const SUMMARY_FRAME_TOKENS = 32;
/** Longest stretch (ms) condensation runs before it gives the event loop back. */
const SLICE_MS = 5;

/** Runs at most `n` of the given tasks at a time, in the order given. */
function pLimit(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

function summaryRole(instructions: readonly ChatMessage[]): string {
  return instructions.some((m) => m.role === 'system') || instructions.length === 0 ? 'system' : 'developer';
}

/**
 * Replaces the fewest oldest whole blocks that bring the prompt within budget with one summary message,
 * keeping instructions; undefined when no block can be condensed, and nothing partial when a summary fails.
 */
export async function condense(input: CondenseInput): Promise<CondenseResult | undefined> {
  const { provider, body, counter, summarizer } = input;
  const messages = body.messages;
  const history: number[] = [];
  messages.forEach((m, i) => {
    if (!isInstruction(provider, m)) history.push(i);
  });
  const at = (k: number): ChatMessage => messages[history[k] as number] as ChatMessage;
  const canCutBefore = (k: number): boolean => k === 0 || !attachedToPrevious(provider, at(k), at(k - 1));
  const limit = history.length - input.minRecentMessages;
  const blocks = stableBlocks(history.length, input.blockMessages, canCutBefore, limit);
  if (blocks.length === 0) return undefined;

  const model = typeof body.model === 'string' ? body.model : '';
  const empty = await counter.countRequest(provider, { model, messages: [] });
  // The built-in counter remembers each message's count from the whole request's: these cost nothing.
  const tokensOf = async (m: ChatMessage): Promise<number> =>
    (await counter.countRequest(provider, { model, messages: [m] })) - empty;
  // Counts and summaries from memory resolve without leaving the microtask queue: thousands of them would hold
  // the event loop as long as they run.
  const yielder = createYielder(SLICE_MS);
  // Estimate first, so the blocks needed are summarized in parallel; the real count decides afterwards.
  let removed = 0;
  let j = blocks.length;
  for (let b = 0; b < blocks.length; b++) {
    const { start, end } = blocks[b] as Block;
    for (let k = start; k < end; k++) removed += await tokensOf(at(k));
    await yielder.maybeYield();
    const estimate = input.tokensBefore - removed + (b + 1) * input.summaryMaxTokens + SUMMARY_FRAME_TOKENS;
    if (estimate <= input.budget) {
      j = b + 1;
      break;
    }
  }
  // Hopeless requests (thousands of tiny messages, or latest turns too long) get no summarizer call at all: they
  // would cost one call per block and still not fit.
  const atLeast = input.tokensBefore - removed;
  if (j === blocks.length && input.roomTokens !== undefined && atLeast > input.roomTokens) {
    return { body, tokensAfter: atLeast, blocks: 0, messagesRemoved: 0, unfit: true };
  }

  const summaries: Promise<string>[] = [];
  const gate = pLimit(input.concurrency ?? 8);
  const summarize = (b: Block): Promise<string> =>
    gate(async () => {
      await yielder.maybeYield();
      return summarizer(transcript(history.slice(b.start, b.end).map((_, k) => at(b.start + k))), {
        maxTokens: input.summaryMaxTokens,
        model: input.summaryModel,
        tenant: input.tenant,
      });
    });
  for (;;) {
    while (summaries.length < j) summaries.push(summarize(blocks[summaries.length] as Block));
    const texts = await Promise.all(summaries);
    const cut = history[(blocks[j - 1] as Block).end] as number;
    const instructions = messages.slice(0, cut).filter((m) => isInstruction(provider, m));
    const condensed: ChatBody = {
      ...body,
      messages: [
        ...instructions,
        summaryMessage(provider, texts, summaryRole(instructions)),
        ...messages.slice(cut),
      ],
    };
    const tokensAfter = await counter.countRequest(provider, condensed);
    if (tokensAfter <= input.budget || j === blocks.length) {
      return { body: condensed, tokensAfter, blocks: j, messagesRemoved: cut - instructions.length };
    }
    j++;
  }
}
