import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startGateway } from './helpers/gateway';
import type { Gateway } from './helpers/gateway';
import { fixture, fixtureJson, sendSse, startUpstream } from './helpers/upstream';
import type { Upstream } from './helpers/upstream';

type ChatParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
type MessageParams = Anthropic.MessageCreateParamsNonStreaming;

const chatRequest = fixtureJson<ChatParams>('openai/chat-completion.request.json');
const chatAnswer = fixtureJson<OpenAI.Chat.ChatCompletion>('openai/chat-completion.response.json');
// A model name the SDK has no deprecation notice for.
const messagesRequest = {
  ...fixtureJson<MessageParams>('anthropic/messages.request.json'),
  model: 'claude-gatecache-test',
};

let upstream: Upstream;
let gw: Gateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeEach(async () => {
  upstream = await startUpstream();
  gw = await startGateway({ upstream: upstream.url });
  openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${gw.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: `${gw.url}/anthropic`, maxRetries: 0 });
});
afterEach(async () => {
  await gw.close();
  await upstream.close();
});

async function streamedText(params: ChatParams): Promise<string> {
  const stream = await openai.chat.completions.create({ ...params, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}

describe('the official openai client through the gateway', () => {
  it('gets the same completion twice with one upstream call', async () => {
    const a = await openai.chat.completions.create(chatRequest);
    const b = await openai.chat.completions.create(chatRequest).withResponse();
    expect(a).toEqual(chatAnswer);
    expect(b.data).toEqual(chatAnswer);
    expect(b.response.headers.get('x-cache')).toBe('HIT');
    expect(upstream.calls).toBe(1);
  });

  it('streams a miss and a hit, and a stream from a stored JSON answer', async () => {
    const expected = chatAnswer.choices[0]!.message.content;
    expect(await streamedText(chatRequest)).toBe(expected);
    expect(await streamedText(chatRequest)).toBe(expected);
    expect(upstream.calls).toBe(1);
    const other = { ...chatRequest, max_tokens: 65 };
    await openai.chat.completions.create(other);
    expect(await streamedText(other)).toBe(expected);
    expect(upstream.calls).toBe(2);
  });

  it('raises an error when the upstream drops the stream, and the next call goes upstream', async () => {
    upstream.override = (_req, res) =>
      sendSse(res, fixture('openai/chat-completion.stream.sse'), { abortAfter: 3 });
    await expect(streamedText(chatRequest)).rejects.toThrow(/upstream connection closed/);
    upstream.override = undefined;
    expect(await streamedText(chatRequest)).toBe(chatAnswer.choices[0]!.message.content);
    expect(upstream.calls).toBe(2);
  });

  it('lists models from the cache the second time', async () => {
    const first = await openai.models.list();
    const second = await openai.models.list();
    expect(second.data.map((m) => m.id)).toEqual(first.data.map((m) => m.id));
    expect(upstream.calls).toBe(1);
  });
});

describe('the official anthropic client through the gateway', () => {
  it('gets the same message twice, streamed and not, with one upstream call', async () => {
    const a = await anthropic.messages.create(messagesRequest);
    const b = await anthropic.messages.create(messagesRequest);
    expect(b).toEqual(a);
    const stream = anthropic.messages.stream(messagesRequest);
    const final = await stream.finalMessage();
    expect(final.content).toEqual(a.content);
    expect(upstream.calls).toBe(1);
  });

  it('replays thinking, signature and tool-input deltas intact', async () => {
    const sse = fixture('anthropic/messages-thinking-tools.stream.sse');
    upstream.override = (_req, res) => sendSse(res, sse);
    const params = { ...messagesRequest, max_tokens: 2048 };
    const first = await anthropic.messages.stream(params).finalMessage();
    const second = await anthropic.messages.stream(params).finalMessage();
    expect(second).toEqual(first);
    expect(first.content.map((b) => b.type)).toEqual(expect.arrayContaining(['thinking', 'tool_use']));
    expect(upstream.calls).toBe(1);
  });

  it('raises an error when the upstream drops the stream', async () => {
    upstream.override = (_req, res) =>
      sendSse(res, fixture('anthropic/messages.stream.sse'), { abortAfter: 4 });
    await expect(anthropic.messages.stream(messagesRequest).finalMessage()).rejects.toThrow(
      /upstream connection closed/,
    );
    upstream.override = undefined;
    const final = await anthropic.messages.stream(messagesRequest).finalMessage();
    expect(final.stop_reason).toBe('end_turn');
    expect(upstream.calls).toBe(2);
  });
});
