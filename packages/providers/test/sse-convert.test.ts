import { canConvert, jsonToSse, parseSse, sseToJson, streamOutcome, type SseRoute } from '../src/sse';
import {
  ANTHROPIC_MESSAGES,
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
  it('is true for OpenAI and Azure chat completions and Responses, and Anthropic messages', () => {
    expect(canConvert(OPENAI_CHAT)).toBe(true);
    expect(canConvert(AZURE_CHAT)).toBe(true);
    expect(canConvert(OPENAI_RESPONSES)).toBe(true);
    expect(canConvert({ provider: 'azure', endpoint: 'responses' })).toBe(true);
    expect(canConvert(ANTHROPIC_MESSAGES)).toBe(true);
  });

  it('is false for other endpoints', () => {
    expect(canConvert(GEMINI_STREAM)).toBe(false);
    expect(canConvert({ provider: 'openai', endpoint: 'stored-object' })).toBe(false);
    expect(canConvert({ provider: 'openai', endpoint: 'completions' })).toBe(false);
    expect(canConvert({ provider: 'anthropic', endpoint: 'models' })).toBe(false);
    expect(canConvert({ provider: 'unknown', endpoint: 'chat.completions' })).toBe(false);
  });
});

describe('jsonToSse and sseToJson', () => {
  it('cover five of the six stream fixtures (Gemini has no converter)', () => {
    expect(CONVERTIBLE_STREAMS).toHaveLength(5);
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
    expect(() => jsonToSse(GEMINI_STREAM, fixtureJson('gemini/generateContent.response.json'))).toThrow(
      /gemini streamGenerateContent/,
    );
    expect(() => sseToJson({ provider: 'openai', endpoint: 'completions' }, [])).toThrow(/canConvert/);
  });
});
