import Anthropic from '@anthropic-ai/sdk';
import { messageFromSse, messageToSse } from '../src/sse/anthropic-messages';
import { parseSse } from '../src/sse';
import { fixtureJson, fixtureText, startSseServer, type SseServer, eachServedAnswer } from './fixtures';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TEXT = fixtureJson('anthropic/messages.response.json') as Json;
const THINKING_TOOLS = messageFromSse(
  parseSse(fixtureText('anthropic/messages-thinking-tools.stream.sse')),
) as Json;

const MIXED: Json = {
  id: 'msg_mixed',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [
    { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
    {
      type: 'text',
      text: 'Paris is the capital.',
      citations: [
        {
          type: 'char_location',
          cited_text: 'Paris',
          document_index: 0,
          document_title: null,
          start_char_index: 0,
          end_char_index: 5,
        },
      ],
    },
    { type: 'tool_use', id: 'toolu_empty', name: 'now', input: {} },
    {
      type: 'tool_use',
      id: 'toolu_nested',
      name: 'plan',
      input: { steps: [{ n: 1, ok: true }], note: 'é "quoted"\n' },
    },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: {
    input_tokens: 30,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 12,
    output_tokens: 40,
    service_tier: 'standard',
  },
};

function eventTypes(sse: string): (string | undefined)[] {
  return parseSse(sse).map((e) => e.event);
}

describe('messageToSse', () => {
  it('renders a text answer as message_start, one text block, message_delta and message_stop', () => {
    const sse = messageToSse(TEXT);
    expect(eventTypes(sse)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const [start, blockStart, delta, , messageDelta] = parseSse(sse).map((e) => JSON.parse(e.data) as Json);
    expect(start.message).toMatchObject({ id: TEXT.id, model: TEXT.model, content: [], stop_reason: null });
    expect(blockStart.content_block).toEqual({ type: 'text', text: '' });
    expect(delta.delta).toEqual({ type: 'text_delta', text: 'The capital of France is Paris.' });
    expect(messageDelta.delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
    expect(messageDelta.usage.output_tokens).toBe(10);
  });

  it('streams thinking as thinking_delta plus signature_delta and tool input as input_json_delta', () => {
    const deltas = parseSse(messageToSse(THINKING_TOOLS))
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => (JSON.parse(e.data) as Json).delta);
    expect(deltas).toEqual([
      {
        type: 'thinking_delta',
        thinking: 'The user wants the weather in Paris.\nI should call get_weather.',
      },
      { type: 'signature_delta', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
      { type: 'input_json_delta', partial_json: '{"location":"Paris, France"}' },
    ]);
  });

  it('sends blocks without deltas (redacted thinking) whole in content_block_start', () => {
    const first = parseSse(messageToSse(MIXED))[1];
    expect((JSON.parse(first.data) as Json).content_block).toEqual(MIXED.content[0]);
  });

  it('rejects a body that is not a message', () => {
    expect(() => messageToSse({ choices: [] })).toThrow(/Anthropic message/);
  });
});

describe('messageFromSse', () => {
  it('assembles the streamed text fixture into the message the JSON endpoint gives', () => {
    const assembled = messageFromSse(parseSse(fixtureText('anthropic/messages.stream.sse')));
    const { service_tier: _tier, ...usage } = TEXT.usage as Json;
    expect(assembled).toEqual({ ...TEXT, id: 'msg_014p7gG3wDgGV9EUtLvnow3U', usage });
  });

  it('assembles thinking with its signature and parses the streamed tool input', () => {
    expect(THINKING_TOOLS).toEqual({
      id: 'msg_01ThinkToolStream',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [
        {
          type: 'thinking',
          thinking: 'The user wants the weather in Paris.\nI should call get_weather.',
          signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
        },
        {
          type: 'tool_use',
          id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
          name: 'get_weather',
          input: { location: 'Paris, France' },
        },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 412,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 89,
      },
    });
  });

  it('round-trips redacted thinking, citations and empty or nested tool input', () => {
    expect(messageFromSse(parseSse(messageToSse(MIXED)))).toEqual(MIXED);
  });

  it('fails clearly on a stream without message_start', () => {
    expect(() => messageFromSse(parseSse('event: message_stop\ndata: {"type":"message_stop"}\n\n'))).toThrow(
      /message_start/,
    );
  });

  it('fails clearly when streamed tool input is not JSON', () => {
    const cut = fixtureText('anthropic/messages-thinking-tools.stream.sse').replace(
      'ion\\": \\"Paris',
      'ion',
    );
    expect(() => messageFromSse(parseSse(cut))).toThrow(/not valid JSON/);
  });
});

describe('the official Anthropic client reading messageToSse output', () => {
  let body = '';
  let server: SseServer;
  let client: Anthropic;

  beforeAll(async () => {
    server = await startSseServer(() => body);
    client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: server.url, maxRetries: 0 });
  });
  afterAll(() => server.close());

  eachServedAnswer(
    'assembles %s into the original message',
    [
      ['a text answer', TEXT],
      ['thinking, signature and a tool call', THINKING_TOOLS],
      ['redacted thinking, citations and nested tool input', MIXED],
    ],
    (original) => {
      body = messageToSse(original);
    },
    async (original) => {
      const final = await server.oneRequest(() =>
        client.messages
          .stream({
            model: 'claude-haiku-4-5',
            max_tokens: 1024,
            messages: [{ role: 'user', content: 'hi' }],
          })
          .finalMessage(),
      );
      // parsed_output is the SDK's own addition (structured outputs), not part of the wire message.
      const { parsed_output: parsed, ...message } = JSON.parse(JSON.stringify(final)) as Json;
      expect(parsed).toBeNull();
      expect(message).toEqual(original);
    },
  );

  it('reports every text delta through create({ stream: true })', async () => {
    body = messageToSse(TEXT);
    const stream = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe(TEXT.content[0].text);
    expect(types.at(-1)).toBe('message_stop');
  });
});
