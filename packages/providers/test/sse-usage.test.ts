import { parseSse, usageOf, type SseRoute } from '../src/sse';
import { ANTHROPIC_MESSAGES, GEMINI_STREAM, OPENAI_CHAT, fixtureJson, fixtureText } from './fixtures';

const RESPONSES: SseRoute = { provider: 'openai', endpoint: 'responses' };
const GEMINI_JSON: SseRoute = { provider: 'gemini', endpoint: 'generateContent' };
// The chat fixtures report prompt_tokens_details.cached_tokens: 0.
const CHAT_USAGE = { inputTokens: 24, outputTokens: 8, totalTokens: 32, cachedInputTokens: 0 };

/** Anthropic usage as usageOf reports it: every count spelled out, prompt-cache reads and writes kept apart. */
function anthropicUsage(
  inputTokens: number,
  outputTokens: number,
  totalTokens: number,
  cachedInputTokens = 0,
  cacheWriteTokens = 0,
) {
  return { inputTokens, outputTokens, totalTokens, cachedInputTokens, cacheWriteTokens };
}

describe('usageOf', () => {
  it('reads OpenAI chat usage from a JSON body', () => {
    expect(usageOf(OPENAI_CHAT, fixtureJson('openai/chat-completion.response.json'))).toEqual(CHAT_USAGE);
  });

  it('reads OpenAI chat usage from the final usage chunk of a stream', () => {
    expect(usageOf(OPENAI_CHAT, parseSse(fixtureText('openai/chat-completion.stream.sse')))).toEqual(
      CHAT_USAGE,
    );
  });

  it('reports no usage for a stream sent without include_usage', () => {
    expect(
      usageOf(OPENAI_CHAT, parseSse(fixtureText('openai/chat-completion-tools.stream.sse'))),
    ).toBeUndefined();
  });

  it('reads Anthropic usage from a JSON body and adds the total it leaves out', () => {
    expect(usageOf(ANTHROPIC_MESSAGES, fixtureJson('anthropic/messages.response.json'))).toEqual(
      anthropicUsage(21, 10, 31),
    );
  });

  it('takes Anthropic input tokens from message_start and output tokens from message_delta', () => {
    expect(
      usageOf(ANTHROPIC_MESSAGES, parseSse(fixtureText('anthropic/messages-thinking-tools.stream.sse'))),
    ).toEqual(anthropicUsage(412, 89, 501));
  });

  it('adds Anthropic prompt-cache reads and writes to the input tokens and keeps them apart', () => {
    const usage = {
      input_tokens: 50,
      cache_creation_input_tokens: 1000,
      cache_read_input_tokens: 3000,
      output_tokens: 20,
    };
    expect(usageOf(ANTHROPIC_MESSAGES, { type: 'message', usage })).toEqual(
      anthropicUsage(4050, 20, 4070, 3000, 1000),
    );
  });

  it('reads OpenAI cached prompt tokens from chat and Responses usage details', () => {
    const chat = {
      usage: { prompt_tokens: 2000, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 1920 } },
    };
    expect(usageOf(OPENAI_CHAT, chat)).toEqual({
      inputTokens: 2000,
      outputTokens: 5,
      totalTokens: 2005,
      cachedInputTokens: 1920,
    });
    expect(usageOf(RESPONSES, fixtureJson('openai/responses.response.json'))).toEqual({
      inputTokens: 1436,
      outputTokens: 8,
      totalTokens: 1444,
      cachedInputTokens: 1280,
    });
    const gemini = {
      usageMetadata: { promptTokenCount: 900, cachedContentTokenCount: 800, candidatesTokenCount: 3 },
    };
    expect(usageOf(GEMINI_JSON, gemini)).toMatchObject({ inputTokens: 900, cachedInputTokens: 800 });
  });

  it('reads Gemini usageMetadata from a JSON body and the last chunk of a stream', () => {
    const expected = { inputTokens: 8, outputTokens: 8, totalTokens: 16 };
    expect(usageOf(GEMINI_JSON, fixtureJson('gemini/generateContent.response.json'))).toEqual(expected);
    expect(usageOf(GEMINI_STREAM, parseSse(fixtureText('gemini/streamGenerateContent.sse')))).toEqual(
      expected,
    );
  });

  it('counts Gemini thinking tokens as output', () => {
    const body = {
      usageMetadata: {
        promptTokenCount: 10,
        candidatesTokenCount: 5,
        thoughtsTokenCount: 20,
        totalTokenCount: 35,
      },
    };
    expect(usageOf(GEMINI_JSON, body)).toEqual({ inputTokens: 10, outputTokens: 25, totalTokens: 35 });
  });

  it('reads Responses API usage from the body and from response.completed', () => {
    const usage = {
      input_tokens: 36,
      output_tokens: 87,
      total_tokens: 123,
      output_tokens_details: { reasoning_tokens: 0 },
    };
    const expected = { inputTokens: 36, outputTokens: 87, totalTokens: 123 };
    expect(usageOf(RESPONSES, { id: 'resp_1', object: 'response', usage })).toEqual(expected);
    const stream = [
      'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_1","usage":null}}\n\n',
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\n',
      `event: response.completed\ndata: ${JSON.stringify({ type: 'response.completed', response: { id: 'resp_1', usage } })}\n\n`,
    ].join('');
    expect(usageOf(RESPONSES, parseSse(stream))).toEqual(expected);
  });

  it('accepts a body as JSON text or bytes', () => {
    const text = fixtureText('openai/chat-completion.response.json');
    expect(usageOf(OPENAI_CHAT, text)).toEqual(CHAT_USAGE);
    expect(usageOf(OPENAI_CHAT, Buffer.from(text))).toEqual(CHAT_USAGE);
  });

  it('returns undefined for bodies without usage or that are not JSON', () => {
    expect(usageOf(OPENAI_CHAT, fixtureJson('openai/models.response.json'))).toBeUndefined();
    expect(usageOf(OPENAI_CHAT, 'not json')).toBeUndefined();
    expect(usageOf(OPENAI_CHAT, null)).toBeUndefined();
    expect(usageOf(OPENAI_CHAT, [])).toBeUndefined();
    expect(usageOf(OPENAI_CHAT, { usage: { prompt_tokens: 'many' } })).toBeUndefined();
  });
});
