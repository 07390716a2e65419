import { createHash } from 'node:crypto';
import type { SummarizeFn, SummarizeOptions } from './types';

/** The default instructions given to the summarizing model. Part of the summaries' cache key (via `id`). */
export const DEFAULT_SUMMARY_PROMPT = [
  'You condense part of a conversation between a user and an AI assistant so the assistant can continue it',
  'without the original messages. Write a concise, factual summary in the third person that keeps: the',
  "user's goals, questions and constraints; decisions and conclusions reached; facts, names, numbers, code",
  'identifiers and file paths that later turns may need; tool calls made and what they returned; anything',
  'left open. Leave out pleasantries and repetition. Do not add information that is not in the transcript.',
  'Answer with the summary only.',
].join(' ');

export interface GatewaySummarizerOptions {
  /**
   * The upstream base URL the gateway itself proxies to: OpenAI style includes `/v1`
   * (`https://api.openai.com/v1`), Anthropic style does not (`https://api.anthropic.com`). Required.
   */
  baseUrl: string;
  /** The gateway's own credential (sent as `Authorization: Bearer` / `x-api-key`). Required. */
  apiKey: string;
  /** Wire format of the upstream. Default 'openai'. */
  provider?: 'openai' | 'anthropic';
  /** The summarizing model. Default: the model the caller passes (the conversation's). */
  model?: string;
  /** Instructions for the summarizing model. Default DEFAULT_SUMMARY_PROMPT. */
  prompt?: string;
  /** `anthropic-version` header. Default '2023-06-01'. */
  anthropicVersion?: string;
  /** Give up after this many ms. Default 60000. */
  timeoutMs?: number;
  /** Extra request headers (e.g. a header that makes the gateway's own cache skip the call). Default {}. */
  headers?: Record<string, string>;
  /** Default globalThis.fetch. */
  fetch?: typeof fetch;
}

function fail(path: string, message: string): never {
  throw new Error(`gatewaySummarizer: ${path} ${message}`);
}

/** Text of an OpenAI chat completion or an Anthropic message. */
function answerText(provider: 'openai' | 'anthropic', json: unknown): string | undefined {
  if (provider === 'openai') {
    const content = (json as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message
      ?.content;
    return typeof content === 'string' ? content : undefined;
  }
  const blocks = (json as { content?: Array<{ type?: string; text?: unknown }> }).content;
  if (!Array.isArray(blocks)) return undefined;
  const text = blocks
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('');
  return text === '' ? undefined : text;
}

/**
 * The default summarizer: asks a model through the gateway's own upstream, with the gateway's credential,
 * with `temperature: 0` for summaries that are as reproducible as the provider allows.
 */
export function gatewaySummarizer(options: GatewaySummarizerOptions): SummarizeFn {
  if (!options || typeof options !== 'object') fail('options', 'must be an object');
  const { baseUrl, apiKey } = options;
  if (typeof baseUrl !== 'string' || !/^https?:\/\//.test(baseUrl)) fail('baseUrl', 'must be an http(s) URL');
  if (typeof apiKey !== 'string' || apiKey === '') fail('apiKey', 'must be a non-empty string');
  const provider = options.provider ?? 'openai';
  if (provider !== 'openai' && provider !== 'anthropic') fail('provider', "must be 'openai' or 'anthropic'");
  const prompt = options.prompt ?? DEFAULT_SUMMARY_PROMPT;
  if (typeof prompt !== 'string' || prompt === '') fail('prompt', 'must be a non-empty string');
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) fail('timeoutMs', 'must be > 0');
  const doFetch = options.fetch ?? globalThis.fetch;
  const root = baseUrl.replace(/\/+$/, '');
  const url = provider === 'openai' ? `${root}/chat/completions` : `${root}/v1/messages`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(provider === 'openai'
      ? { authorization: `Bearer ${apiKey}` }
      : { 'x-api-key': apiKey, 'anthropic-version': options.anthropicVersion ?? '2023-06-01' }),
    ...(options.headers ?? {}),
  };

  const summarize = async (input: string, o: SummarizeOptions): Promise<string> => {
    const model = options.model ?? o.model;
    const user = `Conversation part to summarize:\n\n${input}`;
    const body =
      provider === 'openai'
        ? {
            model,
            temperature: 0,
            max_completion_tokens: o.maxTokens,
            messages: [
              { role: 'system', content: prompt },
              { role: 'user', content: user },
            ],
          }
        : {
            model,
            temperature: 0,
            max_tokens: o.maxTokens,
            system: prompt,
            messages: [{ role: 'user', content: user }],
          };
    const answer = await doFetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await answer.text();
    if (!answer.ok) throw new Error(`summarizer upstream answered ${answer.status}: ${text.slice(0, 200)}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error('summarizer upstream answered with no JSON');
    }
    const summary = answerText(provider, json);
    if (summary === undefined) throw new Error('summarizer upstream answered with no text');
    return summary;
  };
  // The prompt and fixed model shape every summary: part of the cache key, so changing them never reuses old ones.
  const id = createHash('sha256')
    .update(`${provider}\n${options.model ?? ''}\n${prompt}`)
    .digest('hex')
    .slice(0, 16);
  return Object.assign(summarize, { id });
}
