/** One Server-Sent Events block as it crossed the wire. */
export interface SseEvent {
  /** The `event:` field, when the block names one. */
  event?: string;
  /** The `data:` lines joined with `\n`; `''` for a block that dispatches nothing (comment, keep-alive). */
  data: string;
  /** The `id:` field, when the block carries one. */
  id?: string;
  /** Exact bytes of the event block including its terminating blank line: concatenated, they rebuild the stream. */
  raw: string;
}

/** Which provider API a stream or body belongs to; decides terminal events and conversions. */
export interface SseRoute {
  /** 'openai' | 'anthropic' | 'gemini' | 'azure' | 'unknown' */
  provider: string;
  /** 'chat.completions' | 'completions' | 'responses' | 'messages' | 'streamGenerateContent' | ... */
  endpoint: string;
}

export type StreamOutcome = 'continue' | 'complete' | 'error';

/** Token counts normalised across providers; a field is absent when the provider did not report it. */
export interface TokenUsage {
  /** Every input token, prompt-cache reads and writes included (Anthropic reports those apart: added here). */
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  /**
   * Input tokens read from the provider's prompt cache: OpenAI `prompt_tokens_details.cached_tokens` /
   * `input_tokens_details.cached_tokens`, Anthropic `cache_read_input_tokens`, Gemini `cachedContentTokenCount`.
   */
  cachedInputTokens?: number;
  /** Input tokens written to the provider's prompt cache: Anthropic `cache_creation_input_tokens`. */
  cacheWriteTokens?: number;
}
