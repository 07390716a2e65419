import OpenAI from 'openai';
import { responseFromSse, responseToSse } from '../src/sse/openai-responses';
import { parseSse, streamOutcome } from '../src/sse';
import {
  OPENAI_RESPONSES,
  fixtureJson,
  fixtureText,
  startSseServer,
  type SseServer,
  eachServedAnswer,
} from './fixtures';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TEXT = fixtureJson('openai/responses.response.json') as Json;
const STREAM = fixtureText('openai/responses-reasoning-tools.stream.sse');
const TOOLS = responseFromSse(parseSse(STREAM)) as Json;

// Fields the SDK adds to what it parses (output_text, parsed JSON); not on the wire.
const SDK_FIELDS = new Set(['output_text', 'output_parsed', 'parsed', 'parsed_arguments']);
const withoutSdkFields = (value: unknown): Json =>
  JSON.parse(JSON.stringify(value, (k, v: unknown) => (SDK_FIELDS.has(k) ? undefined : v))) as Json;

const payloads = (sse: string): Json[] => parseSse(sse).map((e) => JSON.parse(e.data) as Json);

/** Every kind of output item the converter renders part by part, plus one it passes whole. */
const MIXED: Json = {
  ...TEXT,
  id: 'resp_mixed',
  output: [
    {
      id: 'rs_1',
      type: 'reasoning',
      summary: [
        { type: 'summary_text', text: 'First thought.' },
        { type: 'summary_text', text: 'Second thought.' },
      ],
      content: [{ type: 'reasoning_text', text: 'raw chain of thought' }],
    },
    {
      id: 'ws_1',
      type: 'web_search_call',
      status: 'completed',
      action: { type: 'search', query: 'paris weather' },
    },
    {
      id: 'msg_1',
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [
        {
          type: 'output_text',
          text: 'Paris is sunny [1].',
          annotations: [
            { type: 'url_citation', start_index: 15, end_index: 18, url: 'https://x', title: 'X' },
          ],
          logprobs: [{ token: 'Paris', logprob: -0.01, bytes: [80], top_logprobs: [] }],
        },
        { type: 'refusal', refusal: 'I will not say more.' },
      ],
    },
    { id: 'ctc_1', type: 'custom_tool_call', call_id: 'call_c', name: 'sql', input: 'SELECT 1' },
    {
      id: 'fc_1',
      type: 'function_call',
      status: 'completed',
      call_id: 'call_f',
      name: 'get_weather',
      arguments: '{"location":"Paris"}',
    },
  ],
};

describe('responseToSse', () => {
  it('renders a text answer as the provider event sequence, numbered from 0', () => {
    const events = parseSse(responseToSse(TEXT));
    const data = events.map((e) => JSON.parse(e.data) as Json);
    expect(data.map((d) => d.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.event)).toEqual(data.map((d) => d.type));
    expect(data.map((d) => d.sequence_number)).toEqual(data.map((_, i) => i));
    expect(data[0].response).toMatchObject({ id: TEXT.id, status: 'in_progress', output: [], usage: null });
    expect(data[2].item).toMatchObject({ type: 'message', status: 'in_progress', content: [] });
    expect(data[3].part).toEqual({ type: 'output_text', annotations: [], logprobs: [], text: '' });
    expect(data[4]).toMatchObject({ item_id: TEXT.output[0].id, output_index: 0, content_index: 0 });
    expect(data[4].delta).toBe('The capital of France is Paris.');
    expect(data.at(-1)?.response).toEqual(TEXT);
  });

  it('renumbers a stream it re-renders: same events as the provider sent, deltas joined', () => {
    const original = payloads(STREAM);
    const rendered = payloads(responseToSse(TOOLS));
    const collapse = (types: string[]): string[] =>
      types.filter((t, i) => !t.endsWith('.delta') || types[i + 1] !== t);
    expect(rendered.map((d) => d.type)).toEqual(collapse(original.map((d) => d.type)));
    expect(rendered.map((d) => d.sequence_number)).toEqual(rendered.map((_, i) => i));
    expect(original.length).toBeGreaterThan(rendered.length);
  });

  it('streams reasoning summaries and function-call arguments with the item ids', () => {
    const data = payloads(responseToSse(TOOLS));
    const [reasoning, call] = TOOLS.output as Json[];
    const find = (type: string): Json => data.find((d) => d.type === type) as Json;
    expect(find('response.output_item.added').item).toEqual({ ...reasoning, summary: [] });
    expect(find('response.reasoning_summary_text.delta')).toMatchObject({
      item_id: reasoning.id,
      summary_index: 0,
      delta: reasoning.summary[0].text,
    });
    expect(find('response.function_call_arguments.done')).toMatchObject({
      item_id: call.id,
      output_index: 1,
      name: 'get_weather',
      arguments: '{"location":"Paris, France"}',
    });
    const addedCall = data.filter((d) => d.type === 'response.output_item.added')[1];
    expect(addedCall.item).toEqual({ ...call, status: 'in_progress', arguments: '' });
  });

  it('ends an incomplete answer with response.incomplete, which a stream counts as complete', () => {
    const cut = { ...TEXT, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
    const events = parseSse(responseToSse(cut));
    expect(events.at(-1)?.event).toBe('response.incomplete');
    expect(streamOutcome(OPENAI_RESPONSES, events.at(-1)!)).toBe('complete');
    expect((JSON.parse(events[0].data) as Json).response.incomplete_details).toBeNull();
    expect(responseFromSse(events)).toEqual(cut);
  });

  it('refuses bodies that are not a finished response', () => {
    expect(() => responseToSse({ object: 'chat.completion', choices: [] })).toThrow(TypeError);
    expect(() => responseToSse({ ...TEXT, status: 'queued' })).toThrow(/"queued"/);
    expect(() => responseToSse({ ...TEXT, status: 'failed' })).toThrow(/no stream/);
  });
});

describe('responseFromSse', () => {
  it('takes the final response of the provider stream, reasoning and function call included', () => {
    const last = payloads(STREAM).at(-1) as Json;
    expect(TOOLS).toEqual(last.response);
    expect(TOOLS.output.map((item: Json) => item.type)).toEqual(['reasoning', 'function_call']);
  });

  it.each([
    ['a text answer', TEXT],
    ['reasoning and a function call', TOOLS],
    ['every item kind, annotations, logprobs and a refusal', MIXED],
  ])('round-trips %s', (_name, original) => {
    expect(responseFromSse(parseSse(responseToSse(original)))).toEqual(original);
  });

  it('fills the output from output_item.done when the final event carries none', () => {
    const events = payloads(responseToSse(MIXED));
    events[events.length - 1] = { ...events.at(-1), response: { ...MIXED, output: [] } };
    const sse = events.map((d) => `event: ${d.type}\ndata: ${JSON.stringify(d)}\n\n`).join('');
    expect(responseFromSse(parseSse(sse))).toEqual(MIXED);
  });

  it('refuses a failed stream and one with no final event', () => {
    const failed = `event: response.failed\ndata: ${JSON.stringify({ type: 'response.failed', response: { ...TEXT, status: 'failed' } })}\n\n`;
    expect(() => responseFromSse(parseSse(failed))).toThrow(/failed/);
    const error = `event: error\ndata: {"type":"error","code":"server_error","message":"boom"}\n\n`;
    expect(() =>
      responseFromSse(parseSse(responseToSse(TEXT).replace(/event: response.completed[^]*$/, error))),
    ).toThrow(TypeError);
    const cut = parseSse(STREAM).slice(0, -1);
    expect(() => responseFromSse(cut)).toThrow(/no response.completed/);
  });
});

describe('the official openai client reading converted Responses answers', () => {
  let body = '';
  let sse: SseServer;
  let json: SseServer;
  let streamClient: OpenAI;
  let jsonClient: OpenAI;

  beforeAll(async () => {
    sse = await startSseServer(() => body);
    json = await startSseServer(() => body, 'application/json');
    streamClient = new OpenAI({ apiKey: 'sk-test', baseURL: `${sse.url}/v1`, maxRetries: 0 });
    jsonClient = new OpenAI({ apiKey: 'sk-test', baseURL: `${json.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => Promise.all([sse.close(), json.close()]));

  eachServedAnswer(
    'accumulates %s from create({ stream: true }) into the original',
    [
      ['a text answer', TEXT],
      ['reasoning and a function call', TOOLS],
      ['every item kind', MIXED],
    ],
    (original) => {
      body = responseToSse(original);
    },
    async (original) => {
      const stream = await streamClient.responses.create({
        model: 'gpt-4.1-mini',
        input: 'hi',
        stream: true,
      });
      const types: string[] = [];
      let completed: Json | undefined;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'response.completed') completed = event.response as unknown as Json;
      }
      expect(types[0]).toBe('response.created');
      expect(completed).toEqual(original);
      // Without the final event, the SDK's answer is what its own accumulator built from the deltas (it checks
      // every index and part type as it goes).
      body = parseSse(responseToSse(original))
        .slice(0, -1)
        .map((e) => e.raw)
        .join('');
      const built = await streamClient.responses
        .stream({ model: 'gpt-4.1-mini', input: 'hi' })
        .finalResponse();
      expect(withoutSdkFields(built).output).toEqual(original.output);
    },
  );

  it('parses the JSON assembled from the provider stream as a non-streamed answer', async () => {
    body = JSON.stringify(responseFromSse(parseSse(STREAM)));
    const response = await jsonClient.responses.create({ model: 'o4-mini', input: 'weather in Paris?' });
    expect(response.id).toBe(TOOLS.id);
    const call = response.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ name: 'get_weather', arguments: '{"location":"Paris, France"}' });
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBe(128);
  });
});
