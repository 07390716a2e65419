import { parseSse, streamOutcome, type SseRoute, type StreamOutcome } from '../src/sse';
import { ANTHROPIC_MESSAGES, GEMINI_STREAM, OPENAI_CHAT, STREAM_FIXTURES, fixtureText } from './fixtures';

const RESPONSES: SseRoute = { provider: 'openai', endpoint: 'responses' };
const AZURE_CHAT: SseRoute = { provider: 'azure', endpoint: 'chat.completions' };
const COMPLETIONS: SseRoute = { provider: 'openai', endpoint: 'completions' };
const UNKNOWN: SseRoute = { provider: 'unknown', endpoint: 'POST /v1/whatever' };

function outcomes(route: SseRoute, text: string): StreamOutcome[] {
  return parseSse(text).map((e) => streamOutcome(route, e));
}

function one(route: SseRoute, text: string): StreamOutcome {
  const all = outcomes(route, text);
  expect(all).toHaveLength(1);
  return all[0];
}

describe('streamOutcome', () => {
  it.each(STREAM_FIXTURES)('marks only the terminal event of $file complete', ({ file, route }) => {
    const all = outcomes(route, fixtureText(file));
    expect(all.at(-1)).toBe('complete');
    expect(all.slice(0, -1).every((o) => o === 'continue')).toBe(true);
  });

  it.each(STREAM_FIXTURES)('never reports complete for $file cut before its end', ({ file, route }) => {
    const text = fixtureText(file);
    for (let cut = 0; cut < text.length; cut++) {
      expect(outcomes(route, text.slice(0, cut))).not.toContain('complete');
    }
  });

  it('treats data: [DONE] as the end of OpenAI chat, legacy completions and Azure streams', () => {
    for (const route of [OPENAI_CHAT, COMPLETIONS, AZURE_CHAT, UNKNOWN]) {
      expect(one(route, 'data: [DONE]\n\n')).toBe('complete');
    }
  });

  it('does not take another provider terminal event for the route', () => {
    expect(one(ANTHROPIC_MESSAGES, 'data: [DONE]\n\n')).toBe('continue');
    expect(one(OPENAI_CHAT, 'event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe('continue');
    expect(one(OPENAI_CHAT, 'event: response.completed\ndata: {"type":"response.completed"}\n\n')).toBe(
      'continue',
    );
    expect(one(RESPONSES, 'data: [DONE]\n\n')).toBe('continue');
  });

  it('ends a Responses stream at response.completed, and at response.incomplete (a finished, cut answer)', () => {
    const completed =
      'event: response.completed\ndata: {"type":"response.completed","response":{"id":"resp_1","status":"completed","error":null}}\n\n';
    const incomplete =
      'event: response.incomplete\ndata: {"type":"response.incomplete","response":{"id":"resp_1","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}}\n\n';
    const delta =
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\n';
    expect(one(RESPONSES, completed)).toBe('complete');
    expect(one(RESPONSES, incomplete)).toBe('complete');
    expect(one(RESPONSES, delta)).toBe('continue');
    // Without event lines, the data's type decides.
    expect(one(RESPONSES, 'data: {"type":"response.completed","response":{}}\n\n')).toBe('complete');
  });

  it('reports the error events of a Responses stream', () => {
    expect(
      one(
        RESPONSES,
        'event: response.failed\ndata: {"type":"response.failed","response":{"status":"failed"}}\n\n',
      ),
    ).toBe('error');
    expect(
      one(RESPONSES, 'event: error\ndata: {"type":"error","code":"server_error","message":"boom"}\n\n'),
    ).toBe('error');
  });

  it('reports an error chunk inside a 200 OpenAI chat stream', () => {
    const text = fixtureText('openai/chat-completion.stream.sse').split('\n\n');
    const broken = [
      ...text.slice(0, 3),
      'data: {"error":{"message":"The server had an error","type":"server_error"}}',
      '',
    ].join('\n\n');
    const all = outcomes(OPENAI_CHAT, broken);
    expect(all).toEqual(['continue', 'continue', 'continue', 'error']);
  });

  it('reports an Anthropic error event inside a 200 stream', () => {
    const start = fixtureText('anthropic/messages.stream.sse').split('\n\n').slice(0, 4).join('\n\n');
    const text = `${start}\n\nevent: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n`;
    expect(outcomes(ANTHROPIC_MESSAGES, text)).toEqual([
      'continue',
      'continue',
      'continue',
      'continue',
      'error',
    ]);
    // The data's type alone is enough.
    expect(one(ANTHROPIC_MESSAGES, 'data: {"type":"error","error":{"type":"api_error"}}\n\n')).toBe('error');
  });

  it('reports a Gemini error chunk', () => {
    expect(
      one(
        GEMINI_STREAM,
        'data: {"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}\r\n\r\n',
      ),
    ).toBe('error');
  });

  it('reports an error event on every route, even with a non-JSON payload', () => {
    for (const route of [OPENAI_CHAT, RESPONSES, ANTHROPIC_MESSAGES, GEMINI_STREAM, UNKNOWN]) {
      expect(one(route, 'event: error\ndata: upstream went away\n\n')).toBe('error');
    }
  });

  it('ends a Gemini stream only when every candidate of the chunk carries a finish reason', () => {
    const chunk = (candidates: unknown[]): string => `data: ${JSON.stringify({ candidates })}\r\n\r\n`;
    const part = { content: { parts: [{ text: 'x' }], role: 'model' } };
    expect(one(GEMINI_STREAM, chunk([{ ...part, finishReason: 'MAX_TOKENS' }]))).toBe('complete');
    expect(
      one(
        GEMINI_STREAM,
        chunk([
          { ...part, finishReason: 'STOP' },
          { ...part, index: 1 },
        ]),
      ),
    ).toBe('continue');
    expect(one(GEMINI_STREAM, chunk([{ ...part, finishReason: 'FINISH_REASON_UNSPECIFIED' }]))).toBe(
      'continue',
    );
    expect(one(GEMINI_STREAM, chunk([part]))).toBe('continue');
  });

  it('ends a Gemini stream whose prompt was blocked (the one final chunk)', () => {
    expect(one(GEMINI_STREAM, 'data: {"promptFeedback":{"blockReason":"SAFETY"}}\r\n\r\n')).toBe('complete');
  });

  it('still finds an error or a finish reason whose member name is spelled with \\u escapes', () => {
    // Events are parsed only when their text could name an error or a finish reason: escapes count as could.
    expect(one(OPENAI_CHAT, 'data: {"\\u0065rror":{"message":"overloaded"}}\n\n')).toBe('error');
    expect(one(RESPONSES, 'data: {"type":"response.f\\u0061iled"}\n\n')).toBe('error');
    const escaped =
      'data: {"candidates":[{"content":{"parts":[{"text":"x"}]},"finish\\u0052eason":"STOP"}]}\r\n\r\n';
    expect(one(GEMINI_STREAM, escaped)).toBe('complete');
  });

  it('tells an error payload from a text delta', () => {
    expect(one(OPENAI_CHAT, 'data: {"error":{}}\n\n')).toBe('error');
    expect(one(OPENAI_CHAT, 'data: {"choices":[{"delta":{"content":"no problem here"}}]}\n\n')).toBe(
      'continue',
    );
  });

  it('lets keep-alive comments and pings continue the stream', () => {
    expect(one(OPENAI_CHAT, ': keep-alive\n\n')).toBe('continue');
    expect(one(ANTHROPIC_MESSAGES, 'event: ping\ndata: {"type":"ping"}\n\n')).toBe('continue');
  });

  it('accepts every provider-neutral terminal event on an unknown route', () => {
    expect(one(UNKNOWN, 'event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe('complete');
    expect(one(UNKNOWN, 'event: response.completed\ndata: {"type":"response.completed"}\n\n')).toBe(
      'complete',
    );
    expect(one(UNKNOWN, 'data: {"choices":[{"finish_reason":"stop"}]}\n\n')).toBe('continue');
  });
});
