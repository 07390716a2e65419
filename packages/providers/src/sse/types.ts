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
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}
