import OpenAI from 'openai';
import { chatCompletionFromSse, chatCompletionToSse } from '../src/sse/openai-chat';
import { parseSse } from '../src/sse';
import { fixtureJson, fixtureText, startSseServer, type SseServer, eachServedAnswer } from './fixtures';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TEXT = fixtureJson('openai/chat-completion.response.json') as Json;
const TOOLS = chatCompletionFromSse(parseSse(fixtureText('openai/chat-completion-tools.stream.sse'))) as Json;

const LOGPROBS_AND_CHOICES: Json = {
  id: 'chatcmpl-multi',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hi', refusal: null, annotations: [] },
      logprobs: {
        content: [{ token: 'Hi', logprob: -0.1, bytes: [72, 105], top_logprobs: [] }],
        refusal: null,
      },
      finish_reason: 'stop',
    },
    {
      index: 1,
      message: { role: 'assistant', content: null, refusal: 'I cannot help with that.', annotations: [] },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
};

describe('chatCompletionToSse', () => {
  it('renders role, content, finish, usage and [DONE] chunks in the provider order', () => {
    const events = parseSse(chatCompletionToSse(TEXT));
    expect(events.at(-1)?.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as Json);
    expect(chunks.map((c) => c.object)).toEqual(chunks.map(() => 'chat.completion.chunk'));
    expect(chunks.map((c) => c.id)).toEqual(chunks.map(() => TEXT.id));
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(chunks[1].choices[0].delta).toEqual({ content: 'The capital of France is Paris.' });
    expect(chunks[2].choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(chunks[3]).toMatchObject({ choices: [], usage: TEXT.usage });
    expect(chunks).toHaveLength(4);
  });

  it('streams each tool call as a start delta with id and name, then its arguments', () => {
    const chunks = parseSse(chatCompletionToSse(TOOLS))
      .slice(0, -1)
      .map((e) => JSON.parse(e.data) as Json);
    const call = TOOLS.choices[0].message.tool_calls[0];
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: null, refusal: null });
    expect(chunks[1].choices[0].delta.tool_calls).toEqual([
      { index: 0, id: call.id, type: 'function', function: { name: 'get_weather', arguments: '' } },
    ]);
    expect(chunks[2].choices[0].delta.tool_calls).toEqual([
      { index: 0, function: { arguments: call.function.arguments } },
    ]);
    expect(chunks[3].choices[0].finish_reason).toBe('tool_calls');
  });

  it('omits the usage chunk when the answer has no usage', () => {
    const { usage: _usage, ...body } = TEXT;
    const chunks = parseSse(chatCompletionToSse(body)).slice(0, -1);
    expect(chunks.map((e) => (JSON.parse(e.data) as Json).choices.length)).toEqual([1, 1, 1]);
  });

  it('rejects a body that is not a chat completion', () => {
    expect(() => chatCompletionToSse({ type: 'message', content: [] })).toThrow(TypeError);
    expect(() => chatCompletionToSse(null)).toThrow(/chat.completion/);
  });
});

describe('chatCompletionFromSse', () => {
  it('assembles the streamed fixture into the answer the JSON endpoint gives', () => {
    const assembled = chatCompletionFromSse(parseSse(fixtureText('openai/chat-completion.stream.sse')));
    expect(assembled).toEqual({
      ...TEXT,
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      created: 1741570283,
    });
  });

  it('concatenates tool call arguments by index', () => {
    expect(TOOLS.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        annotations: [],
        tool_calls: [
          {
            id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' },
          },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
  });

  it('keeps interleaved choices, refusals and logprobs apart', () => {
    const a = (content: string, logprob: number): Json => ({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [
        {
          index: 0,
          delta: { content },
          logprobs: { content: [{ token: content, logprob }], refusal: null },
          finish_reason: null,
        },
        { index: 1, delta: { content: content.toUpperCase() }, logprobs: null, finish_reason: null },
      ],
    });
    const text =
      [a('x', -1), a('y', -2)].map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
    const assembled = chatCompletionFromSse(parseSse(text)) as Json;
    expect(assembled.choices.map((c: Json) => c.message.content)).toEqual(['xy', 'XY']);
    expect(assembled.choices[0].logprobs.content.map((t: Json) => t.logprob)).toEqual([-1, -2]);
    expect(assembled.usage).toBeUndefined();
  });

  it('takes id and model from the first chunk that has them (Azure opens with an empty one)', () => {
    const azureFirst = {
      id: '',
      object: '',
      created: 0,
      model: '',
      choices: [],
      prompt_filter_results: [{ prompt_index: 0 }],
    };
    const text = `data: ${JSON.stringify(azureFirst)}\n\n${chatCompletionToSse(TEXT)}`;
    const assembled = chatCompletionFromSse(parseSse(text)) as Json;
    expect(assembled.id).toBe(TEXT.id);
    expect(assembled.model).toBe(TEXT.model);
    expect(assembled.prompt_filter_results).toEqual([{ prompt_index: 0 }]);
  });

  it('round-trips several choices with logprobs and a refusal', () => {
    expect(chatCompletionFromSse(parseSse(chatCompletionToSse(LOGPROBS_AND_CHOICES)))).toEqual(
      LOGPROBS_AND_CHOICES,
    );
  });
});

describe('the official openai client reading chatCompletionToSse output', () => {
  let body = '';
  let server: SseServer;
  let client: OpenAI;

  beforeAll(async () => {
    server = await startSseServer(() => body);
    client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => server.close());

  eachServedAnswer(
    'assembles %s into the original completion',
    [
      ['a text answer', TEXT],
      ['a tool call', TOOLS],
      ['several choices with logprobs and a refusal', LOGPROBS_AND_CHOICES],
    ],
    (original) => {
      body = chatCompletionToSse(original);
    },
    async (original) => {
      const final = (await server.oneRequest(() =>
        client.chat.completions
          .stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
          .finalChatCompletion(),
      )) as unknown as Json;
      expect(final.id).toBe(original.id);
      expect(final.model).toBe(original.model);
      expect(final.created).toBe(original.created);
      expect(final.usage).toEqual(original.usage);
      expect(final.choices).toHaveLength(original.choices.length);
      original.choices.forEach((choice: Json, i: number) => {
        const got = final.choices[i];
        expect(got.finish_reason).toBe(choice.finish_reason);
        expect(got.message.role).toBe(choice.message.role);
        expect(got.message.content).toBe(choice.message.content);
        expect(got.message.refusal).toBe(choice.message.refusal);
        expect(got.logprobs ?? null).toEqual(choice.logprobs);
        // The SDK adds parsed_arguments to each call; the wire fields must match the original.
        const calls = (got.message.tool_calls ?? []).map((c: Json) => ({
          id: c.id,
          type: c.type,
          function: { name: c.function.name, arguments: c.function.arguments },
        }));
        expect(calls).toEqual(choice.message.tool_calls ?? []);
      });
    },
  );

  it('yields every chunk through create({ stream: true })', async () => {
    body = chatCompletionToSse(TEXT);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(TEXT.choices[0].message.content);
    expect(usage).toEqual(TEXT.usage);
  });
});
