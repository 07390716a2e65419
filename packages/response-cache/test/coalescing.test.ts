import { gzipSync } from 'node:zlib';
import { createCache, memoryStore } from '@gatecache/core';
import type { Store } from '@gatecache/core';
import { clockedCache } from './helpers/clock';
import { until } from './helpers/gateway';
import {
  AUTH,
  CHAT_PATH,
  chatAnswer,
  chatRequest,
  chatStream,
  endlessStream,
  gate,
  leaving,
  sleep,
  streamRequest,
  useGateways,
} from './helpers/harness';
import { fixture, sendJson, sendSse } from './helpers/upstream';

// Identical requests in flight at once share one upstream call: what each follower gets when the call
// streams, fails, is cut, or is answered from a stale entry, and when a follower or the leader leaves.

const h = useGateways();

/** A memory tier whose writes wait until `open()`: an answer stays between its end and its storing. */
function heldStore(): { store: Store; open: () => void } {
  const inner = memoryStore();
  const held = gate();
  const store = new Proxy(inner, {
    get(target, name, receiver) {
      if (name === 'set')
        return async (...args: Parameters<Store['set']>) => {
          await held.wait;
          return target.set(...args);
        };
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, open: held.open };
}

describe('followers of one upstream call', () => {
  it('get the whole answer when they come after it ended, while it is being stored', async () => {
    const { store, open } = heldStore();
    const gw = await h.gateway({ cache: createCache({ tiers: [store] }) });
    const first = await h.chat(gw, streamRequest);
    expect(first.body).toBe(chatStream);
    const late = await h.chat(gw, streamRequest);
    expect(late.headers['cache-status']).toBe('gatecache; fwd=miss; collapsed');
    expect(late.body).toBe(chatStream);
    expect(h.upstream.calls).toBe(1);
    open();
    await until(() => gw.mw.stats().stored === 1);
  });

  it('keep getting the stream when another follower hangs up mid-stream', async () => {
    const gw = await h.gateway();
    const held = gate();
    h.upstream.override = async (_req, res) => {
      await held.wait;
      await sendSse(res, chatStream, { delayMs: 20 });
    };
    const leader = h.chat(gw, streamRequest);
    await until(() => h.upstream.calls === 1);
    const quitter = leaving(`${gw.url}${CHAT_PATH}`, streamRequest, AUTH, 1);
    const stayer = h.chat(gw, streamRequest);
    await until(() => gw.mw.stats().waiting === 2);
    held.open();
    await quitter.gone;
    for (const a of [await leader, await stayer]) {
      expect(a.aborted).toBe(false);
      expect(a.body).toBe(chatStream);
    }
    await until(() => gw.mw.stats().stored === 1);
    expect(h.upstream.calls).toBe(1);
  });

  it('count as coalesced, served without an upstream call, with the tokens the call cost each saved', async () => {
    const gw = await h.gateway();
    const held = gate();
    h.upstream.override = async (_req, res) => {
      await held.wait;
      sendJson(res, 200, fixture('openai/chat-completion.response.json'));
    };
    const all = Array.from({ length: 20 }, () => h.chat(gw));
    await until(() => gw.mw.stats().waiting === 19);
    held.open();
    const answers = await Promise.all(all);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(h.upstream.calls).toBe(1);
    await until(() => gw.mw.stats().stored === 1);
    const { usage } = chatAnswer as { usage: { prompt_tokens: number; completion_tokens: number } };
    expect(gw.mw.stats()).toMatchObject({
      requests: 20,
      misses: 1,
      collapsed: 19,
      waiting: 0,
      saved: { hits: 19, inputTokens: 19 * usage.prompt_tokens, outputTokens: 19 * usage.completion_tokens },
    });
  });

  it('each end with an error event when the upstream cuts the stream, and nothing is stored', async () => {
    const gw = await h.gateway();
    const held = gate();
    h.upstream.override = async (_req, res) => {
      await held.wait;
      await sendSse(res, chatStream, { abortAfter: 3, delayMs: 5 });
    };
    const all = [1, 2, 3].map(() => h.chat(gw, streamRequest));
    await until(() => gw.mw.stats().waiting === 2);
    held.open();
    for (const a of await Promise.all(all)) {
      expect(a.status).toBe(200);
      expect(a.body).toContain('"content":"The"');
      expect(a.body).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"upstream_error"/);
      expect(a.body).not.toContain('[DONE]');
      // The head left before the cut: it never claimed the answer would be stored.
      expect(a.headers['cache-status']).not.toMatch(/stored/);
    }
    expect(h.upstream.calls).toBe(1);
    expect(gw.mw.stats().stored).toBe(0);
  });

  it('are each served the stale entry when the upstream fails, without its headers', async () => {
    const { cache, clock } = clockedCache({ response: { ttl: 10, staleIfError: 60 } });
    const gw = await h.gateway({ cache });
    await h.chat(gw);
    await until(() => gw.mw.stats().stored === 1);
    clock.advance(20_000);
    const held = gate();
    h.upstream.override = async (_req, res) => {
      await held.wait;
      sendJson(res, 503, fixture('openai/error-500.json'), { 'x-upstream-error': 'overloaded' });
    };
    const all = [1, 2, 3].map(() => h.chat(gw));
    await until(() => gw.mw.stats().waiting === 2);
    held.open();
    for (const a of await Promise.all(all)) {
      expect(a.status).toBe(200);
      expect(JSON.parse(a.body)).toEqual(chatAnswer);
      expect(a.headers['x-cache']).toBe('STALE');
      expect(a.headers['cache-status']).toBe(
        'gatecache; fwd=stale; fwd-status=503; ttl=-10; detail=stale-if-error',
      );
      expect(a.headers['x-upstream-error']).toBeUndefined();
    }
    expect(h.upstream.calls).toBe(2);
  });
});

describe('an upstream call whose leader left', () => {
  it('is cut when its last follower leaves too, with drainAfterCloseMs: 0', async () => {
    const gw = await h.gateway({ middleware: { timeouts: { drainAfterCloseMs: 0 } } });
    const stream = endlessStream(h.upstream);
    let cut = false;
    void stream.cut.then(() => (cut = true));
    const url = `${gw.url}${CHAT_PATH}`;
    const leader = leaving(url, streamRequest, AUTH);
    await until(() => h.upstream.calls === 1);
    const follower = leaving(url, streamRequest, AUTH);
    await until(() => gw.mw.stats().waiting === 1 && stream.sent() > 0);
    leader.hangUp();
    // The follower still reads: the call goes on for it.
    await sleep(100);
    expect(cut).toBe(false);
    follower.hangUp();
    const goneAt = Date.now();
    expect((await stream.cut) - goneAt).toBeLessThan(3000);
    expect(gw.mw.stats().stored).toBe(0);
  });
});

describe('a follower whose Accept-Encoding differs from the leader gzip answer', () => {
  it.each([
    ['*', true],
    ['deflate, GZIP', true],
    ['gzip;q=0.5', true],
    ['gzip;q=0, br', false],
    ['deflate', false],
    [undefined, false],
  ])('joins the call or goes upstream alone (Accept-Encoding: %s, joins: %s)', async (accept, joins) => {
    const gw = await h.gateway();
    const held = gate();
    h.upstream.override = async (_req, res) => {
      const leads = h.upstream.calls === 1;
      await (leads ? held.wait : undefined);
      if (!leads) return sendJson(res, 200, chatAnswer);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(chatAnswer)));
    };
    const zipped = h.chat(gw, chatRequest, { 'accept-encoding': 'gzip' });
    await until(() => h.upstream.calls === 1);
    const follower = h.chat(gw, chatRequest, accept === undefined ? {} : { 'accept-encoding': accept });
    await until(() => gw.mw.stats().requests === 2);
    await sleep(20);
    held.open();
    const [z, f] = await Promise.all([zipped, follower]);
    expect(z.headers['content-encoding']).toBe('gzip');
    expect(h.upstream.calls).toBe(joins ? 1 : 2);
    if (joins) {
      expect(f.headers['cache-status']).toBe('gatecache; fwd=miss; collapsed');
      expect(f.headers['content-encoding']).toBe('gzip');
    } else {
      expect(f.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(f.body)).toEqual(chatAnswer);
    }
  });
});
