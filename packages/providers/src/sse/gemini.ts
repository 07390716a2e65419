import { eventJson, isObject, sseBlock, type JsonObject } from './data';
import type { SseEvent } from './types';

/**
 * Renders a `generateContent` answer as the `streamGenerateContent?alt=sse` stream Gemini would have sent:
 * one chunk per candidate part, each a whole GenerateContentResponse (as Gemini's chunks are), the last one of
 * each candidate carrying its finishReason and the rest of its fields, and every chunk the response's
 * usageMetadata, modelVersion and responseId. CRLF line ends, as the provider writes them.
 */
export function generateContentToSse(body: unknown): string {
  if (!isObject(body)) throw new TypeError('jsonToSse: expected a Gemini GenerateContentResponse object');
  const { candidates, ...top } = body;
  const chunk = (candidate?: JsonObject): string =>
    sseBlock(candidate === undefined ? top : { candidates: [candidate], ...top }, undefined, '\r\n');
  // A blocked prompt has no candidates: its answer is one chunk with the promptFeedback.
  if (!Array.isArray(candidates) || candidates.length === 0) return chunk();
  let out = '';
  candidates.forEach((raw: unknown, position) => {
    const candidate = isObject(raw) ? raw : {};
    const { content, ...rest } = candidate;
    const index = candidate.index ?? (candidates.length > 1 ? position : undefined);
    const parts = isObject(content) && Array.isArray(content.parts) ? content.parts : [];
    const role = isObject(content) ? content.role : undefined;
    const contentOf = (p: unknown[]): JsonObject => ({ parts: p, ...(role !== undefined ? { role } : {}) });
    // Every part but the last as a chunk of its own; the last with the candidate's closing fields.
    const indexed = index !== undefined ? { index } : {};
    parts.slice(0, -1).forEach((part) => {
      out += chunk({ content: contentOf([part]), ...indexed });
    });
    out += chunk({ content: contentOf(parts.slice(-1)), ...rest, ...indexed });
  });
  return out;
}

/** Text parts of one kind (thought or answer) that a stream split and the JSON answer holds as one. */
function mergeable(a: JsonObject, b: JsonObject): boolean {
  const textOnly = (p: JsonObject): boolean =>
    typeof p.text === 'string' && Object.keys(p).every((k) => k === 'text' || k === 'thought');
  return textOnly(a) && textOnly(b) && (a.thought === true) === (b.thought === true);
}

interface Assembled {
  fields: JsonObject;
  role?: unknown;
  parts: JsonObject[];
}

/**
 * Assembles the `generateContent` answer from a stream's chunks: per candidate (by `index`, else position)
 * the parts in order, adjacent text parts of one kind joined as Gemini's JSON answer holds them, the last
 * value of every other candidate field; the response's own fields (usage, model version, id, feedback)
 * from the last chunk that carries them.
 */
export function generateContentFromSse(events: SseEvent[]): unknown {
  const top: JsonObject = {};
  const byIndex = new Map<number, Assembled>();
  for (const event of events) {
    const json = eventJson(event);
    if (json === undefined) continue;
    const { candidates, ...rest } = json;
    Object.assign(top, rest);
    if (!Array.isArray(candidates)) continue;
    candidates.forEach((raw: unknown, position) => {
      if (!isObject(raw)) return;
      const { content, ...fields } = raw;
      const index = typeof raw.index === 'number' ? raw.index : position;
      let c = byIndex.get(index);
      if (!c) byIndex.set(index, (c = { fields: {}, parts: [] }));
      Object.assign(c.fields, fields);
      if (!isObject(content)) return;
      if (content.role !== undefined) c.role = content.role;
      for (const part of Array.isArray(content.parts) ? content.parts : []) {
        if (!isObject(part)) continue;
        const last = c.parts.at(-1);
        if (last && mergeable(last, part)) last.text = `${last.text as string}${part.text as string}`;
        else c.parts.push({ ...part });
      }
    });
  }
  const candidates = [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, c]) => ({
      content: { parts: c.parts, ...(c.role !== undefined ? { role: c.role } : {}) },
      ...c.fields,
    }));
  return candidates.length > 0 ? { candidates, ...top } : top;
}
