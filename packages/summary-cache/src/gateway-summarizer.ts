import { createHash } from 'node:crypto';
import type { SummarizeFn, SummarizeOptions } from './types';

import { optionChecker } from '@gatecache/core';
import type { OptionChecker } from '@gatecache/core';
import { DEFAULTS } from './defaults';

export { DEFAULT_SUMMARY_PROMPT } from './defaults';

export interface GatewaySummarizerOptions {
  /**
   * The upstream base URL the gateway itself proxies to: OpenAI style includes `/v1`
   * (`https://api.openai.com/v1`), Anthropic style does not (`https://api.anthropic.com`). Required.
   */
  baseUrl: string;
  /** The gateway's own credential (sent as `Authorization: Bearer` / `x-api-key`). Required. */
  apiKey: string;
  /** Wire format of the upstream. Defaults of every option: `DEFAULTS.gatewaySummarizer`. */
  provider?: 'openai' | 'anthropic';
  /** The summarizing model. Default: the model the caller passes (the conversation's). */
  model?: string;
  /** Instructions for the summarizing model. */
  prompt?: string;
  /** `anthropic-version` header. */
  anthropicVersion?: string;
  /** Give up after this many ms. */
  timeoutMs?: number;
  /** Extra request headers (e.g. a header that makes the gateway's own cache skip the call). Default {}. */
  headers?: Record<string, string>;
  /** Default globalThis.fetch. */
  fetch?: typeof fetch;
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
  const check: OptionChecker = optionChecker('gatewaySummarizer');
  check.object('options', options);
  const d = DEFAULTS.gatewaySummarizer;
  const { baseUrl, apiKey } = options;
  if (typeof baseUrl !== 'string' || !/^https?:\/\//.test(baseUrl))
    check.fail('baseUrl', 'must be an http(s) URL');
  check.string('apiKey', apiKey ?? '');
  const provider = check.oneOf('provider', options.provider, ['openai', 'anthropic'] as const, d.provider);
  const prompt = check.string('prompt', options.prompt, d.prompt);
  const anthropicVersion = check.string('anthropicVersion', options.anthropicVersion, d.anthropicVersion);
  check.string('model', options.model);
  const timeoutMs = check.positive('timeoutMs', options.timeoutMs, d.timeoutMs);
  check.object('headers', options.headers);
  check.fn('fetch', options.fetch);
  const doFetch = options.fetch ?? globalThis.fetch;
  const root = baseUrl.replace(/\/+$/, '');
  const url = provider === 'openai' ? `${root}/chat/completions` : `${root}/v1/messages`;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(provider === 'openai'
      ? { authorization: `Bearer ${apiKey}` }
      : { 'x-api-key': apiKey, 'anthropic-version': anthropicVersion }),
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
