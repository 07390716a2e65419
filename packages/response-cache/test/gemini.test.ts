import { parseSse } from '@gatecache/providers';
import { rawRequest, until } from './helpers/gateway';
import { useGateways } from './helpers/harness';
import { fixture, fixtureJson } from './helpers/upstream';

// Gemini's generateContent and its `streamGenerateContent?alt=sse` stream are one answer in two wire formats:
// one entry serves both, by conversion, as for OpenAI chat and Anthropic messages.

const h = useGateways();
const body = fixtureJson('gemini/generateContent.request.json');
const headers = { 'x-goog-api-key': 'AIza-test-1' };
const MODEL = '/v1beta/models/gemini-2.0-flash';

describe('Gemini generateContent through the response cache', () => {
  it('answers a JSON request from a stored stream, with one upstream call', async () => {
    const gw = await h.gateway();
    const streamed = await rawRequest(`${gw.url}${MODEL}:streamGenerateContent?alt=sse`, { body, headers });
    expect(streamed.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(streamed.body).toBe(fixture('gemini/streamGenerateContent.sse'));
    await until(() => gw.mw.stats().stored === 1);

    const json = await rawRequest(`${gw.url}${MODEL}:generateContent`, { body, headers });
    expect(json.headers['x-cache']).toBe('HIT');
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(json.body)).toEqual({
      candidates: [
        {
          content: { parts: [{ text: 'The capital of France is Paris.\n' }], role: 'model' },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 8, totalTokenCount: 16 },
      modelVersion: 'gemini-2.0-flash',
      responseId: 'e7XJaPzsKfOAmNAPh9C0oQw',
    });
    expect(h.upstream.calls).toBe(1);
  });

  it('answers a stream request from a stored JSON answer, with one upstream call', async () => {
    const gw = await h.gateway();
    const json = await rawRequest(`${gw.url}${MODEL}:generateContent`, { body, headers });
    expect(json.body).toBe(fixture('gemini/generateContent.response.json'));
    await until(() => gw.mw.stats().stored === 1);

    const streamed = await rawRequest(`${gw.url}${MODEL}:streamGenerateContent?alt=sse`, { body, headers });
    expect(streamed.headers['x-cache']).toBe('HIT');
    expect(streamed.headers['content-type']).toMatch(/^text\/event-stream/);
    const chunks = parseSse(streamed.body).map((e) => JSON.parse(e.data) as { candidates: unknown[] });
    expect(chunks.at(-1)).toMatchObject({
      candidates: [
        { content: { parts: [{ text: 'The capital of France is Paris.\n' }] }, finishReason: 'STOP' },
      ],
      responseId: 'e7XJaPzsKfOAmNAPh9C0oQw',
    });
    expect(h.upstream.calls).toBe(1);
  });

  it('keeps the JSON-array stream (no alt=sse) apart: another wire shape', async () => {
    const gw = await h.gateway();
    await rawRequest(`${gw.url}${MODEL}:generateContent`, { body, headers });
    await until(() => gw.mw.stats().stored === 1);
    const array = await rawRequest(`${gw.url}${MODEL}:streamGenerateContent`, { body, headers });
    expect(array.headers['x-cache']).toBe('MISS');
    expect(h.upstream.calls).toBe(2);
  });
});
