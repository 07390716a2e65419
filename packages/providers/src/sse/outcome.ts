import { eventJson, isObject, type JsonObject } from './data';
import type { SseEvent, SseRoute, StreamOutcome } from './types';

type Terminal = 'done-marker' | 'responses' | 'anthropic' | 'gemini';

/** Which terminal events a route's streams end with; unknown routes accept every provider-neutral marker. */
function terminalsOf(route: SseRoute): Terminal[] {
  switch (route.provider) {
    case 'openai':
    case 'azure':
      return route.endpoint === 'responses' ? ['responses'] : ['done-marker'];
    case 'anthropic':
      return ['anthropic'];
    case 'gemini':
      return ['gemini'];
    default:
      // Gemini's finish reason is left out: on an unknown route it would be guesswork about JSON shapes.
      return ['done-marker', 'responses', 'anthropic'];
  }
}

/** The event's JSON, parsed on first use: most events of a long stream are decided without it. */
type LazyJson = () => JsonObject | undefined;

function typeOf(event: SseEvent, json: LazyJson): string | undefined {
  if (event.event !== undefined) return event.event;
  const type = json()?.type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * Data that cannot hold an `error` member nor an error type: neither word appears in it, and no \u escape
 * could spell one. Checked before parsing, so a 200-event stream of text deltas is not parsed event by event.
 */
function cannotNameError(data: string): boolean {
  return !data.includes('error') && !data.includes('failed') && !data.includes('\\u');
}

function isError(event: SseEvent, json: LazyJson): boolean {
  if (event.event === 'error' || event.event === 'response.failed') return true;
  if (cannotNameError(event.data)) return false;
  const value = json();
  if (value === undefined) return false;
  if (value.error !== undefined && value.error !== null) return true;
  // vLLM and other OpenAI-compatible servers send `{"object":"error","message":...}` inside a 200 stream.
  return value.type === 'error' || value.type === 'response.failed' || value.object === 'error';
}

function geminiFinished(json: JsonObject): boolean {
  const candidates = json.candidates;
  if (Array.isArray(candidates) && candidates.length > 0) {
    // With several candidates, the stream is over only once every candidate in the chunk has finished.
    return candidates.every(
      (c) =>
        isObject(c) &&
        typeof c.finishReason === 'string' &&
        c.finishReason !== '' &&
        c.finishReason !== 'FINISH_REASON_UNSPECIFIED',
    );
  }
  // A blocked prompt is answered by one chunk with no candidates: that is the whole (final) answer.
  return isObject(json.promptFeedback) && typeof json.promptFeedback.blockReason === 'string';
}

function isTerminal(terminal: Terminal, event: SseEvent, json: LazyJson): boolean {
  switch (terminal) {
    case 'done-marker':
      return event.data.trim() === '[DONE]';
    case 'responses': {
      const type = typeOf(event, json);
      // `response.incomplete` is the provider's final event for an answer cut by max_output_tokens or a
      // content filter: a finished, reproducible answer, like a chat completion ending in
      // finish_reason "length" before its [DONE], so it counts as complete.
      return type === 'response.completed' || type === 'response.incomplete';
    }
    case 'anthropic':
      return typeOf(event, json) === 'message_stop';
    case 'gemini': {
      // Only a chunk that names a finishReason or blockReason can end the stream.
      if (!event.data.includes('Reason') && !event.data.includes('\\u')) return false;
      const value = json();
      return value !== undefined && geminiFinished(value);
    }
  }
}

/**
 * Classifies one event of a stream: 'error' for any error event or error payload (on every route: an
 * error inside a 200 stream voids the answer), 'complete' for the route's terminal event, else 'continue'.
 * A stream is complete only if it reached an event classified 'complete' and no 'error' before it.
 */
export function streamOutcome(route: SseRoute, event: SseEvent): StreamOutcome {
  if (event.data === '' && event.event === undefined) return 'continue';
  let parsed = false;
  let value: JsonObject | undefined;
  const json: LazyJson = () => {
    if (!parsed) {
      parsed = true;
      value = eventJson(event);
    }
    return value;
  };
  if (isError(event, json)) return 'error';
  return terminalsOf(route).some((t) => isTerminal(t, event, json)) ? 'complete' : 'continue';
}
