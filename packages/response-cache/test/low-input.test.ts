// Issue 15 item 11 over real HTTP: error bodies under 200, request bodies whose bytes mean more than their
// parsed value, and followers of an upstream call that hangs.
import { send } from '@gatecache/test-kit';
import type { Answer } from '@gatecache/test-kit';
import { rawRequest, until } from './helpers/gateway';
import { useGateways } from './helpers/harness';
import { fixture, fixtureJson, sendJson, sendSse } from './helpers/upstream';

const chatRequest = fixtureJson('openai/chat-completion.request.json');
const chatStream = fixture('openai/chat-completion.stream.sse');
const AUTH = { authorization: 'Bearer sk-test-low' };
const URL_PATH = '/v1/chat/completions';

const h = useGateways();
const gateway = h.gateway;

/** POSTs exact bytes (on a new connection). */
function postBytes(url: string, bytes: Buffer): Promise<Answer> {
  return send(url, url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...AUTH },
    body: bytes,
  });
}

describe('2xx answers that are errors', () => {
  it.each([
    ['an error member', { error: { message: 'overloaded', type: 'server_error' } }],
    [
      'vLLM object: error',
      { object: 'error', message: 'out of memory', type: 'InternalServerError', code: 500 },
    ],
    [
      'an Anthropic-style error',
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    ],
  ])('passes a 200 JSON body with %s to the client and never stores it', async (_name, body) => {
    const gw = await gateway();
    h.upstream.override = (_req, res) => sendJson(res, 200, body);
    const first = await rawRequest(`${gw.url}${URL_PATH}`, { body: chatRequest, headers: AUTH });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual(body);
    await until(() => gw.mw.stats().notStored === 1);
    const again = await rawRequest(`${gw.url}${URL_PATH}`, { body: chatRequest, headers: AUTH });
    expect(again.headers['x-cache']).toBe('MISS');
    expect(h.upstream.calls).toBe(2);
    expect(gw.mw.stats().stored).toBe(0);
  });

  it('never stores a 200 stream that carries {"object":"error"} before [DONE]', async () => {
    const gw = await gateway();
    const reasons: string[] = [];
    gw.mw.events.on('not-stored', (e: { reason: string }) => reasons.push(e.reason));
    const first = chatStream.slice(0, chatStream.indexOf('\n\n') + 2);
    h.upstream.override = (_req, res) =>
      sendSse(res, `${first}data: {"object":"error","message":"engine died","code":500}\n\ndata: [DONE]\n\n`);
    const body = { ...chatRequest, stream: true };
    await rawRequest(`${gw.url}${URL_PATH}`, { body, headers: AUTH });
    await until(() => reasons.length === 1);
    expect(reasons).toEqual(['error event in stream']);
    const again = await rawRequest(`${gw.url}${URL_PATH}`, { body, headers: AUTH });
    expect(again.headers['x-cache']).toBe('MISS');
  });
});

describe('request bodies whose bytes mean more than their parsed value', () => {
  it('passes a body that is not valid UTF-8 through uncached, saying why', async () => {
    const gw = await gateway();
    const body = (bad: number[]): Buffer =>
      Buffer.concat([
        Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x'),
        Buffer.from(bad),
        Buffer.from('"}]}'),
      ]);
    // Both decode to the same U+FFFD: keyed on the decoded text they would share an entry.
    for (const bad of [[0xff], [0xfe], [0xff]]) {
      const res = await postBytes(`${gw.url}${URL_PATH}`, body(bad));
      expect(res.status).toBe(200);
      expect(res.headers['x-cache']).toBe('BYPASS');
      expect(res.headers['cache-status']).toBe('gatecache; fwd=bypass; detail=invalid-utf8');
    }
    expect(h.upstream.calls).toBe(3);
    expect(gw.mw.stats().stored).toBe(0);
  });

  it('passes a body the keyer cannot key through uncached, as a bypass and not an error', async () => {
    const gw = await gateway();
    const variants = [
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"temperature":1e999}',
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"logit_bias":{"1":-1e400}}',
    ];
    for (const text of variants) {
      const res = await postBytes(`${gw.url}${URL_PATH}`, Buffer.from(text));
      expect(res.status).toBe(200);
      expect(res.headers['cache-status']).toBe('gatecache; fwd=bypass; detail=unkeyable');
      expect(h.upstream.requests.at(-1)!.body).toBe(text);
    }
    expect(gw.mw.stats()).toMatchObject({ errors: 0, bypassed: 2, stored: 0 });
  });

  it('passes a body with a duplicate member name (at any depth) through uncached, saying why', async () => {
    const gw = await gateway();
    const variants = [
      '{"model":"gpt-4o-mini","model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}',
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"a","content":"b"}]}',
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"temperature":0,"\\u0074emperature":1}',
    ];
    for (const text of variants) {
      const res = await postBytes(`${gw.url}${URL_PATH}`, Buffer.from(text));
      expect(res.headers['cache-status']).toBe('gatecache; fwd=bypass; detail=duplicate-keys');
      // The provider got the bytes as sent.
      expect(h.upstream.requests.at(-1)!.body).toBe(text);
    }
    // The same meaning without duplicates is cached as usual.
    const clean = Buffer.from('{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}');
    await postBytes(`${gw.url}${URL_PATH}`, clean);
    await until(() => gw.mw.stats().stored === 1);
    expect((await postBytes(`${gw.url}${URL_PATH}`, clean)).headers['x-cache']).toBe('HIT');
  });
});

describe('followers of an upstream call that hangs', () => {
  it('answers followers 504 after followerWaitMs when the proxy has no upstream timeout', async () => {
    const gw = await gateway({ middleware: { timeouts: { followerWaitMs: 300 } } });
    let release: () => void = () => undefined;
    h.upstream.override = async (_req, res) => {
      await new Promise<void>((r) => (release = r));
      sendJson(res, 200, fixtureJson('openai/chat-completion.response.json'));
    };
    const leader = rawRequest(`${gw.url}${URL_PATH}`, { body: chatRequest, headers: AUTH });
    await until(() => h.upstream.calls === 1);
    const followers = await Promise.all(
      Array.from({ length: 3 }, () =>
        rawRequest(`${gw.url}${URL_PATH}`, { body: chatRequest, headers: AUTH }),
      ),
    );
    for (const f of followers) {
      expect(f.status).toBe(504);
      expect(f.headers['cache-status']).toBe('gatecache; fwd=miss; collapsed; detail=follower-timeout');
      expect(JSON.parse(f.body).error.type).toBe('upstream_timeout');
    }
    expect(h.upstream.calls).toBe(1);
    release();
    expect((await leader).status).toBe(200);
  });

  it('passes the proxy timeout (504 from http-proxy-middleware) to the leader and every follower, storing nothing', async () => {
    const gw = await gateway({ proxyTimeout: 300 });
    h.upstream.override = () => new Promise<void>(() => undefined);
    const all = await Promise.all(
      Array.from({ length: 4 }, () =>
        rawRequest(`${gw.url}${URL_PATH}`, { body: chatRequest, headers: AUTH }),
      ),
    );
    expect(all.map((a) => a.status)).toEqual([504, 504, 504, 504]);
    expect(h.upstream.calls).toBe(1);
    expect(gw.mw.stats().stored).toBe(0);
  });
});
