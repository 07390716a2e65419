import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { gatewayEnv } from './gateway-env';

const ROOT = join(__dirname, '../../..');
const TOKEN = 'gateway-test-admin-token';
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };

/** The shipped config.yaml with warming on (answers included) and a small prompt budget for condensation. */
function testConfig(dir: string): string {
  const shipped = readFileSync(join(ROOT, 'examples/gateway/config.yaml'), 'utf8');
  const edits: Array<[string, string]> = [
    [
      '  warming:\n    enabled: false\n',
      '  warming:\n    enabled: true\n    namespaces: [models, config, response]\n',
    ],
    [
      '  summary_cache:\n',
      '  summary_cache:\n    max_context_tokens: 700\n    block_messages: 4\n    min_recent_messages: 2\n' +
        '    summary_max_tokens: 60\n',
    ],
  ];
  let text = shipped;
  for (const [from, to] of edits) {
    expect(text).toContain(from);
    text = text.replace(from, to);
  }
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  return file;
}

/** Twenty turns of about forty tokens each: over the test config's 700-token prompt budget. */
function longConversation(): Array<{ role: 'user' | 'assistant'; content: string }> {
  return Array.from({ length: 20 }, (_, i) => ({
    role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
    content: `Turn ${i}: ` + 'we keep discussing the cache sizing of the gateway in detail '.repeat(3),
  }));
}

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
    gateway = await startGateway(
      gatewayEnv(dir, {
        MOCK_LATENCY_MS: '5',
        GATECACHE_ADMIN_TOKEN: TOKEN,
        GATECACHE_CONFIG: testConfig(dir),
      }),
    );
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

  it('condenses a long conversation before the cache, for OpenAI and Anthropic clients', async () => {
    const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${gateway.url}/v1` });
    const first = await openai.chat.completions
      .create({ model: 'gpt-4o', max_tokens: 50, messages: longConversation() })
      .withResponse();
    expect(first.response.headers.get('x-gatecache-condensed')).toBe('1');
    expect(Number(first.response.headers.get('x-gatecache-tokens-removed'))).toBeGreaterThan(0);
    expect(first.data.choices[0]!.message.content).toContain('Mock answer');
    const calls = await upstreamCalls(gateway.url);
    const again = await openai.chat.completions
      .create({ model: 'gpt-4o', max_tokens: 50, messages: longConversation() })
      .withResponse();
    expect(again.response.headers.get('x-gatecache-condensed')).toBe('1');
    expect(again.response.headers.get('x-cache')).toBe('HIT');
    // Summaries come from the summary namespace and the answer from the response cache: no upstream call.
    expect(await upstreamCalls(gateway.url)).toBe(calls);

    const claude = new Anthropic({ apiKey: 'sk-ant-test', baseURL: `${gateway.url}/anthropic` });
    const message = await claude.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 50, messages: longConversation() })
      .withResponse();
    expect(message.response.headers.get('x-gatecache-condensed')).toBe('1');

    // The condenser's figures reach the metrics routes.
    const metrics = (await (await fetch(`${gateway.url}/metrics`, auth)).json()) as {
      cache_summary: { condensed: number; tokens_removed: number; summary_hits: number };
    };
    expect(metrics.cache_summary.condensed).toBeGreaterThanOrEqual(3);
    expect(metrics.cache_summary.tokens_removed).toBeGreaterThan(0);
    expect(metrics.cache_summary.summary_hits).toBeGreaterThan(0);
    const text = await (await fetch(`${gateway.url}/metrics/prometheus`, auth)).text();
    expect(text).toMatch(/^summary_condensed_total [1-9]/m);
  });

  it('keeps /health and /health/cache public for probes, with tier states only', async () => {
    const health = await fetch(`${gateway.url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    const tiers = await fetch(`${gateway.url}/health/cache`);
    expect(tiers.status).toBe(200);
    const body = (await tiers.json()) as { status: string; tiers: Record<string, { status: string }> };
    expect(body.status).toBe('ok');
    expect(body.tiers.memory).toEqual({ status: 'ok', kind: 'memory', required: false });
    const full = (await (await fetch(`${gateway.url}/health/cache`, auth)).json()) as typeof body;
    expect(full.tiers.memory).toHaveProperty('latency_ms');
  });

  it('runs the warmer from config.yaml and reports it in /metrics and Prometheus', async () => {
    const warm = await fetch(`${gateway.url}/api/cache/warm`, {
      method: 'POST',
      headers: { ...auth.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ patterns: ['response:*'] }),
    });
    expect(warm.status).toBe(202);
    for (let i = 0; i < 100; i++) {
      const status = (await (await fetch(`${gateway.url}/api/cache/warming/status`, auth)).json()) as {
        state: string;
      };
      if (status.state === 'idle') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const metrics = (await (await fetch(`${gateway.url}/metrics`, auth)).json()) as {
      cache_warming: { enabled: boolean; warming_requests_total: number };
    };
    expect(metrics.cache_warming.enabled).toBe(true);
    expect(metrics.cache_warming.warming_requests_total).toBeGreaterThanOrEqual(1);
    const text = await (await fetch(`${gateway.url}/metrics/prometheus`, auth)).text();
    expect(text).toMatch(/^warming_requests_total [1-9]/m);
  });

  it('serves the admin and metrics routes', async () => {
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
