import { messageFromSse, messageToSse } from './anthropic-messages';
import { generateContentFromSse, generateContentToSse } from './gemini';
import { chatCompletionFromSse, chatCompletionToSse } from './openai-chat';
import { responseFromSse, responseToSse } from './openai-responses';
import type { SseEvent, SseRoute } from './types';

interface Converter {
  toSse(body: unknown): string;
  fromSse(events: SseEvent[]): unknown;
}

const openaiChat: Converter = { toSse: chatCompletionToSse, fromSse: chatCompletionFromSse };
const anthropicMessages: Converter = { toSse: messageToSse, fromSse: messageFromSse };
const openaiResponses: Converter = { toSse: responseToSse, fromSse: responseFromSse };
const geminiContent: Converter = { toSse: generateContentToSse, fromSse: generateContentFromSse };

// A stored Gemini stream may name its endpoint either way: the answer's shape is the same.
const GEMINI_CONTENT = new Set(['generateContent', 'streamGenerateContent']);

function converterOf(route: SseRoute): Converter | undefined {
  if (route.provider === 'openai' || route.provider === 'azure') {
    if (route.endpoint === 'chat.completions') return openaiChat;
    if (route.endpoint === 'responses') return openaiResponses;
  }
  if (route.provider === 'anthropic' && route.endpoint === 'messages') return anthropicMessages;
  if (route.provider === 'gemini' && GEMINI_CONTENT.has(route.endpoint)) return geminiContent;
  return undefined;
}

function requireConverter(route: SseRoute, fn: string): Converter {
  const converter = converterOf(route);
  if (converter === undefined) {
    throw new TypeError(
      `${fn}: no stream conversion for ${route.provider} ${route.endpoint} (check canConvert first)`,
    );
  }
  return converter;
}

/**
 * True when a stored JSON answer can be replayed as a stream and the reverse (OpenAI/Azure chat and Responses,
 * Anthropic messages, Gemini generateContent).
 */
export function canConvert(route: SseRoute): boolean {
  return converterOf(route) !== undefined;
}

/** Accepts the stored body as an object or as its JSON text / bytes. */
function asJson(body: unknown): unknown {
  if (typeof body === 'string') return JSON.parse(body);
  if (body instanceof Uint8Array) return JSON.parse(Buffer.from(body).toString('utf8'));
  return body;
}

/** Renders a non-streamed answer as the SSE stream the provider would have sent for it. */
export function jsonToSse(route: SseRoute, body: unknown): string {
  return requireConverter(route, 'jsonToSse').toSse(asJson(body));
}

/** Assembles the non-streamed answer from a stream's events (complete streams only). */
export function sseToJson(route: SseRoute, events: SseEvent[]): unknown {
  return requireConverter(route, 'sseToJson').fromSse(events);
}
