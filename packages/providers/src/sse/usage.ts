import { setOwn } from '@gatecache/core';
import { eventJson, isObject, numberField, type JsonObject } from './data';
import type { SseEvent, SseRoute, TokenUsage } from './types';

/** Where each provider puts its usage: top level (chat, messages), `message` (Anthropic message_start), `response` (Responses events). */
function usageObjects(json: JsonObject): JsonObject[] {
  const found: JsonObject[] = [];
  if (isObject(json.usage)) found.push(json.usage);
  if (isObject(json.message) && isObject(json.message.usage)) found.push(json.message.usage);
  if (isObject(json.response) && isObject(json.response.usage)) found.push(json.response.usage);
  if (isObject(json.usageMetadata)) found.push(json.usageMetadata);
  return found;
}

/** Prompt-cache reads and writes; Anthropic counts them apart from `input_tokens`, the others within. */
function cacheParts(raw: JsonObject, usage: TokenUsage): void {
  const reads = numberField(raw, 'cache_read_input_tokens');
  const writes = numberField(raw, 'cache_creation_input_tokens');
  if (reads !== undefined || writes !== undefined) {
    usage.cachedInputTokens = reads;
    usage.cacheWriteTokens = writes;
    if (usage.inputTokens !== undefined) usage.inputTokens += (reads ?? 0) + (writes ?? 0);
    return;
  }
  const details = raw.prompt_tokens_details ?? raw.input_tokens_details;
  usage.cachedInputTokens =
    numberField(isObject(details) ? details : undefined, 'cached_tokens') ??
    numberField(raw, 'cachedContentTokenCount');
}

function normalise(raw: JsonObject): TokenUsage | undefined {
  const usage: TokenUsage = {};
  // OpenAI chat/completions spell it prompt/completion; Responses and Anthropic input/output; Gemini counts.
  usage.inputTokens = numberField(raw, 'prompt_tokens') ?? numberField(raw, 'input_tokens');
  usage.outputTokens = numberField(raw, 'completion_tokens') ?? numberField(raw, 'output_tokens');
  usage.totalTokens = numberField(raw, 'total_tokens');
  const prompt = numberField(raw, 'promptTokenCount');
  const candidates = numberField(raw, 'candidatesTokenCount');
  const thoughts = numberField(raw, 'thoughtsTokenCount');
  if (prompt !== undefined) usage.inputTokens = prompt;
  // Gemini bills thinking tokens as output, so they count as output here.
  if (candidates !== undefined || thoughts !== undefined)
    usage.outputTokens = (candidates ?? 0) + (thoughts ?? 0);
  usage.totalTokens = numberField(raw, 'totalTokenCount') ?? usage.totalTokens;
  cacheParts(raw, usage);
  if (
    usage.totalTokens === undefined &&
    usage.inputTokens !== undefined &&
    usage.outputTokens !== undefined
  ) {
    usage.totalTokens = usage.inputTokens + usage.outputTokens; // Anthropic reports no total
  }
  for (const key of Object.keys(usage) as (keyof TokenUsage)[])
    if (usage[key] === undefined) delete usage[key];
  return Object.keys(usage).length > 0 ? usage : undefined;
}

function parseBody(body: unknown): unknown {
  const text =
    typeof body === 'string'
      ? body
      : body instanceof Uint8Array
        ? Buffer.from(body).toString('utf8')
        : undefined;
  if (text === undefined) return body;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Token usage of a stored answer: a JSON body (object, JSON text or bytes) or a stream's events.
 * In a stream later reports overwrite earlier ones field by field, which gives Anthropic's input tokens
 * from message_start with output tokens from message_delta, OpenAI's final usage chunk and Gemini's last
 * (cumulative) usageMetadata. inputTokens counts every input token: Anthropic's `input_tokens` leaves out
 * prompt-cache reads and writes, so they are added; cachedInputTokens and cacheWriteTokens say how many of
 * them the provider's prompt cache served or stored. Undefined when the answer carries no usage.
 */
export function usageOf(_route: SseRoute, body: unknown): TokenUsage | undefined {
  const merged: JsonObject = {};
  const sources: JsonObject[] = [];
  if (Array.isArray(body)) {
    for (const item of body as unknown[]) {
      // Only events that name a usage member are parsed (each provider spells its keys in plain ASCII).
      if (isObject(item) && typeof item.data === 'string' && item.data.includes('"usage')) {
        const json = eventJson(item as unknown as SseEvent);
        if (json !== undefined) sources.push(json);
      }
    }
  } else {
    const json = parseBody(body);
    if (isObject(json)) sources.push(json);
  }
  for (const source of sources) {
    for (const usage of usageObjects(source)) {
      for (const [field, value] of Object.entries(usage)) if (value != null) setOwn(merged, field, value);
    }
  }
  return normalise(merged);
}
