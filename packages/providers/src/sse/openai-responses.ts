import { ownValue, setOwn } from '@gatecache/core';
import { eventJson, isObject, sseBlock, type JsonObject } from './data';
import type { SseEvent } from './types';

/** Writes events with `sequence_number` counted from 0, as every stream of the Responses API starts. */
class EventWriter {
  out = '';
  private seq = 0;
  emit(type: string, payload: JsonObject): void {
    this.out += sseBlock({ type, sequence_number: this.seq++, ...payload }, type);
  }
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

function messageEvents(w: EventWriter, item: JsonObject, at: JsonObject): void {
  const content = Array.isArray(item.content) ? (item.content as unknown[]) : [];
  w.emit('response.output_item.added', { ...at, item: { ...item, status: 'in_progress', content: [] } });
  const ids = { item_id: item.id, output_index: at.output_index };
  content.forEach((raw, content_index) => {
    const part = isObject(raw) ? raw : {};
    const where = { ...ids, content_index };
    if (part.type === 'output_text') {
      const text = str(part.text);
      const logprobs = Array.isArray(part.logprobs) ? part.logprobs : [];
      const annotations = Array.isArray(part.annotations) ? (part.annotations as unknown[]) : [];
      w.emit('response.content_part.added', { ...where, part: { ...part, annotations: [], text: '' } });
      if (text !== '') w.emit('response.output_text.delta', { ...where, delta: text, logprobs });
      annotations.forEach((annotation, annotation_index) =>
        w.emit('response.output_text.annotation.added', { ...where, annotation_index, annotation }),
      );
      w.emit('response.output_text.done', { ...where, text, logprobs });
    } else if (part.type === 'refusal') {
      const refusal = str(part.refusal);
      w.emit('response.content_part.added', { ...where, part: { ...part, refusal: '' } });
      if (refusal !== '') w.emit('response.refusal.delta', { ...where, delta: refusal });
      w.emit('response.refusal.done', { ...where, refusal });
    } else {
      w.emit('response.content_part.added', { ...where, part });
    }
    w.emit('response.content_part.done', { ...where, part });
  });
}

function reasoningEvents(w: EventWriter, item: JsonObject, at: JsonObject): void {
  const summary = Array.isArray(item.summary) ? (item.summary as unknown[]) : [];
  const content = Array.isArray(item.content) ? (item.content as unknown[]) : undefined;
  const added: JsonObject = { ...item, summary: [] };
  if (content !== undefined) added.content = [];
  w.emit('response.output_item.added', { ...at, item: added });
  const ids = { item_id: item.id, output_index: at.output_index };
  summary.forEach((raw, summary_index) => textPartEvents(w, { ...ids, summary_index }, raw, SUMMARY_EVENTS));
  // Open-weight reasoning models stream their raw reasoning as reasoning_text content parts.
  (content ?? []).forEach((raw, content_index) =>
    textPartEvents(w, { ...ids, content_index }, raw, REASONING_TEXT_EVENTS),
  );
}

/** The four events of a reasoning text part: part opened, text delta, text done, part done. */
type PartEvents = readonly [added: string, delta: string, done: string, partDone: string];
const SUMMARY_EVENTS: PartEvents = [
  'response.reasoning_summary_part.added',
  'response.reasoning_summary_text.delta',
  'response.reasoning_summary_text.done',
  'response.reasoning_summary_part.done',
];
const REASONING_TEXT_EVENTS: PartEvents = [
  'response.content_part.added',
  'response.reasoning_text.delta',
  'response.reasoning_text.done',
  'response.content_part.done',
];

function textPartEvents(w: EventWriter, where: JsonObject, raw: unknown, names: PartEvents): void {
  const part = isObject(raw) ? raw : {};
  const text = str(part.text);
  const [added, delta, done, partDone] = names;
  w.emit(added, { ...where, part: { ...part, text: '' } });
  if (text !== '') w.emit(delta, { ...where, delta: text });
  w.emit(done, { ...where, text });
  w.emit(partDone, { ...where, part });
}

/** Items whose one text field arrives as deltas: the field, and the delta/done event prefix. */
const STREAMED_FIELD = new Map<string, [field: string, prefix: string]>([
  ['function_call', ['arguments', 'response.function_call_arguments']],
  ['custom_tool_call', ['input', 'response.custom_tool_call_input']],
  ['mcp_call', ['arguments', 'response.mcp_call_arguments']],
]);

function itemEvents(w: EventWriter, item: JsonObject, output_index: number): void {
  const at = { output_index };
  const type = typeof item.type === 'string' ? item.type : '';
  if (type === 'message') messageEvents(w, item, at);
  else if (type === 'reasoning') reasoningEvents(w, item, at);
  else {
    const opening: JsonObject = { ...item };
    if (typeof item.status === 'string') opening.status = 'in_progress';
    const streamed = STREAMED_FIELD.get(type);
    if (streamed !== undefined) setOwn(opening, streamed[0], '');
    w.emit('response.output_item.added', { ...at, item: opening });
    if (streamed !== undefined) {
      const [field, prefix] = streamed;
      const value = str(ownValue(item, field));
      const ids = { item_id: item.id, output_index };
      if (value !== '') w.emit(`${prefix}.delta`, { ...ids, delta: value });
      const done: JsonObject = { ...ids };
      // The function-call done event names the function too.
      if (type === 'function_call') done.name = item.name;
      setOwn(done, field, value);
      w.emit(`${prefix}.done`, done);
    }
  }
  w.emit('response.output_item.done', { ...at, item });
}

/**
 * Renders a Responses API `response` object as the stream the provider would have sent for it:
 * response.created and response.in_progress (the response with no output yet), per output item
 * output_item.added, its parts and deltas (output text with annotations, refusals, reasoning summaries and
 * reasoning text, function / custom tool / MCP call arguments), output_item.done; then response.completed
 * (or response.incomplete for an answer cut short). `sequence_number` counts from 0.
 */
export function responseToSse(body: unknown): string {
  if (!isObject(body) || !Array.isArray(body.output)) {
    throw new TypeError('jsonToSse: expected an OpenAI Responses response object with an output array');
  }
  const status = body.status ?? 'completed';
  if (status !== 'completed' && status !== 'incomplete') {
    throw new TypeError(`jsonToSse: a Responses answer with status ${JSON.stringify(status)} has no stream`);
  }
  const pending: JsonObject = { ...body, status: 'in_progress', output: [], usage: null };
  // Known only once the answer is over: null in the opening events, as the provider sends them.
  for (const field of ['incomplete_details', 'completed_at', 'error'] as const) {
    if (Object.hasOwn(body, field)) pending[field] = null;
  }
  const w = new EventWriter();
  w.emit('response.created', { response: pending });
  w.emit('response.in_progress', { response: pending });
  (body.output as unknown[]).forEach((raw, index) => itemEvents(w, isObject(raw) ? raw : {}, index));
  w.emit(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: body });
  return w.out;
}

// The only events responseFromSse reads; others are skipped unparsed when their `event:` line names them.
const READ_EVENTS = new Set([
  'response.completed',
  'response.incomplete',
  'response.failed',
  'response.output_item.done',
  'error',
]);

/**
 * The `response` object a non-streamed request would have returned: the one carried by the stream's
 * response.completed (or response.incomplete) event. Its output is taken from the output_item.done events
 * when the final event carries none (some compatible servers send it empty). Throws a TypeError for a
 * stream that failed (`error`, `response.failed`) or has no final event.
 */
export function responseFromSse(events: SseEvent[]): JsonObject {
  const items = new Map<number, unknown>();
  let final: JsonObject | undefined;
  for (const event of events) {
    if (event.event !== undefined && !READ_EVENTS.has(event.event)) continue;
    const json = eventJson(event);
    if (json === undefined) continue;
    const type = json.type ?? event.event;
    if (type === 'error' || type === 'response.failed') {
      throw new TypeError(`sseToJson: the Responses stream failed (${String(type)})`);
    }
    if ((type === 'response.completed' || type === 'response.incomplete') && isObject(json.response)) {
      final = json.response;
      break;
    }
    if (type === 'response.output_item.done' && typeof json.output_index === 'number') {
      items.set(json.output_index, json.item);
    }
  }
  if (final === undefined) {
    throw new TypeError('sseToJson: the Responses stream has no response.completed or response.incomplete');
  }
  if (!Array.isArray(final.output) || (final.output.length === 0 && items.size > 0)) {
    final.output = [...items.entries()].sort(([a], [b]) => a - b).map(([, item]) => item);
  }
  return final;
}
