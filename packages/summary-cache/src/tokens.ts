import { optionChecker, ownValue } from '@gatecache/core';
import type { OptionChecker } from '@gatecache/core';
import { modelToEncodingMap } from 'gpt-tokenizer/mapping';
import { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { DEFAULTS } from './defaults';
import { createWindowTable } from './model-table';
import type { ChatBody, ChatMessage, ChatProvider, TokenCounter, TokenCounterOptions } from './types';

interface Encoder {
  countTokens(text: string): number;
  setMergeCacheSize(size: number): void;
}

/**
 * Pieces whose merges gpt-tokenizer remembers (its default: 100,000). Repeated words hit it; random text only
 * churns it, and a full default cache (tens of MB of strings) makes garbage collection pauses long.
 */
const MERGE_CACHE_SIZE = 10_000;

/** OpenAI's documented chat overhead: every message is framed by 3 tokens, every reply primed with 3. */
export const OPENAI_TOKENS_PER_MESSAGE = 3;
export const OPENAI_REPLY_PRIMING_TOKENS = 3;
/** The estimate's per-message overhead (role and framing) for providers without a public tokenizer. */
export const ESTIMATE_TOKENS_PER_MESSAGE = 4;

/**
 * Longest piece (UTF-16 units) handed to the tokenizer: its byte-pair merge is quadratic in the length of one
 * pre-token, so longer pieces are counted in slices, which can only split a token that straddles a cut.
 */
export const MAX_PIECE_CHARS = 128;

/** Built-in counter defaults (`DEFAULTS.tokenCounter`). */
export const TOKEN_COUNTER_DEFAULTS = DEFAULTS.tokenCounter;

interface Encoding {
  encoder: Encoder;
  split: RegExp;
}

// Loaded on first use (or by preloadEncodings): the o200k ranks take ~0.6 s to load.
let o200k: Encoding | undefined;
let cl100k: Encoding | undefined;
function encodingFor(model: string): Encoding {
  const name = ownValue(modelToEncodingMap as Record<string, string | undefined>, model);
  if (name === 'cl100k_base' || /^gpt-(3\.5|4)(?!o|\.)/.test(model)) {
    if (!cl100k) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const encoder = require('gpt-tokenizer/encoding/cl100k_base') as Encoder;
      encoder.setMergeCacheSize(MERGE_CACHE_SIZE);
      cl100k = { encoder, split: CL100K_TOKEN_SPLIT_REGEX };
    }
    return cl100k;
  }
  if (!o200k) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const encoder = require('gpt-tokenizer/encoding/o200k_base') as Encoder;
    encoder.setMergeCacheSize(MERGE_CACHE_SIZE);
    o200k = { encoder, split: O200K_TOKEN_SPLIT_REGEX };
  }
  return o200k;
}

/**
 * Loads both encodings now: contextCondenser calls it when it is created, so no request ever holds the event
 * loop while a tokenizer loads (any client can name a model).
 */
export function preloadEncodings(): void {
  encodingFor('gpt-4o');
  encodingFor('gpt-4');
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
 * The pre-tokens of `text` (the encoding's own split, so their counts add up to the tokenizer's), one longer
 * than MAX_PIECE_CHARS in slices (never between the halves of a surrogate pair). Lazy, so a caller can yield.
 */
function* pieces(text: string, split: RegExp): Generator<string> {
  // A fresh regex per call: the shared one is global (lastIndex) and a caller may be interrupted mid-text.
  for (const [piece] of text.matchAll(new RegExp(split.source, split.flags))) {
    if (piece.length <= MAX_PIECE_CHARS) {
      yield piece;
      continue;
    }
    for (let start = 0; start < piece.length;) {
      let end = Math.min(piece.length, start + MAX_PIECE_CHARS);
      const last = piece.charCodeAt(end - 1);
      if (end < piece.length && last >= 0xd800 && last <= 0xdbff) end--;
      yield piece.slice(start, end);
      start = end;
    }
  }
}

/** Tokens of `text` for an OpenAI model, in time linear in its length (see MAX_PIECE_CHARS). */
function countPieces(encoding: Encoding, text: string): number {
  let tokens = 0;
  for (const piece of pieces(text, encoding.split)) tokens += encoding.encoder.countTokens(piece);
  return tokens;
}

/**
 * Checks and fills the counter's options. `check` names the factory in errors: the condenser passes its own,
 * so a bad `defaultContextWindow` given to it reads `contextCondenser: defaultContextWindow ...`.
 */
export function resolveTokenOptions(
  options: TokenCounterOptions,
  check: OptionChecker = optionChecker('createTokenCounter'),
): Required<TokenCounterOptions> {
  check.object('options', options);
  const d = DEFAULTS.tokenCounter;
  const contextWindows = check.object('contextWindows', options.contextWindows);
  for (const [name, window] of Object.entries(contextWindows))
    check.positiveInt(`contextWindows.${name}`, window);
  return {
    contextWindows,
    charsPerToken: check.positive('charsPerToken', options.charsPerToken, d.charsPerToken),
    defaultContextWindow: check.positiveInt(
      'defaultContextWindow',
      options.defaultContextWindow,
      d.defaultContextWindow,
    ),
    countBudgetMs: check.nonNegative('countBudgetMs', options.countBudgetMs, d.countBudgetMs),
    sliceMs: check.positive('sliceMs', options.sliceMs, d.sliceMs),
  };
}

/**
 * The built-in counter: gpt-tokenizer (its encodings ship inside the package; nothing is downloaded) for
 * OpenAI models, following OpenAI's per-message accounting; for other models an estimate of ceil(chars / 4)
 * plus 4 tokens per message.
 *
 * `countRequest` never holds the event loop much longer than `sliceMs` (it yields between slices of pieces),
 * counts exactly for `countBudgetMs` of CPU time per request and extrapolates the rest at the ratio measured so
 * far (clamped to at most one token per UTF-8 byte, a hard upper bound), and remembers the count of each message
 * and tool list it has seen (by object), so the condenser's later counts of the same request cost nothing.
 */
export function createTokenCounter(options: TokenCounterOptions = {}): TokenCounter {
  const o = resolveTokenOptions(options);
  const contextWindow = createWindowTable(o.contextWindows, o.defaultContextWindow);
  const exact = (provider: ChatProvider, model: string): boolean =>
    provider === 'openai' && OPENAI_MODEL.test(model);
  const estimate = (text: string): number => Math.ceil(text.length / o.charsPerToken);
  const encodingOf = (model: string): Encoding => encodingFor(model.replace(/^ft:([^:]+).*$/, '$1'));
  const countText = (model: string, text: string): number =>
    OPENAI_MODEL.test(model) ? countPieces(encodingOf(model), text) : estimate(text);
  // Counts by object (message, tools array), per model: a request's parts are counted once however often the
  // condenser re-counts them (whole, per message, condensed). Weak: they go with the request.
  const memo = new WeakMap<object, { model: string; tokens: number }>();

  async function countExact(model: string, body: ChatBody): Promise<number> {
    const encoding = encodingOf(model);
    let spentMs = 0;
    let exactChars = 0;
    let exactTokens = 0;
    let sliceStart = performance.now();
    let seen = 0;
    // Past the budget: the ratio seen so far, never more than one token per byte (a token is >= 1 byte).
    const extrapolate = (text: string): number => {
      const ratio = exactChars > 0 ? exactTokens / exactChars : 1 / o.charsPerToken;
      return Math.min(Math.ceil(text.length * ratio), Buffer.byteLength(text));
    };
    const countOne = async (text: string): Promise<number> => {
      if (spentMs >= o.countBudgetMs) return extrapolate(text);
      let tokens = 0;
      let at = 0;
      for (const piece of pieces(text, encoding.split)) {
        tokens += encoding.encoder.countTokens(piece);
        at += piece.length;
        // The clock every 4 pieces (of this text or the ones before): a piece costs well under a millisecond.
        if (++seen % 4 !== 0) continue;
        const now = performance.now();
        if (now - sliceStart < o.sliceMs) continue;
        spentMs += now - sliceStart;
        exactChars += at;
        exactTokens += tokens;
        if (spentMs >= o.countBudgetMs) return tokens + extrapolate(text.slice(at));
        exactChars -= at;
        exactTokens -= tokens;
        await yieldToLoop();
        sliceStart = performance.now();
      }
      exactChars += text.length;
      exactTokens += tokens;
      return tokens;
    };
    const countPart = async (part: object, text: () => string, framing: number): Promise<number> => {
      const seen = memo.get(part);
      if (seen && seen.model === model) return seen.tokens;
      const tokens = framing + (await countOne(text()));
      memo.set(part, { model, tokens });
      return tokens;
    };
    let total = OPENAI_REPLY_PRIMING_TOKENS;
    for (const m of body.messages) {
      total += await countPart(m, () => messageText(m), OPENAI_TOKENS_PER_MESSAGE);
    }
    if (body.system !== undefined) {
      total += OPENAI_TOKENS_PER_MESSAGE + (await countOne(contentText(body.system)));
    }
    // Tool definitions count against the window too (the provider renders them into the prompt).
    for (const tools of [body.tools, body.functions]) {
      if (tools === undefined) continue;
      total +=
        tools !== null && typeof tools === 'object'
          ? await countPart(tools, () => JSON.stringify(tools), 0)
          : await countOne(JSON.stringify(tools));
    }
    return total;
  }

  return {
    countText,
    exact,
    contextWindow,
    countRequest(provider, body) {
      const model = typeof body.model === 'string' ? body.model : '';
      if (exact(provider, model)) return countExact(model, body);
      // The estimate is linear and cheap (string lengths): no budget, no yielding.
      let total = 0;
      for (const m of body.messages) total += ESTIMATE_TOKENS_PER_MESSAGE + estimate(messageText(m));
      if (body.system !== undefined)
        total += ESTIMATE_TOKENS_PER_MESSAGE + estimate(contentText(body.system));
      if (body.tools !== undefined) total += estimate(JSON.stringify(body.tools));
      if (body.functions !== undefined) total += estimate(JSON.stringify(body.functions));
      return Promise.resolve(total);
    },
  };
}
