import { stableBlocks } from './blocks';
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
}

export interface CondenseResult {
  body: ChatBody;
  tokensAfter: number;
  /** Blocks replaced by their summaries. */
  blocks: number;
  messagesRemoved: number;
}

/** Room for the summary header and message framing, besides the block summaries themselves. */
const SUMMARY_FRAME_TOKENS = 32;

function summaryRole(instructions: readonly ChatMessage[]): string {
  return instructions.some((m) => m.role === 'system') || instructions.length === 0 ? 'system' : 'developer';
}

/**
 * Replaces the oldest whole blocks of history with one summary message, as few blocks as bring the prompt
 * within budget (all of them when none do). Instructions (OpenAI system/developer messages) are kept; those
 * among the condensed turns move in front of the summary. Returns undefined when no block can be condensed.
 * Summarizer errors propagate; nothing partial is returned.
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
  const empty = counter.countRequest(provider, { model, messages: [] });
  const tokensOf = (m: ChatMessage): number =>
    counter.countRequest(provider, { model, messages: [m] }) - empty;
  // Estimate first, so the blocks needed are summarized in parallel; the real count decides afterwards.
  let removed = 0;
  let j = blocks.length;
  for (let b = 0; b < blocks.length; b++) {
    const { start, end } = blocks[b] as Block;
    for (let k = start; k < end; k++) removed += tokensOf(at(k));
    const estimate = input.tokensBefore - removed + (b + 1) * input.summaryMaxTokens + SUMMARY_FRAME_TOKENS;
    if (estimate <= input.budget) {
      j = b + 1;
      break;
    }
  }

  const summaries: Promise<string>[] = [];
  const summarize = (b: Block): Promise<string> =>
    summarizer(transcript(history.slice(b.start, b.end).map((_, k) => at(b.start + k))), {
      maxTokens: input.summaryMaxTokens,
      model: input.summaryModel,
      tenant: input.tenant,
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
    const tokensAfter = counter.countRequest(provider, condensed);
    if (tokensAfter <= input.budget || j === blocks.length) {
      return { body: condensed, tokensAfter, blocks: j, messagesRemoved: cut - instructions.length };
    }
    j++;
  }
}
