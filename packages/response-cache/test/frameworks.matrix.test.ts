// The response cache behind both majors of the user's framework and proxy: Express 4 and 5 × http-proxy-middleware
// 3 and 4 (aliased dev dependencies), each gateway in its own process (helpers/framework-gateway.mjs, which loads
// the built packages: run `npm run build` first, as CI does) in front of a real loopback upstream.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { rawRequest, until } from './helpers/gateway';
import * as h from './helpers/harness';
import { startUpstream } from './helpers/upstream';
import type { Upstream } from './helpers/upstream';

const SCRIPT = path.join(__dirname, 'helpers', 'framework-gateway.mjs');
const EXPRESS = [
  ['Express 4', 'express4'],
  ['Express 5', 'express'],
] as const;
const HPM = [
  ['hpm 3', 'http-proxy-middleware-3'],
  ['hpm 4', 'http-proxy-middleware-4'],
] as const;
const COMBINATIONS = EXPRESS.flatMap(([e, expressModule]) =>
  HPM.map(([p, hpmModule]) => ({ name: `${e} + ${p}`, expressModule, hpmModule })),
);

interface Child {
  url: string;
  process: ChildProcess;
  stderr: () => string;
}

/** Starts the gateway script and waits for the line naming its address. */
function startChild(
  expressModule: string,
  hpmModule: string,
  helper: string,
  upstream: string,
): Promise<Child> {
  const child = spawn(process.execPath, [SCRIPT, expressModule, hpmModule, helper, upstream], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl >= 0)
        resolve({ ...(JSON.parse(out.slice(0, nl)) as { url: string }), process: child, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`framework-gateway exited ${code}: ${err}`)));
  });
}

function stopChild(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.process.once('exit', () => resolve());
    child.process.kill('SIGTERM');
  });
}

const keys = async (child: Child): Promise<number> =>
  (JSON.parse((await rawRequest(`${child.url}/_test/keys`)).body) as { keys: number }).keys;

describe.each(COMBINATIONS)('$name', ({ expressModule, hpmModule }) => {
  let upstream: Upstream;
  let child: Child | undefined;
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(async () => {
    await upstream.close();
  });
  afterEach(async () => {
    upstream.override = undefined;
    upstream.requests.length = 0;
    await stopChild(child);
    child = undefined;
  });
  const gateway = async (helper = 'proxyRequestBody'): Promise<Child> =>
    (child = await startChild(expressModule, hpmModule, helper, upstream.url));
  const chat = (gw: Child, body: unknown) => rawRequest(`${gw.url}${h.CHAT_PATH}`, { body, headers: h.AUTH });

  it('JSON: a miss goes upstream with the exact body, the repeat is a hit', async () => {
    const gw = await gateway();
    const miss = await chat(gw, h.chatRequest);
    expect(miss.status).toBe(200);
    expect(miss.headers['cache-status']).toContain('fwd=miss');
    expect(JSON.parse(miss.body)).toEqual(h.chatAnswer);
    expect(upstream.requests[0]?.body).toBe(JSON.stringify(h.chatRequest));
    const hit = await chat(gw, h.chatRequest);
    expect(hit.headers['cache-status']).toContain('hit');
    expect(JSON.parse(hit.body)).toEqual(h.chatAnswer);
    expect(upstream.calls).toBe(1);
  });

  it('SSE: a streamed miss is replayed whole as a hit', async () => {
    const gw = await gateway();
    const miss = await chat(gw, h.streamRequest);
    expect(miss.headers['content-type']).toContain('text/event-stream');
    expect(miss.body).toBe(h.chatStream);
    await until(async () => (await keys(gw)) === 1);
    const hit = await chat(gw, h.streamRequest);
    expect(hit.headers['cache-status']).toContain('hit');
    expect(hit.body).toBe(h.chatStream);
    expect(upstream.calls).toBe(1);
  });

  it('coalesces identical concurrent requests into one upstream call', async () => {
    const gw = await gateway();
    upstream.eventDelayMs = 20;
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => chat(gw, h.streamRequest)));
      for (const a of answers) expect(a.body).toBe(h.chatStream);
      expect(upstream.calls).toBe(1);
    } finally {
      upstream.eventDelayMs = 0;
    }
  });

  it('a client cut mid-stream stores nothing and the gateway keeps serving', async () => {
    const gw = await gateway();
    const stream = h.endlessStream(upstream);
    await h.leaving(`${gw.url}${h.CHAT_PATH}`, h.streamRequest, h.AUTH, 1).gone;
    // The script drains for drainAfterCloseMs (300 ms) after the client left, then cuts the upstream call.
    await stream.cut;
    expect(await keys(gw)).toBe(0);
    upstream.override = undefined;
    const next = await chat(gw, h.streamRequest);
    expect(next.body).toBe(h.chatStream);
    expect(upstream.calls).toBe(2);
    expect(child?.process.exitCode).toBeNull();
    // Nothing on stderr but Node's own warnings (http-proxy, under hpm 3, calls the deprecated util._extend).
    const stderr = (child?.stderr() ?? '').split('\n').filter((l) => l && !/^\((node:\d+|Use `node)/.test(l));
    expect(stderr).toEqual([]);
  });

  it("hpm's fixRequestBody re-sends the body the cache consumed", async () => {
    const gw = await gateway('fixRequestBody');
    const text = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],  "temperature":1.0}';
    const miss = await rawRequest(`${gw.url}${h.CHAT_PATH}`, { body: text, headers: h.AUTH });
    expect(miss.status).toBe(200);
    // fixRequestBody re-serialises the parsed body: same JSON, normalised spelling.
    expect(JSON.parse(upstream.requests[0]?.body ?? 'null')).toEqual(JSON.parse(text));
    const hit = await rawRequest(`${gw.url}${h.CHAT_PATH}`, { body: text, headers: h.AUTH });
    expect(hit.headers['cache-status']).toContain('hit');
    expect(upstream.calls).toBe(1);
  });
});
