import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { MAX_JSON_DEPTH, nestsDeeperThan, readRequestBody } from '../src';
import type { BodyRequest, BodyResult } from '../src';

/** A server whose handler reads the body with the given limit, then echoes what it saw and what is left. */
async function echoServer(limit: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    void readRequestBody(req as BodyRequest, limit).then((result: BodyResult) => {
      const rest: Buffer[] = [];
      const reply = (): void => {
        res.end(
          JSON.stringify({
            status: result.status,
            body: (req as BodyRequest).body,
            raw: (req as BodyRequest).rawBody?.toString(),
            rest: Buffer.concat(rest).toString(),
          }),
        );
      };
      if (req.readableEnded) return reply();
      req.on('data', (c: Buffer) => rest.push(c));
      req.on('end', reply);
      req.resume();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('readRequestBody', () => {
  it('attaches the parsed body and the raw bytes', async () => {
    const s = await echoServer(1000);
    const res = await request(s.url).post('/').set('content-type', 'application/json').send('{ "a": 1 }');
    expect(JSON.parse(res.text)).toEqual({ status: 'read', body: { a: 1 }, raw: '{ "a": 1 }', rest: '' });
    await s.close();
  });

  it('leaves a body over the limit in the stream, declared or chunked', async () => {
    const s = await echoServer(10);
    const big = JSON.stringify({ text: 'x'.repeat(100) });
    const declared = await request(s.url).post('/').set('content-type', 'application/json').send(big);
    expect(JSON.parse(declared.text)).toMatchObject({ status: 'skipped', rest: big });
    const chunked = await new Promise<string>((resolve) => {
      const req = http.request(
        `${s.url}/`,
        { method: 'POST', headers: { 'transfer-encoding': 'chunked' } },
        (res) => {
          let t = '';
          res.on('data', (c: Buffer) => (t += c.toString()));
          res.on('end', () => resolve(t));
        },
      );
      req.write(big.slice(0, 30));
      setTimeout(() => req.end(big.slice(30)), 20);
    });
    expect(JSON.parse(chunked)).toMatchObject({ status: 'skipped', rest: big });
    await s.close();
  });
});

describe('request body bounds', () => {
  it('measures nesting outside strings only, in one pass', () => {
    expect(nestsDeeperThan(Buffer.from('[[[]]]'), 3)).toBe(false);
    expect(nestsDeeperThan(Buffer.from('[[[[]]]]'), 3)).toBe(true);
    expect(nestsDeeperThan(Buffer.from('{"a":"[[[[[[\\"[[[["}'), 3)).toBe(false);
    expect(
      nestsDeeperThan(
        Buffer.from(`{"a":${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}`),
        MAX_JSON_DEPTH,
      ),
    ).toBe(true);
  });

  it('does not parse a body nested deeper than MAX_JSON_DEPTH: it passes through as not JSON', async () => {
    const s = await echoServer(1 << 20);
    const deep = `{"a":${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}}`;
    const res = await request(s.url).post('/').set('content-type', 'application/json').send(deep);
    expect(JSON.parse(res.text)).toEqual({ status: 'read', raw: deep, rest: '' });
    await s.close();
  });

  it('holds its limit over a body another handler read first', async () => {
    const seen: string[] = [];
    const app = express();
    // An earlier reader with a larger limit (a body parser, the context condenser) that keeps the bytes.
    app.use((req, _res, next) => {
      void readRequestBody(req as BodyRequest, 1 << 20).then(() => next());
    });
    app.use((req, res) => {
      void readRequestBody(req as BodyRequest, 100).then((r) => {
        seen.push(r.status === 'skipped' ? r.reason : r.status);
        res.end();
      });
    });
    await request(app)
      .post('/')
      .set('content-type', 'application/json')
      .send({ text: 'x'.repeat(200) });
    await request(app).post('/').set('content-type', 'application/json').send({ text: 'x' });
    await request(app).post('/').set('content-type', 'application/json').send('[[not json');
    expect(seen).toEqual(['too-large', 'parsed', 'read']);
  });
});
