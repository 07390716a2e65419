import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { captureResponse } from '../src/capture';
import type { CaptureHandlers, CapturedHead } from '../src/capture';
import { rawRequest, until } from './helpers/gateway';

interface Seen {
  head?: CapturedHead;
  chunks: string[];
  ended: boolean;
  aborted?: string;
}

async function serve(
  handler: (res: http.ServerResponse, seen: Seen) => void,
  decide: CaptureHandlers['onHead'] = () => 'pass',
  onClientGone?: CaptureHandlers['onClientGone'],
): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((_req, res) => {
    const s: Seen = { chunks: [], ended: false };
    seen.push(s);
    captureResponse(res, {
      onHead: (h) => {
        s.head = h;
        return decide(h);
      },
      onChunk: (c) => s.chunks.push(c.toString()),
      onEnd: () => (s.ended = true),
      onAbort: (r) => (s.aborted = r),
      ...(onClientGone ? { onClientGone } : {}),
    });
    handler(res, s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('captureResponse', () => {
  it('sees status, headers and chunks as they pass, and the client gets them unchanged', async () => {
    const s = await serve((res) => {
      res.setHeader('x-a', '1');
      res.writeHead(201, { 'Content-Type': 'text/plain' });
      res.write('he');
      res.end(Buffer.from('llo'));
    });
    const got = await rawRequest(s.url);
    expect(got.status).toBe(201);
    expect(got.body).toBe('hello');
    expect(got.headers['x-a']).toBe('1');
    expect(s.seen[0]).toMatchObject({
      head: { status: 201, headers: { 'x-a': '1', 'content-type': 'text/plain' } },
      chunks: ['he', 'llo'],
      ended: true,
    });
    await s.close();
  });

  it('sees an implicit head from res.end', async () => {
    const s = await serve((res) => {
      res.statusCode = 202;
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
    const got = await rawRequest(s.url);
    expect(got.headers['content-length']).toBe('2');
    expect(s.seen[0]?.head?.status).toBe(202);
    await s.close();
  });

  it('aborts when a piped source dies before its end', async () => {
    const s = await serve((res) => {
      const src = new PassThrough();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      src.pipe(res);
      src.write('data: 1\n\n');
      setTimeout(() => src.destroy(), 20);
    });
    const pending = rawRequest(s.url);
    await until(() => s.seen[0]?.aborted !== undefined);
    expect(s.seen[0]).toMatchObject({ aborted: 'upstream-aborted', ended: false, chunks: ['data: 1\n\n'] });
    await s.close();
    await pending.catch(() => undefined);
  });

  it('keeps a piped source flowing after the client left when told to keep it, so the answer completes', async () => {
    const src = new PassThrough();
    let closes = 0;
    const s = await serve(
      (res) => {
        res.on('close', () => closes++);
        res.writeHead(200, { 'content-type': 'text/plain' });
        src.pipe(res);
        src.write('a');
      },
      undefined,
      () => 'keep',
    );
    const req = http.get(s.url, (res) => res.once('data', () => req.destroy()));
    req.on('error', () => undefined);
    await until(() => s.seen[0]?.chunks.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    // The handler has not seen the client's 'close' (a proxy would abort its upstream call on it).
    expect(closes).toBe(0);
    src.end('b');
    await until(() => s.seen[0]?.ended === true);
    expect(s.seen[0]?.chunks.join('')).toBe('ab');
    // ... until the answer is complete.
    await until(() => closes === 1);
    await s.close();
  });

  it('gives up a piped source after the client left by default: aborts, destroys it, and emits close', async () => {
    const src = new PassThrough();
    let closes = 0;
    const s = await serve((res) => {
      res.on('close', () => closes++);
      res.writeHead(200, { 'content-type': 'text/plain' });
      src.pipe(res);
      src.write('a');
    });
    const req = http.get(s.url, (res) => res.once('data', () => req.destroy()));
    req.on('error', () => undefined);
    await until(() => s.seen[0]?.aborted !== undefined);
    expect(s.seen[0]?.aborted).toBe('client-closed');
    await until(() => src.destroyed && closes === 1);
    await s.close();
  });

  it('reports a client that left without a piped source', async () => {
    const s = await serve((res) => {
      res.writeHead(200);
      res.write('a');
    });
    const req = http.get(s.url, (res) => res.once('data', () => req.destroy()));
    req.on('error', () => undefined);
    await until(() => s.seen[0]?.aborted !== undefined);
    expect(s.seen[0]?.aborted).toBe('client-closed');
    await s.close();
  });

  it('swallows the handler writes when told to, while still capturing them', async () => {
    const server = http.createServer((_req, res) => {
      const chunks: string[] = [];
      const capture = captureResponse(res, {
        onHead: () => 'swallow',
        onChunk: (c) => chunks.push(c.toString()),
        onEnd: () => undefined,
        onAbort: () => undefined,
      });
      res.writeHead(500, { 'x-upstream': '1' });
      res.write('boom');
      capture.clearHandlerHeaders();
      capture.direct(() => {
        res.writeHead(200, { 'x-ours': '1' });
        res.end(`replaced ${chunks.join('')}`);
      });
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const got = await rawRequest(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect(got.status).toBe(200);
    expect(got.body).toBe('replaced boom');
    expect(got.headers['x-upstream']).toBeUndefined();
    await new Promise((r) => server.close(r));
  });
});
