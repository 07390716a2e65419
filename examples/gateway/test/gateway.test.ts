import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

const ROOT = join(__dirname, '../../..');
const TOKEN = 'gateway-test-admin-token';

interface Started {
  child: ChildProcess;
  url: string;
  lines: string[];
  exit: Promise<number | null>;
}

/** `node examples/gateway/server.js` as `npm start` runs it (after the build), on a free port. */
function startGateway(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, ['examples/gateway/server.js'], {
    cwd: ROOT,
    env: { ...process.env, OPENAI_BASE_URL: '', ANTHROPIC_BASE_URL: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${lines.join('\n')}`)), 20000);
    child.stderr!.on('data', (d: Buffer) => lines.push(d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve({ child, url: m[1]!, lines, exit });
        }
      }
    });
    void exit.then((code) => reject(new Error(`gateway exited with ${code}:\n${lines.join('\n')}`)));
  });
}

async function upstreamCalls(url: string): Promise<number> {
  const res = await fetch(`${url}/debug/mock/stats`);
  const stats = (await res.json()) as { calls: number };
  expect(typeof stats.calls).toBe('number');
  return stats.calls;
}

describe('examples/gateway', () => {
  let gateway: Started;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatecache-gateway-'));
    gateway = await startGateway({
      PORT: '0',
      HOST: '127.0.0.1',
      MOCK_LATENCY_MS: '5',
      MOCK_ERROR_RATE: '0',
      GATECACHE_ADMIN_TOKEN: TOKEN,
      GATECACHE_DISK_PATH: join(dir, 'disk'),
    });
  });

  afterAll(async () => {
    if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
    await gateway.exit;
    rmSync(dir, { recursive: true, force: true });
  });

  it('says in its first log line that it runs the mock provider in-process', () => {
    expect(gateway.lines[0]).toMatch(/mock provider runs in-process/);
  });

  it('answers the OpenAI client, then serves the same request from cache', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${gateway.url}/v1` });
    const ask = () =>
      client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is caching?' }] })
        .withResponse();
    const first = await ask();
    expect(first.data.choices[0]!.message.content).toContain('Mock answer');
    expect(first.response.headers.get('x-cache')).toBe('MISS');
    const calls = await upstreamCalls(gateway.url);
    expect(calls).toBeGreaterThanOrEqual(1);
    const second = await ask();
    expect(second.response.headers.get('x-cache')).toBe('HIT');
    expect(second.data.choices[0]!.message.content).toBe(first.data.choices[0]!.message.content);
    expect(await upstreamCalls(gateway.url)).toBe(calls);
  });

  it('streams through the OpenAI client, and replays the stream from cache', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${gateway.url}/v1` });
    const stream = async (): Promise<string> => {
      let text = '';
      const s = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'Stream me a sentence' }],
      });
      for await (const chunk of s) text += chunk.choices[0]?.delta?.content ?? '';
      return text;
    };
    const first = await stream();
    expect(first).toContain('Mock answer');
    const calls = await upstreamCalls(gateway.url);
    expect(await stream()).toBe(first);
    expect(await upstreamCalls(gateway.url)).toBe(calls);
  });

  it('answers the Anthropic client at /anthropic, streaming and not, from cache the second time', async () => {
    const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: `${gateway.url}/anthropic` });
    const params = {
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      messages: [{ role: 'user' as const, content: 'Hello Claude' }],
    };
    const first = await client.messages.create(params);
    const text = first.content[0]!.type === 'text' ? first.content[0]!.text : '';
    expect(text).toContain('Mock answer');
    const calls = await upstreamCalls(gateway.url);
    const again = await client.messages.create(params).withResponse();
    expect(again.response.headers.get('x-cache')).toBe('HIT');
    let streamed = '';
    const stream = client.messages.stream(params);
    stream.on('text', (t) => (streamed += t));
    await stream.finalMessage();
    expect(streamed).toBe(text);
    expect(await upstreamCalls(gateway.url)).toBe(calls);
  });

  it('serves the admin and metrics routes', async () => {
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    const stats = (await (await fetch(`${gateway.url}/api/cache/stats`, auth)).json()) as {
      cache_hits: number;
    };
    expect(stats.cache_hits).toBeGreaterThanOrEqual(3);
    expect((await fetch(`${gateway.url}/health/cache`, auth)).status).toBe(200);
    expect((await fetch(`${gateway.url}/api/cache`, { method: 'DELETE' })).status).toBe(401);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    gateway.child.kill('SIGTERM');
    expect(await gateway.exit).toBe(0);
    expect(gateway.lines.join('\n')).toMatch(/SIGTERM, shutting down/);
  });
});
