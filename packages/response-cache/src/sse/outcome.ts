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

function typeOf(event: SseEvent, json: JsonObject | undefined): string | undefined {
  if (event.event !== undefined) return event.event;
  return typeof json?.type === 'string' ? json.type : undefined;
}

function isError(event: SseEvent, json: JsonObject | undefined): boolean {
  if (event.event === 'error' || event.event === 'response.failed') return true;
  if (json === undefined) return false;
  if (json.error !== undefined && json.error !== null) return true;
  return json.type === 'error' || json.type === 'response.failed';
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

function isTerminal(terminal: Terminal, event: SseEvent, json: JsonObject | undefined): boolean {
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
    case 'gemini':
      return json !== undefined && geminiFinished(json);
  }
}

/**
 * Classifies one event of a stream: 'error' for any error event or error payload (on every route: an
 * error inside a 200 stream voids the answer), 'complete' for the route's terminal event, else 'continue'.
 * A stream is complete only if it reached an event classified 'complete' and no 'error' before it.
 */
export function streamOutcome(route: SseRoute, event: SseEvent): StreamOutcome {
  if (event.data === '' && event.event === undefined) return 'continue';
  const json = eventJson(event);
  if (isError(event, json)) return 'error';
  return terminalsOf(route).some((t) => isTerminal(t, event, json)) ? 'complete' : 'continue';
}
