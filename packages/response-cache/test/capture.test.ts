import type { RequestHandler } from 'express';
import { until } from './helpers/gateway';
import { AUTH, CHAT_PATH, chatAnswer, leaving, useGateways } from './helpers/harness';

// How the middleware sees a handler that answers by itself (no proxy): whatever way it writes its head and
// body, the client gets them unchanged and the cache stores what the client got.

const h = useGateways();
const answerText = JSON.stringify(chatAnswer);

describe('an answer written by the handler itself', () => {
  const ways: [string, RequestHandler][] = [
    [
      'setHeader, writeHead, write and end',
      (_req, res) => {
        res.setHeader('x-request-id', 'req_own');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(answerText.slice(0, 20));
        res.end(Buffer.from(answerText.slice(20)));
      },
    ],
    [
      'res.json (a head implied by end)',
      (_req, res) => {
        res.setHeader('x-request-id', 'req_own');
        res.json(chatAnswer);
      },
    ],
  ];

  it.each(ways)('reaches the client unchanged and is stored (%s)', async (_way, handler) => {
    const gw = await h.gateway({ handler });
    const miss = await h.chat(gw);
    expect(miss.status).toBe(200);
    expect(miss.body).toBe(answerText);
    expect(miss.headers['x-request-id']).toBe('req_own');
    expect(miss.headers['content-type']).toMatch(/^application\/json/);
    expect(miss.headers['cache-status']).toBe('gatecache; fwd=miss');
    await until(() => gw.mw.stats().stored === 1);
    const hit = await h.chat(gw);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toBe(answerText);
    expect(hit.headers['x-request-id']).toBe('req_own');
  });

  it('keeps the Content-Length of an implied head', async () => {
    const gw = await h.gateway({ handler: (_req, res) => void res.json(chatAnswer) });
    const miss = await h.chat(gw);
    expect(miss.headers['content-length']).toBe(String(Buffer.byteLength(answerText)));
  });

  it('is given up, unstored, when its client leaves and nobody else wants it (no piped source)', async () => {
    let handlerSawClose = false;
    const gw = await h.gateway({
      middleware: { timeouts: { drainAfterCloseMs: 0 } },
      handler: (_req, res) => {
        res.on('close', () => (handlerSawClose = true));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\n\n');
      },
    });
    const notStored: string[] = [];
    gw.mw.events.on('not-stored', (e: { reason: string }) => notStored.push(e.reason));
    await leaving(`${gw.url}${CHAT_PATH}`, { model: 'gpt-4o-mini', stream: true }, AUTH, 1).gone;
    await until(() => notStored.length === 1 && handlerSawClose);
    expect(notStored).toEqual(['client-closed']);
    expect(gw.mw.stats().stored).toBe(0);
  });
});
