import { rawRequest, until } from './helpers/gateway';
import { useGateways } from './helpers/harness';
import { fixture, sendSse } from './helpers/upstream';

// What a hit writes: the stored bytes and provider headers as they came, converted between JSON and SSE
// only where the route has a converter (middleware.test.ts covers the conversions).

const h = useGateways();

describe('a hit', () => {
  it('answers with the stored bytes and the provider headers that were stored', async () => {
    const gw = await h.gateway();
    const miss = await h.chat(gw);
    await until(() => gw.mw.stats().stored === 1);
    const hit = await h.chat(gw);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.raw.equals(miss.raw)).toBe(true);
    expect(hit.body).toBe(fixture('openai/chat-completion.response.json'));
    expect(hit.headers['x-request-id']).toBe('req_fixture');
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.headers['content-length']).toBe(String(miss.raw.length));
  });

  it('is a miss when the entry is a stream and the JSON request has no converter from it', async () => {
    const gw = await h.gateway();
    const url = `${gw.url}/v1/completions`;
    const headers = { authorization: 'Bearer sk-test-1' };
    const body = { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi', temperature: 0 };
    // An upstream that streams an answer to a JSON request: stored as a stream, which this route cannot convert.
    h.upstream.override = (_req, res) =>
      sendSse(
        res,
        'data: {"id":"cmpl-1","object":"text_completion","choices":[{"text":"hi","index":0,"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
      );
    const first = await rawRequest(url, { body, headers });
    expect(first.headers['content-type']).toMatch(/^text\/event-stream/);
    await until(() => gw.mw.stats().stored === 1);
    const again = await rawRequest(url, { body, headers });
    expect(again.headers['x-cache']).toBe('MISS');
    expect(h.upstream.calls).toBe(2);
  });
});
