import { ownValue, setOwn } from '@gatecache/core';
import { eventJson, isObject, sseBlock, type JsonObject } from './data';
import type { SseEvent } from './types';

const COPIED_FIELDS = ['id', 'created', 'model', 'service_tier', 'system_fingerprint'] as const;

function chunkChoice(
  index: unknown,
  delta: JsonObject,
  finishReason: unknown = null,
  logprobs: unknown = null,
) {
  return { index, delta, logprobs, finish_reason: finishReason };
}

/**
 * Renders a `chat.completion` as the stream OpenAI would have sent for it: per choice a role delta,
 * content / refusal deltas, each tool call as a start delta (index, id, name) plus an arguments delta,
 * a finish_reason chunk; then a usage chunk with empty `choices` when usage is known, then `[DONE]`.
 */
export function chatCompletionToSse(body: unknown): string {
  if (!isObject(body) || !Array.isArray(body.choices)) {
    throw new TypeError('jsonToSse: expected an OpenAI chat.completion object with a choices array');
  }
  const base: JsonObject = {
    id: body.id,
    object: 'chat.completion.chunk',
    created: body.created,
    model: body.model,
  };
  if (body.service_tier !== undefined) base.service_tier = body.service_tier;
  if (body.system_fingerprint !== undefined) base.system_fingerprint = body.system_fingerprint;
  const chunk = (choice: JsonObject): string => sseBlock({ ...base, choices: [choice] });

  let out = '';
  body.choices.forEach((raw: unknown, position) => {
    const choice = isObject(raw) ? raw : {};
    const index = choice.index ?? position;
    const msg = isObject(choice.message) ? choice.message : {};
    const logprobs = choice.logprobs ?? null;
    const content = typeof msg.content === 'string' ? msg.content : undefined;
    const annotations =
      Array.isArray(msg.annotations) && msg.annotations.length > 0 ? msg.annotations : undefined;
    const textDelta: JsonObject = {};
    if (content !== undefined && content !== '') textDelta.content = content;
    if (annotations !== undefined) textDelta.annotations = annotations;
    const hasText = Object.keys(textDelta).length > 0;

    // Like the provider: the opening delta carries content '' for a text answer and null for a tool call.
    const roleDelta = {
      role: msg.role ?? 'assistant',
      content: content === undefined ? null : '',
      refusal: null,
    };
    out += chunk(chunkChoice(index, roleDelta, null, hasText ? null : logprobs));
    if (hasText) out += chunk(chunkChoice(index, textDelta, null, logprobs));
    if (typeof msg.refusal === 'string' && msg.refusal !== '') {
      out += chunk(chunkChoice(index, { refusal: msg.refusal }));
    }
    if (isObject(msg.function_call)) {
      out += chunk(chunkChoice(index, { function_call: msg.function_call }));
    }
    const toolCalls = Array.isArray(msg.tool_calls) ? msg.tool_calls : [];
    toolCalls.forEach((rawCall: unknown, i) => {
      const call = isObject(rawCall) ? rawCall : {};
      const fn = isObject(call.function) ? call.function : undefined;
      const start: JsonObject = { ...call, index: i };
      if (fn !== undefined) start.function = { ...fn, arguments: '' };
      out += chunk(chunkChoice(index, { tool_calls: [start] }));
      if (typeof fn?.arguments === 'string' && fn.arguments !== '') {
        out += chunk(
          chunkChoice(index, { tool_calls: [{ index: i, function: { arguments: fn.arguments } }] }),
        );
      }
    });
    out += chunk(chunkChoice(index, {}, choice.finish_reason ?? null));
  });
  if (isObject(body.usage)) out += sseBlock({ ...base, choices: [], usage: body.usage });
  return `${out}data: [DONE]\n\n`;
}

interface ChoiceAcc {
  choice: JsonObject;
  message: JsonObject;
  toolCalls: Map<number, JsonObject>;
}

function appendText(target: JsonObject, field: string, piece: unknown): void {
  if (typeof piece !== 'string') return;
  const prior = ownValue(target, field);
  setOwn(target, field, (typeof prior === 'string' ? prior : '') + piece);
}

function mergeFunction(target: JsonObject, fn: JsonObject): void {
  const current = isObject(target.function) ? target.function : { name: '', arguments: '' };
  target.function = current;
  for (const [key, value] of Object.entries(fn)) {
    if (key === 'arguments') appendText(current, 'arguments', value);
    else if (value !== undefined && value !== null && value !== '') setOwn(current, key, value);
  }
}

function mergeToolCall(acc: ChoiceAcc, delta: JsonObject): void {
  const index = typeof delta.index === 'number' ? delta.index : acc.toolCalls.size;
  let call = acc.toolCalls.get(index);
  if (call === undefined) {
    call = {};
    acc.toolCalls.set(index, call);
  }
  for (const [key, value] of Object.entries(delta)) {
    if (key === 'index') continue;
    if (key === 'function' && isObject(value)) mergeFunction(call, value);
    else if (value !== undefined && value !== null && value !== '') setOwn(call, key, value);
  }
}

function mergeLogprobs(acc: ChoiceAcc, logprobs: unknown): void {
  if (!isObject(logprobs)) return;
  const prior = acc.choice.logprobs;
  if (!isObject(prior)) {
    acc.choice.logprobs = { ...logprobs };
    return;
  }
  for (const field of ['content', 'refusal'] as const) {
    const more = logprobs[field];
    if (!Array.isArray(more)) continue;
    const have = prior[field];
    prior[field] = Array.isArray(have)
      ? [...(have as unknown[]), ...(more as unknown[])]
      : [...(more as unknown[])];
  }
}

function mergeChoice(acc: ChoiceAcc, raw: JsonObject): void {
  const delta = isObject(raw.delta) ? raw.delta : {};
  if (typeof delta.role === 'string') acc.message.role = delta.role;
  appendText(acc.message, 'content', delta.content);
  appendText(acc.message, 'refusal', delta.refusal);
  if (Array.isArray(delta.annotations)) {
    acc.message.annotations = [
      ...(acc.message.annotations as unknown[]),
      ...(delta.annotations as unknown[]),
    ];
  }
  if (isObject(delta.function_call)) mergeFunction(acc.message, { ...delta.function_call });
  if (Array.isArray(delta.tool_calls)) {
    for (const call of delta.tool_calls) if (isObject(call)) mergeToolCall(acc, call);
  }
  mergeLogprobs(acc, raw.logprobs);
  if (raw.finish_reason !== undefined && raw.finish_reason !== null)
    acc.choice.finish_reason = raw.finish_reason;
}

/** Assembles the `chat.completion` a non-streamed request would have returned from its stream's events. */
export function chatCompletionFromSse(events: SseEvent[]): JsonObject {
  const result: JsonObject = {
    id: undefined,
    object: 'chat.completion',
    created: undefined,
    model: undefined,
  };
  const choices = new Map<number, ChoiceAcc>();
  for (const event of events) {
    const chunk = eventJson(event);
    if (chunk === undefined) continue;
    for (const field of COPIED_FIELDS) {
      const value = chunk[field];
      // Azure opens with a chunk whose id and model are empty: take the first real value.
      if ((result[field] === undefined || result[field] === '') && value !== undefined && value !== null) {
        result[field] = value;
      }
    }
    if (isObject(chunk.usage)) result.usage = chunk.usage;
    if (Array.isArray(chunk.prompt_filter_results))
      result.prompt_filter_results = chunk.prompt_filter_results;
    if (!Array.isArray(chunk.choices)) continue;
    for (const raw of chunk.choices) {
      if (!isObject(raw)) continue;
      const index = typeof raw.index === 'number' ? raw.index : 0;
      let acc = choices.get(index);
      if (acc === undefined) {
        // Fields a non-streamed answer always carries, even when the stream never mentions them.
        const message: JsonObject = { role: 'assistant', content: null, refusal: null, annotations: [] };
        acc = {
          choice: { index, message, logprobs: null, finish_reason: null },
          message,
          toolCalls: new Map(),
        };
        choices.set(index, acc);
      }
      mergeChoice(acc, raw);
    }
  }
  result.choices = [...choices.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, acc]) => {
      if (acc.toolCalls.size > 0) {
        acc.message.tool_calls = [...acc.toolCalls.entries()]
          .sort(([a], [b]) => a - b)
          .map(([, call]) => call);
      }
      return acc.choice;
    });
  return result;
}
