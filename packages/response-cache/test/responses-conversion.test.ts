// The Responses API through the cache with the official SDK: one entry serves a stream and a JSON request.
import OpenAI from 'openai';
import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import { startGateway, type Gateway } from './helpers/gateway';
import { fixture, fixtureJson, sendJson, startUpstream, type Upstream } from './helpers/upstream';

const REQUEST = fixtureJson<ResponseCreateParamsNonStreaming>('openai/responses.request.json');
const STREAM = fixture('openai/responses-reasoning-tools.stream.sse');
const ANSWER = fixtureJson('openai/responses.response.json');

let upstream: Upstream;
let gw: Gateway;
let client: OpenAI;

beforeEach(async () => {
  upstream = await startUpstream();
  // The provider answers a stream request with the reasoning + tool stream, a JSON request with the text answer.
  upstream.override = (req, res) => {
    if ((JSON.parse(req.body) as { stream?: boolean }).stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(STREAM);
    } else sendJson(res, 200, ANSWER);
  };
  gw = await startGateway({ upstream: upstream.url, handler: 'hpm' });
  client = new OpenAI({ apiKey: 'sk-test-1', baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterEach(async () => {
  await gw.close();
  await upstream.close();
});

it('answers a JSON request from a stored stream, reasoning and function call intact', async () => {
  const stream = await client.responses.create({ ...REQUEST, stream: true });
  const types: string[] = [];
  for await (const event of stream) types.push(event.type);
  expect(types.at(-1)).toBe('response.completed');
  const json = await client.responses.create(REQUEST);
  expect(json.output.map((item) => item.type)).toEqual(['reasoning', 'function_call']);
  expect(json.output[1]).toMatchObject({ name: 'get_weather', arguments: '{"location":"Paris, France"}' });
  expect(upstream.calls).toBe(1);
});

it('answers a stream request from a stored JSON answer', async () => {
  const json = await client.responses.create(REQUEST);
  const { stream: _stream, ...asked } = REQUEST;
  const streamed = await client.responses.stream(asked).finalResponse();
  expect(streamed.id).toBe(json.id);
  expect(streamed.output_text).toBe('The capital of France is Paris.');
  expect(streamed.usage).toEqual(json.usage);
  expect(upstream.calls).toBe(1);
});
