import { ownValue } from '@gatecache/core';
import { modelToEncodingMap } from 'gpt-tokenizer/mapping';
import { createWindowTable, DEFAULT_CONTEXT_WINDOW } from './model-table';
import type { ChatMessage, ChatProvider, TokenCounter, TokenCounterOptions } from './types';

interface Encoder {
  countTokens(text: string): number;
}

/** OpenAI's documented chat overhead: every message is framed by 3 tokens, every reply primed with 3. */
export const OPENAI_TOKENS_PER_MESSAGE = 3;
export const OPENAI_REPLY_PRIMING_TOKENS = 3;
/** The estimate's per-message overhead (role and framing) for providers without a public tokenizer. */
export const ESTIMATE_TOKENS_PER_MESSAGE = 4;

// Loaded on first use: the o200k ranks take ~0.6 s to load, which a gateway that never counts should not pay.
let o200k: Encoder | undefined;
let cl100k: Encoder | undefined;
function encoderFor(model: string): Encoder {
  const name = ownValue(modelToEncodingMap as Record<string, string | undefined>, model);
  if (name === 'cl100k_base' || /^gpt-(3\.5|4)(?!o|\.)/.test(model)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cl100k ??= require('gpt-tokenizer/encoding/cl100k_base') as Encoder;
    return cl100k;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  o200k ??= require('gpt-tokenizer/encoding/o200k_base') as Encoder;
  return o200k;
}

/** Models gpt-tokenizer's encodings describe exactly: OpenAI's (and their fine-tunes). */
const OPENAI_MODEL = /^(ft:)?(gpt-|o\d|chatgpt-|codex-|text-|davinci|babbage)/;

/** Text of a content value: strings as they are, anything else (parts, tool blocks) as its JSON. */
export function contentText(content: unknown): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        const p = part as { type?: unknown; text?: unknown };
        return p && p.type === 'text' && typeof p.text === 'string' ? p.text : JSON.stringify(part);
      })
      .join('\n');
  }
  return JSON.stringify(content);
}

function messageText(m: ChatMessage): string {
  let text = `${m.role}\n${contentText(m.content)}`;
  if (m.name !== undefined) text += `\n${m.name}`;
  if (m.tool_calls !== undefined) text += `\n${JSON.stringify(m.tool_calls)}`;
  if (m.function_call !== undefined) text += `\n${JSON.stringify(m.function_call)}`;
  if (m.tool_call_id !== undefined) text += `\n${m.tool_call_id}`;
  return text;
}

/**
 * The built-in counter: gpt-tokenizer (its encodings ship inside the package; nothing is downloaded) for
 * OpenAI models, following OpenAI's per-message accounting; for other models an estimate of ceil(chars / 4)
 * plus 4 tokens per message.
 */
export function createTokenCounter(options: TokenCounterOptions = {}): TokenCounter {
  const charsPerToken = options.charsPerToken ?? 4;
  if (!(charsPerToken > 0)) throw new Error(`charsPerToken must be > 0 (got ${charsPerToken})`);
  const fallback = options.defaultContextWindow ?? DEFAULT_CONTEXT_WINDOW;
  if (!Number.isSafeInteger(fallback) || fallback <= 0) {
    throw new Error(`defaultContextWindow must be a positive integer (got ${fallback})`);
  }
  const contextWindow = createWindowTable(options.contextWindows, fallback);
  const exact = (provider: ChatProvider, model: string): boolean =>
    provider === 'openai' && OPENAI_MODEL.test(model);
  const estimate = (text: string): number => Math.ceil(text.length / charsPerToken);
  const countText = (model: string, text: string): number =>
    OPENAI_MODEL.test(model)
      ? encoderFor(model.replace(/^ft:([^:]+).*$/, '$1')).countTokens(text)
      : estimate(text);

  return {
    countText,
    exact,
    contextWindow,
    countRequest(provider, body) {
      const model = typeof body.model === 'string' ? body.model : '';
      const real = exact(provider, model);
      const count = real ? (text: string) => countText(model, text) : estimate;
      const perMessage = real ? OPENAI_TOKENS_PER_MESSAGE : ESTIMATE_TOKENS_PER_MESSAGE;
      let total = real ? OPENAI_REPLY_PRIMING_TOKENS : 0;
      for (const m of body.messages) total += perMessage + count(messageText(m));
      if (body.system !== undefined) total += perMessage + count(contentText(body.system));
      // Tool definitions count against the window too (the provider renders them into the prompt).
      if (body.tools !== undefined) total += count(JSON.stringify(body.tools));
      if (body.functions !== undefined) total += count(JSON.stringify(body.functions));
      return total;
    },
  };
}
