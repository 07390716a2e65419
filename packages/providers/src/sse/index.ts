/**
 * Server-Sent Events of the provider APIs: pure functions, no I/O.
 *
 * - `parseSse` / `createSseParser` read a stream into events that keep their exact bytes (`raw`), so a
 *   stored stream replays byte for byte (text, tool-call, thinking and signature deltas alike). Framing
 *   splits on blank lines (LF, CRLF or CR, even when a CRLF is split across chunks); eventsource-parser
 *   reads the fields. Comment / keep-alive blocks and an unterminated tail come out with `data: ''`.
 * - `streamOutcome` classifies each event: 'error' (an `error` event, a `{"error": ...}` payload,
 *   Anthropic `type: "error"`, Responses `response.failed`; on every route), 'complete' (the route's
 *   terminal event: `data: [DONE]` for OpenAI/Azure chat and completions, `response.completed` or
 *   `response.incomplete` for Responses, `message_stop` for Anthropic, the Gemini chunk whose candidates
 *   all carry a finishReason), else 'continue'. Store a stream only once it reached 'complete' with no
 *   'error' before it.
 * - `jsonToSse` / `sseToJson` convert between a non-streamed answer and its stream for the routes where
 *   `canConvert` is true (OpenAI and Azure chat.completions and responses, Anthropic messages).
 * - `usageOf` reads token usage from a JSON body or from a stream's events, for every provider.
 */
export { parseSse, createSseParser } from './parse';
export type { SseParser } from './parse';
export { streamOutcome } from './outcome';
export { jsonToSse, sseToJson, canConvert } from './convert';
export { usageOf } from './usage';
export type { SseEvent, SseRoute, StreamOutcome, TokenUsage } from './types';
