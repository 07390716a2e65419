import { canConvert, jsonToSse, parseSse, sseToJson, streamOutcome, type SseRoute } from '../src/sse';
import {
  ANTHROPIC_MESSAGES,
  GEMINI_CONTENT,
  GEMINI_STREAM,
  OPENAI_CHAT,
  OPENAI_RESPONSES,
  STREAM_FIXTURES,
  fixtureJson,
  fixtureText,
} from './fixtures';

const AZURE_CHAT: SseRoute = { provider: 'azure', endpoint: 'chat.completions' };

const CONVERTIBLE_STREAMS = STREAM_FIXTURES.filter(({ route }) => canConvert(route));

describe('canConvert', () => {
  it('is true for OpenAI and Azure chat and Responses, Anthropic messages and Gemini generateContent', () => {
    expect(canConvert(OPENAI_CHAT)).toBe(true);
    expect(canConvert(AZURE_CHAT)).toBe(true);
    expect(canConvert(OPENAI_RESPONSES)).toBe(true);
    expect(canConvert({ provider: 'azure', endpoint: 'responses' })).toBe(true);
    expect(canConvert(ANTHROPIC_MESSAGES)).toBe(true);
    expect(canConvert(GEMINI_CONTENT)).toBe(true);
    expect(canConvert(GEMINI_STREAM)).toBe(true);
  });

  it('is false for other endpoints', () => {
    expect(canConvert({ provider: 'gemini', endpoint: 'embedContent' })).toBe(false);
    expect(canConvert({ provider: 'openai', endpoint: 'stored-object' })).toBe(false);
    expect(canConvert({ provider: 'openai', endpoint: 'completions' })).toBe(false);
    expect(canConvert({ provider: 'anthropic', endpoint: 'models' })).toBe(false);
    expect(canConvert({ provider: 'unknown', endpoint: 'chat.completions' })).toBe(false);
  });
});

describe('jsonToSse and sseToJson', () => {
  it('cover every stream fixture', () => {
    expect(CONVERTIBLE_STREAMS).toHaveLength(STREAM_FIXTURES.length);
  });

  it.each(CONVERTIBLE_STREAMS)(
    'round-trip $file: stream -> JSON -> stream -> the same JSON',
    ({ file, route }) => {
      const assembled = sseToJson(route, parseSse(fixtureText(file)));
      const replayed = jsonToSse(route, assembled);
      expect(sseToJson(route, parseSse(replayed))).toEqual(assembled);
    },
  );

  it.each(CONVERTIBLE_STREAMS)(
    'render $file as a stream that ends complete with no error',
    ({ file, route }) => {
      const assembled = sseToJson(route, parseSse(fixtureText(file)));
      const outcomes = parseSse(jsonToSse(route, assembled)).map((e) => streamOutcome(route, e));
      expect(outcomes.at(-1)).toBe('complete');
      expect(outcomes.slice(0, -1).every((o) => o === 'continue')).toBe(true);
    },
  );

  it.each([
    ['openai/chat-completion.response.json', OPENAI_CHAT],
    ['openai/chat-completion.response.json', AZURE_CHAT],
    ['anthropic/messages.response.json', ANTHROPIC_MESSAGES],
    ['gemini/generateContent.response.json', GEMINI_CONTENT],
    ['openai/responses.response.json', OPENAI_RESPONSES],
  ] as const)('turn %s into a stream and back into the same object', (file, route) => {
    const original = fixtureJson(file);
    expect(sseToJson(route, parseSse(jsonToSse(route, original)))).toEqual(original);
  });

  it('accept the stored body as JSON text or bytes', () => {
    const text = fixtureText('anthropic/messages.response.json');
    const expected = jsonToSse(ANTHROPIC_MESSAGES, JSON.parse(text));
    expect(jsonToSse(ANTHROPIC_MESSAGES, text)).toBe(expected);
    expect(jsonToSse(ANTHROPIC_MESSAGES, Buffer.from(text))).toBe(expected);
  });

  it('refuse routes without a converter, naming the route', () => {
    const embed: SseRoute = { provider: 'gemini', endpoint: 'embedContent' };
    expect(() => jsonToSse(embed, fixtureJson('gemini/generateContent.response.json'))).toThrow(
      /gemini embedContent/,
    );
    expect(() => sseToJson({ provider: 'openai', endpoint: 'completions' }, [])).toThrow(/canConvert/);
  });
});

describe('Gemini generateContent', () => {
  it('assembles a stream into the JSON answer Gemini gives: text joined, thoughts apart, the call and its signature kept', () => {
    const json = sseToJson(
      GEMINI_CONTENT,
      parseSse(fixtureText('gemini/streamGenerateContent-thinking-tools.sse')),
    );
    expect(json).toEqual({
      candidates: [
        {
          content: {
            parts: [
              {
                text: '**Checking the weather tool**\n\nThe user wants the weather in Paris, so I will call get_weather with the city.',
                thought: true,
              },
              { text: 'Let me look that up.' },
              {
                functionCall: { name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } },
                thoughtSignature: 'CiQB0e2Kb8wq3p4Yc1cFvK0j5m0a8wQ2bWxkY2FhYmJjY2Rk',
              },
            ],
            role: 'model',
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 61,
        candidatesTokenCount: 24,
        totalTokenCount: 139,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 61 }],
        thoughtsTokenCount: 54,
      },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'Xh0zaPq3DNKKm9MPk5e4wAk',
    });
  });

  it('renders the JSON answer as CRLF chunks, each a whole response, the last with the finishReason', () => {
    const original = fixtureJson('gemini/generateContent.response.json') as { candidates: unknown[] };
    const text = jsonToSse(GEMINI_CONTENT, original);
    expect(text).toMatch(/^data: \{"candidates":\[/);
    expect(text.endsWith('}\r\n\r\n')).toBe(true);
    const chunks = parseSse(text).map((e) => JSON.parse(e.data) as Record<string, unknown>);
    expect(chunks.at(-1)).toMatchObject({
      candidates: [{ finishReason: 'STOP' }],
      responseId: original['responseId' as never],
    });
  });

  it('renders a blocked prompt (no candidates) as one chunk with its promptFeedback', () => {
    const blocked = { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 5 } };
    const events = parseSse(jsonToSse(GEMINI_CONTENT, blocked));
    expect(events).toHaveLength(1);
    expect(streamOutcome(GEMINI_CONTENT, events[0]!)).toBe('complete');
    expect(sseToJson(GEMINI_CONTENT, events)).toEqual(blocked);
  });

  it('keeps several candidates apart by index', () => {
    const two = {
      candidates: [
        { content: { parts: [{ text: 'a' }, { text: 'b' }], role: 'model' }, finishReason: 'STOP' },
        { content: { parts: [{ text: 'c' }], role: 'model' }, finishReason: 'MAX_TOKENS' },
      ],
      modelVersion: 'gemini-2.0-flash',
    };
    const back = sseToJson(GEMINI_CONTENT, parseSse(jsonToSse(GEMINI_CONTENT, two)));
    expect(back).toEqual({
      candidates: [
        { content: { parts: [{ text: 'ab' }], role: 'model' }, finishReason: 'STOP', index: 0 },
        { content: { parts: [{ text: 'c' }], role: 'model' }, finishReason: 'MAX_TOKENS', index: 1 },
      ],
      modelVersion: 'gemini-2.0-flash',
    });
  });
});
