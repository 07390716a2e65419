import fc from 'fast-check';
import { createSseParser, parseSse, type SseEvent } from '../src/sse';
import { fixtureText, STREAM_FIXTURES } from './fixtures';

function feedChunks(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((e) => events.push(e));
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return events;
}

describe('parseSse', () => {
  it.each(STREAM_FIXTURES)('rebuilds $file byte for byte from the raw of its events', ({ file }) => {
    const text = fixtureText(file);
    const events = parseSse(text);
    expect(events.length).toBeGreaterThan(1);
    expect(events.map((e) => e.raw).join('')).toBe(text);
  });

  it('keeps the CRLF line ends of a Gemini stream in raw and out of data', () => {
    const text = fixtureText('gemini/streamGenerateContent.sse');
    expect(text).toContain('\r\n\r\n');
    const events = parseSse(text);
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e.raw.endsWith('\r\n\r\n')).toBe(true);
      expect(e.data).not.toMatch(/[\r\n]$/);
      expect(() => JSON.parse(e.data) as unknown).not.toThrow();
    }
  });

  it('reads event names and data of an Anthropic stream', () => {
    const events = parseSse(fixtureText('anthropic/messages.stream.sse'));
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(JSON.parse(events[3].data)).toEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'The capital' },
    });
  });

  it('reads the data of an OpenAI stream without an event name', () => {
    const events = parseSse(fixtureText('openai/chat-completion.stream.sse'));
    expect(events.at(-1)).toEqual({ data: '[DONE]', raw: 'data: [DONE]\n\n' });
    expect(events.every((e) => e.event === undefined)).toBe(true);
  });

  it('splits blocks on bare CR line ends', () => {
    const text = 'event: a\rdata: 1\r\rdata: 2\r\r';
    expect(parseSse(text)).toEqual([
      { event: 'a', data: '1', raw: 'event: a\rdata: 1\r\r' },
      { data: '2', raw: 'data: 2\r\r' },
    ]);
  });

  it('accepts mixed line ends inside one stream', () => {
    const text = 'data: 1\n\r\ndata: 2\r\n\ndata: 3\r\r';
    const events = parseSse(text);
    expect(events.map((e) => e.data)).toEqual(['1', '2', '3']);
    expect(events.map((e) => e.raw).join('')).toBe(text);
  });

  it('joins multi-line data with LF and keeps the id field', () => {
    expect(parseSse('id: 7\ndata: a\ndata: b\n\n')).toEqual([
      { id: '7', data: 'a\nb', raw: 'id: 7\ndata: a\ndata: b\n\n' },
    ]);
  });

  it('reports comment and keep-alive blocks with empty data so replay keeps them', () => {
    const text = ': OPENROUTER PROCESSING\n\ndata: x\n\n:\n\n';
    const events = parseSse(text);
    expect(events).toEqual([
      { data: '', raw: ': OPENROUTER PROCESSING\n\n' },
      { data: 'x', raw: 'data: x\n\n' },
      { data: '', raw: ':\n\n' },
    ]);
  });

  it('reports an unterminated tail as bytes without data, never as the event it started', () => {
    const events = parseSse('data: 1\n\nevent: message_stop\ndata: {"type":"message_stop"}\n');
    expect(events).toEqual([
      { data: '1', raw: 'data: 1\n\n' },
      { data: '', raw: 'event: message_stop\ndata: {"type":"message_stop"}\n' },
    ]);
  });

  it('keeps a leading byte order mark in raw and strips it from the field name', () => {
    const events = parseSse('\uFEFFdata: 1\n\ndata: 2\n\n');
    expect(events).toEqual([
      { data: '1', raw: '\uFEFFdata: 1\n\n' },
      { data: '2', raw: 'data: 2\n\n' },
    ]);
  });

  it('returns no events for an empty text', () => {
    expect(parseSse('')).toEqual([]);
  });
});

describe('createSseParser', () => {
  it.each(STREAM_FIXTURES)('gives the same events for $file fed one character at a time', ({ file }) => {
    const text = fixtureText(file);
    expect(feedChunks([...text])).toEqual(parseSse(text));
  });

  it('waits for the next chunk when a CRLF is split after its CR', () => {
    const events = feedChunks(['data: a\r\n\r', '\ndata: b\r', '\n\r', '\n']);
    expect(events).toEqual([
      { data: 'a', raw: 'data: a\r\n\r\n' },
      { data: 'b', raw: 'data: b\r\n\r\n' },
    ]);
  });

  it('emits an event as soon as its blank line arrives', () => {
    const seen: string[] = [];
    const parser = createSseParser((e) => seen.push(e.data));
    parser.feed('data: 1\n');
    expect(seen).toEqual([]);
    parser.feed('\ndata: 2');
    expect(seen).toEqual(['1']);
    parser.feed('\n\n');
    expect(seen).toEqual(['1', '2']);
    parser.end();
    expect(seen).toEqual(['1', '2']);
  });

  it('leaves a final CR after a CRLF unsettled at end(): the stream was cut before its last LF', () => {
    expect(feedChunks(['data: a\r\n\r'])).toEqual([{ data: '', raw: 'data: a\r\n\r' }]);
  });

  it('settles the final CR of a CR-only stream at end()', () => {
    expect(feedChunks(['data: a\r', '\r', 'data: b\r\r'])).toEqual([
      { data: 'a', raw: 'data: a\r\r' },
      { data: 'b', raw: 'data: b\r\r' },
    ]);
  });

  it('refuses input after end()', () => {
    const parser = createSseParser(() => undefined);
    parser.end();
    expect(() => parser.feed('data: 1\n\n')).toThrow(/after end/);
  });

  it('gives the same events however a stream is split into chunks', () => {
    const sample = [
      fixtureText('gemini/streamGenerateContent.sse'),
      fixtureText('anthropic/messages-thinking-tools.stream.sse'),
      'data: 1\r\rdata: 2\n\n: c\r\n\r\ndata: 3\r\n\r\n',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...sample), fc.array(fc.nat(), { maxLength: 30 }), (text, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(text.slice(last, p));
          last = p;
        }
        chunks.push(text.slice(last));
        const events = feedChunks(chunks);
        expect(events).toEqual(parseSse(text));
        expect(events.map((e) => e.raw).join('')).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});

describe('createSseParser on long blocks fed in small chunks', () => {
  it('gives the same events as one feed, whatever the line ends and the chunk size', () => {
    const streams = [
      `event: a\n${'data: x\n'.repeat(500)}\n${'data: y'.repeat(300)}\n\ndata: tail`,
      `${'data: 1\r'.repeat(200)}\r${'data: 2\r\n'.repeat(200)}\r\n: comment\r\r`,
      `data: ${'z'.repeat(5000)}`,
    ];
    for (const text of streams) {
      const whole = parseSse(text);
      for (const size of [1, 3, 7, 64]) {
        const events: SseEvent[] = [];
        const parser = createSseParser((e) => events.push(e));
        for (let i = 0; i < text.length; i += size) parser.feed(text.slice(i, i + size));
        parser.end();
        expect(events).toEqual(whole);
      }
    }
  });
});
