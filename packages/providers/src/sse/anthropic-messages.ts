import { setOwn } from '@gatecache/core';
import { eventJson, isObject, sseBlock, type JsonObject } from './data';
import type { SseEvent } from './types';

// Usage counters that message_delta repeats as whole-message totals (the SDK overwrites them when present).
const DELTA_USAGE_FIELDS = [
  'input_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
  'server_tool_use',
] as const;
// Message fields that only message_delta carries in a stream.
const DELTA_FIELDS = ['stop_reason', 'stop_sequence', 'stop_details', 'container'] as const;

function event(type: string, payload: JsonObject): string {
  return sseBlock({ type, ...payload }, type);
}

function blockEvents(block: JsonObject, index: number): string {
  const delta = (d: JsonObject): string => event('content_block_delta', { index, delta: d });
  let out: string;
  switch (block.type) {
    case 'text': {
      const { text, citations, ...rest } = block;
      // Citations arrive one citations_delta each; the block opens with an empty list when it has any.
      const start = Array.isArray(citations) ? { ...rest, text: '', citations: [] } : { ...rest, text: '' };
      out = event('content_block_start', { index, content_block: start });
      if (typeof text === 'string' && text !== '') out += delta({ type: 'text_delta', text });
      if (Array.isArray(citations)) {
        for (const citation of citations as unknown[]) out += delta({ type: 'citations_delta', citation });
      }
      break;
    }
    case 'thinking': {
      const { thinking, signature, ...rest } = block;
      out = event('content_block_start', { index, content_block: { ...rest, thinking: '', signature: '' } });
      if (typeof thinking === 'string' && thinking !== '') out += delta({ type: 'thinking_delta', thinking });
      if (typeof signature === 'string' && signature !== '')
        out += delta({ type: 'signature_delta', signature });
      break;
    }
    case 'tool_use':
    case 'server_tool_use':
    case 'mcp_tool_use': {
      const { input, ...rest } = block;
      out = event('content_block_start', { index, content_block: { ...rest, input: {} } });
      out += delta({ type: 'input_json_delta', partial_json: JSON.stringify(input ?? {}) });
      break;
    }
    default:
      // redacted_thinking, tool results and future block types arrive whole in content_block_start.
      out = event('content_block_start', { index, content_block: block });
  }
  return out + event('content_block_stop', { index });
}

/**
 * Renders an Anthropic `message` as the stream the Messages API would have sent: message_start (the
 * message with empty content), per block content_block_start / deltas (text_delta, citations_delta,
 * thinking_delta + signature_delta, input_json_delta) / content_block_stop, message_delta with the stop
 * reason and usage, message_stop.
 */
export function messageToSse(body: unknown): string {
  if (!isObject(body) || !Array.isArray(body.content)) {
    throw new TypeError('jsonToSse: expected an Anthropic message object with a content array');
  }
  const { content, ...rest } = body;
  const usage = isObject(body.usage) ? body.usage : {};
  const start: JsonObject = { ...rest, content: [], stop_reason: null, stop_sequence: null };
  const delta: JsonObject = {
    stop_reason: body.stop_reason ?? null,
    stop_sequence: body.stop_sequence ?? null,
  };
  for (const field of ['stop_details', 'container'] as const) {
    // Known only at the end of a live stream, so they travel in message_delta; a null stays where it was.
    if (body[field] != null) {
      delta[field] = body[field];
      delete start[field];
    }
  }
  let out = event('message_start', { message: start });
  (content as unknown[]).forEach((block, index) => {
    out += blockEvents(isObject(block) ? block : { type: 'text', text: '' }, index);
  });
  const deltaUsage: JsonObject = { output_tokens: usage.output_tokens ?? 0 };
  for (const field of DELTA_USAGE_FIELDS) if (usage[field] != null) deltaUsage[field] = usage[field];
  out += event('message_delta', { delta, usage: deltaUsage });
  return out + event('message_stop', {});
}

function applyDelta(blocks: JsonObject[], json: Map<number, string>, index: number, delta: JsonObject): void {
  const block = blocks[index];
  if (block === undefined) return;
  switch (delta.type) {
    case 'text_delta':
      block.text = `${typeof block.text === 'string' ? block.text : ''}${String(delta.text ?? '')}`;
      break;
    case 'thinking_delta':
      block.thinking = `${typeof block.thinking === 'string' ? block.thinking : ''}${String(delta.thinking ?? '')}`;
      break;
    case 'signature_delta':
      // The signature arrives whole; the SDK replaces rather than appends, and so do we.
      block.signature = delta.signature;
      break;
    case 'citations_delta':
      block.citations = [
        ...(Array.isArray(block.citations) ? (block.citations as unknown[]) : []),
        delta.citation,
      ];
      break;
    case 'input_json_delta':
      json.set(index, (json.get(index) ?? '') + String(delta.partial_json ?? ''));
      break;
  }
}

function parseToolInput(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new TypeError('sseToJson: a tool_use block streamed input that is not valid JSON');
  }
}

/** Assembles the `message` a non-streamed request would have returned from its stream's events. */
export function messageFromSse(events: SseEvent[]): JsonObject {
  let message: JsonObject | undefined;
  const blocks: JsonObject[] = [];
  const partialJson = new Map<number, string>();
  for (const e of events) {
    const data = eventJson(e);
    if (data === undefined) continue;
    const index = typeof data.index === 'number' ? data.index : -1;
    switch (data.type) {
      case 'message_start':
        if (isObject(data.message)) {
          message = { ...data.message };
          if (isObject(message.usage)) message.usage = { ...message.usage };
        }
        break;
      case 'content_block_start':
        if (index >= 0 && isObject(data.content_block)) blocks[index] = { ...data.content_block };
        break;
      case 'content_block_delta':
        if (index >= 0 && isObject(data.delta)) applyDelta(blocks, partialJson, index, data.delta);
        break;
      case 'content_block_stop': {
        const text = partialJson.get(index);
        const block = blocks[index];
        // Empty tool input is streamed as no delta or as '': both mean {}.
        if (text !== undefined && block !== undefined) block.input = parseToolInput(text);
        partialJson.delete(index);
        break;
      }
      case 'message_delta': {
        if (message === undefined) break;
        const delta = isObject(data.delta) ? data.delta : {};
        for (const field of DELTA_FIELDS) if (delta[field] !== undefined) message[field] = delta[field];
        if (isObject(data.usage)) {
          const usage = isObject(message.usage) ? message.usage : {};
          for (const [field, value] of Object.entries(data.usage))
            if (value != null) setOwn(usage, field, value);
          message.usage = usage;
        }
        break;
      }
    }
  }
  if (message === undefined)
    throw new TypeError('sseToJson: the Anthropic stream has no message_start event');
  message.content = blocks.filter((b): b is JsonObject => b !== undefined);
  return message;
}
