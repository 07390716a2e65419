import { ownValue } from '@gatecache/core';
import type { SseEvent } from './types';

export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The event's data as a JSON object, or undefined when it is not one (`[DONE]`, keep-alives, text).
 * Cheap on non-JSON data: only data starting with `{` is handed to JSON.parse.
 */
export function eventJson(event: SseEvent): JsonObject | undefined {
  const data = event.data.trimStart();
  if (data.charCodeAt(0) !== 123 /* { */) return undefined;
  try {
    const value: unknown = JSON.parse(data);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Renders one SSE block; data is JSON-encoded unless it is already a string. */
export function sseBlock(data: unknown, event?: string, lineEnd = '\n'): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  // JSON.stringify never emits raw line breaks, but a caller-supplied string might: one data line each.
  const lines = text.split(/\r\n|\r|\n/).map((line) => `data: ${line}${lineEnd}`);
  return `${event === undefined ? '' : `event: ${event}${lineEnd}`}${lines.join('')}${lineEnd}`;
}

/** Reads a numeric field, ignoring anything that is not a finite number. */
export function numberField(obj: JsonObject | undefined, name: string): number | undefined {
  const value = ownValue(obj, name);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
