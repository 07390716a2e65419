import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import express from 'express';
import type { Request, Response } from 'express';
import request from 'supertest';
import { createCache, memoryStore } from '@gatecache/core';
import { DEFAULTS, responseCache, shareShapes } from '../src';

// V8's own view of the objects: %HaveSameMap and %HasFastProperties are what the feature is about.
setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

interface Seen {
  req: http.IncomingMessage;
  res: http.ServerResponse;
}
type Hold = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * Starts the server `make` builds around `hold` (which its handler calls), sends two requests that are in
 * flight together, and returns the objects the handler saw for each.
 */
async function twoRequests(make: (hold: Hold) => http.Server): Promise<Seen[]> {
  const seen: Seen[] = [];
  const hold: Hold = (req, res) => {
    seen.push({ req, res });
    // Both requests are alive at once, so neither object can be a leftover of the other.
    if (seen.length === 2) for (const s of seen) s.res.end('ok');
  };
  const server = make(hold);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/other`;
  const get = (): Promise<void> =>
    new Promise((resolve, reject) => {
      http
        .get(url, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  await Promise.all([get(), get()]);
  await new Promise<void>((r) => server.close(() => r()));
  return seen;
}

function expressServer(options: { shareShapes?: boolean }): (hold: Hold) => http.Server {
  return (hold) => {
    const app = express();
    app.use(responseCache({ cache: createCache({ tiers: [memoryStore()] }), ...options }));
    app.get('/other', (req: Request, res: Response) => hold(req, res));
    return http.createServer(app);
  };
}

describe('shareShapes', () => {
  it('gives two Express requests (and responses) one hidden class, where Express gives each its own', async () => {
    // Dictionary-mode objects share V8's normalized map, a cache that a GC may flush between the two requests:
    // then the pair gets two maps. Up to three tries keep the test about the feature, not about GC timing.
    let shared = false;
    for (let attempt = 0; attempt < 3 && !shared; attempt++) {
      const [a, b] = await twoRequests(expressServer({ shareShapes: true }));
      expect(hasFastProperties(a!.req)).toBe(false);
      shared = haveSameMap(a!.req, b!.req) && haveSameMap(a!.res, b!.res);
    }
    expect(shared).toBe(true);
  });

  it('is on by default only on the Node lines where it pays (before 24: bench:shapes)', () => {
    expect(DEFAULTS.shareShapes).toBe(Number(process.versions.node.split('.')[0]) < 24);
  });

  // V8 13 (Node 24) keeps the objects' shared hidden class through Express's prototype swap and router
  // additions; V8 11 and 12 (Node 20, 22) give each request its own. This test states which line does what.
  const expressSharesAlready = Number(process.versions.node.split('.')[0]) >= 24;

  it(`with shareShapes off, Express requests ${expressSharesAlready ? 'share one hidden class already (Node >= 24)' : 'do not share a hidden class (Node < 24)'}`, async () => {
    const [a, b] = await twoRequests(expressServer({ shareShapes: false }));
    expect(haveSameMap(a!.req, b!.req)).toBe(expressSharesAlready);
    expect(haveSameMap(a!.res, b!.res)).toBe(expressSharesAlready);
    expect(hasFastProperties(a!.req)).toBe(true);
  });

  it('leaves a plain http server alone: its requests share a hidden class already, in the faster mode', async () => {
    const changed: boolean[] = [];
    const [a, b] = await twoRequests((hold) =>
      http.createServer((req, res) => {
        changed.push(shareShapes(req, res));
        hold(req, res);
      }),
    );
    expect(changed).toEqual([false, false]);
    expect(hasFastProperties(a!.req)).toBe(true);
    expect(haveSameMap(a!.req, b!.req)).toBe(true);
  });

  it('leaves a request alone whose class is a subclass of IncomingMessage (createServer({ IncomingMessage }))', async () => {
    class TracedMessage extends http.IncomingMessage {}
    const changed: boolean[] = [];
    const [a] = await twoRequests((hold) =>
      http.createServer({ IncomingMessage: TracedMessage }, (req, res) => {
        changed.push(shareShapes(req, res));
        hold(req, res);
      }),
    );
    expect(changed).toEqual([false, false]);
    expect(a!.req).toBeInstanceOf(TracedMessage);
    expect(hasFastProperties(a!.req)).toBe(true);
  });

  it('keeps every own property with its value and descriptor, and is safe to call twice', async () => {
    const app = express();
    let before: Record<string, PropertyDescriptor> = {};
    let after: Record<string, PropertyDescriptor> = {};
    let again: Record<string, PropertyDescriptor> = {};
    app.get('/x', (req, res) => {
      before = Object.getOwnPropertyDescriptors(req);
      const beforeRes = Object.getOwnPropertyDescriptors(res);
      expect(shareShapes(req, res)).toBe(true);
      after = Object.getOwnPropertyDescriptors(req);
      expect(Object.getOwnPropertyDescriptors(res)).toEqual(beforeRes);
      shareShapes(req, res);
      again = Object.getOwnPropertyDescriptors(req);
      // Node's parser still sets `complete` once the body is in, through the property put back.
      req.resume();
      req.on('end', () => res.json({ complete: req.complete, sendDate: res.sendDate }));
    });
    const r = await request(app).get('/x').expect(200);
    expect(r.body).toEqual({ complete: true, sendDate: true });
    expect(after).toEqual(before);
    expect(again).toEqual(before);
  });

  it('rejects a non-boolean option', () => {
    const cache = createCache({ tiers: [memoryStore()] });
    expect(() => responseCache({ cache, shareShapes: 'yes' as unknown as boolean })).toThrow(
      /shareShapes must be a boolean/,
    );
  });
});
