import { createCache } from '@gatecache/core';
import { cachedSummarizer, contextCondenser, createTokenCounter } from '../src';
import type { ChatMessage, CondensedEvent, ContextCondenserOptions, SummarizeFn } from '../src';
import { filler, post, startGateway, startUpstream } from './helpers/servers';
import type { Gateway, Upstream } from './helpers/servers';

const counter = createTokenCounter();
const MODEL = 'gpt-4o-mini';
const SYSTEM: ChatMessage = { role: 'system', content: 'You are a terse assistant.' };

/** A summarizer that records every input and answers a short, deterministic summary. */
function recordingSummarizer(delayMs = 0): SummarizeFn & { inputs: string[] } {
  const inputs: string[] = [];
  const fn = async (input: string): Promise<string> => {
    inputs.push(input);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return `gist of ${input.split(':')[0]} (${input.length} chars)`;
  };
  return Object.assign(fn, { inputs });
}

function failingSummarizer(): SummarizeFn & { calls: number } {
  const fn = Object.assign(
    async (): Promise<string> => {
      fn.calls++;
      await Promise.resolve();
      throw new Error('summarizer is down');
    },
    { calls: 0 },
  );
  return fn;
}

/** Turn t of a conversation; turn 2 holds an assistant with two parallel tool calls and their results. */
function turn(t: number): ChatMessage[] {
  if (t === 2) {
    return [
      { role: 'user', content: filler(t) },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'lookup', arguments: '{"q":"a"}' } },
          { id: 'call_b', type: 'function', function: { name: 'lookup', arguments: '{"q":"b"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: filler(2001) },
      { role: 'tool', tool_call_id: 'call_b', content: filler(2002) },
      { role: 'assistant', content: filler(2003) },
    ];
  }
  return [
    { role: 'user', content: filler(t) },
    { role: 'assistant', content: filler(t + 1000) },
  ];
}

/** Five long turns and a question with room for a 50-token answer: over every small budget in this file. */
const LONG_ASK = {
  model: MODEL,
  max_tokens: 50,
  messages: [SYSTEM, ...[1, 3, 4, 5, 6].flatMap(turn), { role: 'user', content: 'and now?' }],
};

/** Every tool result follows its call (or a sibling result of the same call). */
function toolPairsIntact(messages: ChatMessage[]): boolean {
  return messages.every((m, i) => {
    if (m.role !== 'tool') return true;
    for (let k = i - 1; k >= 0; k--) {
      const prev = messages[k] as ChatMessage;
      if (prev.role === 'tool') continue;
      return (
        (prev.tool_calls as Array<{ id: string }> | undefined)?.some((c) => c.id === m.tool_call_id) ?? false
      );
    }
    return false;
  });
}

async function summaryKeys(gateway: Gateway): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of gateway.cache.keys('summary:*')) keys.push(key);
  return keys;
}

describe('contextCondenser', () => {
  let upstream: Upstream;
  let gateway: Gateway | undefined;

  beforeEach(async () => {
    upstream = await startUpstream();
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    await upstream.close();
  });

  async function start(options: Partial<ContextCondenserOptions> & { summarize: SummarizeFn }) {
    const cache = createCache();
    const condenser = contextCondenser({
      cache,
      blockMessages: 4,
      minRecentMessages: 2,
      summaryMaxTokens: 30,
      safetyMarginTokens: 0,
      ...options,
    });
    gateway = await startGateway(upstream.url, condenser, cache);
    return { condenser, gateway };
  }

  it('summarizes each block once as the conversation grows, stays within budget and keeps tool pairs', async () => {
    const summarize = recordingSummarizer();
    const { condenser, gateway } = await start({ summarize, maxContextTokens: 700 });
    const events: CondensedEvent[] = [];
    condenser.events.on('condensed', (e: CondensedEvent) => events.push(e));
    const budget = 700 - 50;
    const history: ChatMessage[] = [];
    let condensedTurns = 0;
    let request: Record<string, unknown> = {};
    for (let t = 1; t <= 16; t++) {
      const [ask, ...rest] = turn(t);
      request = { model: MODEL, max_tokens: 50, messages: [SYSTEM, ...history, ask] };
      const callsBefore = summarize.inputs.length;
      const reply = await post(`${gateway.url}/v1/chat/completions`, request);
      expect(reply.status).toBe(200);
      const sent = upstream.requests.at(-1)!.body;
      expect(await counter.countRequest('openai', { ...sent, messages: sent.messages })).toBeLessThanOrEqual(
        budget,
      );
      expect(toolPairsIntact(sent.messages)).toBe(true);
      expect(sent.messages[0]).toEqual(SYSTEM);
      expect(sent.messages.at(-1)).toEqual(ask);
      if (reply.headers.get('x-gatecache-condensed') === '1') {
        condensedTurns++;
        const full = await counter.countRequest('openai', request as never);
        const removed = Number(reply.headers.get('x-gatecache-tokens-removed'));
        expect(removed).toBe(full - (await counter.countRequest('openai', sent as never)));
        // A growing conversation adds at most one new block per turn (two the first time it is condensed).
        expect(summarize.inputs.length - callsBefore).toBeLessThanOrEqual(condensedTurns === 1 ? 2 : 1);
      }
      history.push(ask as ChatMessage, ...rest);
    }
    expect(condensedTurns).toBeGreaterThan(5);
    // Never the same block twice: old blocks were cache hits.
    expect(new Set(summarize.inputs).size).toBe(summarize.inputs.length);
    expect(summarize.inputs.length).toBe(events.at(-1)!.blocks);
    expect(condenser.stats().summaries.hits).toBeGreaterThan(10);
    expect(condenser.stats().summaries.callsAvoided).toBe(condenser.stats().summaries.hits);
    // The block with the parallel tool calls carries both results with it.
    expect(
      summarize.inputs.some((i) => i.includes('[tool call lookup') && i.includes('tool result call_b')),
    ).toBe(true);
    expect(condenser.stats().condensed).toBe(condensedTurns);
    expect(condenser.stats().tokensRemoved).toBe(events.reduce((n, e) => n + e.tokensRemoved, 0));

    // The final answer comes from the response cache, keyed on the condensed request.
    const calls = upstream.calls;
    const summarizerCalls = summarize.inputs.length;
    const again = await post(`${gateway.url}/v1/chat/completions`, request);
    expect(again.status).toBe(200);
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(again.headers.get('x-gatecache-condensed')).toBe('1');
    expect(upstream.calls).toBe(calls);
    expect(summarize.inputs.length).toBe(summarizerCalls);
  });

  it('leaves a request within budget untouched', async () => {
    const summarize = recordingSummarizer();
    const { gateway } = await start({ summarize, maxContextTokens: 5000 });
    const messages = [SYSTEM, ...turn(1), { role: 'user', content: 'next' }];
    const reply = await post(`${gateway.url}/v1/chat/completions`, { model: MODEL, messages });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-gatecache-condensed')).toBeNull();
    expect(upstream.requests[0]!.body.messages).toEqual(messages);
    expect(summarize.inputs).toHaveLength(0);
  });

  it('passes an over-budget request through uncondensed when the summarizer fails and it fits the window', async () => {
    const summarize = failingSummarizer();
    const { condenser, gateway } = await start({ summarize, maxContextTokens: 400 });
    const { messages } = LONG_ASK;
    const reply = await post(`${gateway.url}/v1/chat/completions`, LONG_ASK);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-gatecache-condensed')).toBeNull();
    expect(upstream.requests[0]!.body.messages).toEqual(messages);
    expect(summarize.calls).toBeGreaterThan(0);
    expect(await summaryKeys(gateway)).toEqual([]);
    expect(condenser.stats()).toMatchObject({ passedThrough: 1, condensed: 0, rejected: 0 });
    expect(condenser.stats().summaries.errors).toBe(summarize.calls);
  });

  it('answers a clear 502 when the summarizer fails and the conversation exceeds the window, caching nothing', async () => {
    const summarize = failingSummarizer();
    const { condenser, gateway } = await start({ summarize, contextWindows: { [MODEL]: 500 } });
    const reply = await post(`${gateway.url}/v1/chat/completions`, LONG_ASK);
    expect(reply.status).toBe(502);
    expect(reply.json.error?.type).toBe('context_condensation_failed');
    expect(reply.json.error?.message).toMatch(
      /context window of gpt-4o-mini \(500 tokens\).*summarizer is down/,
    );
    expect(upstream.calls).toBe(0);
    expect(await summaryKeys(gateway)).toEqual([]);
    const all: string[] = [];
    for await (const key of gateway.cache.keys('*')) all.push(key);
    expect(all).toEqual([]);
    expect(condenser.stats().rejected).toBe(1);
  });

  it('answers 400 when even the latest turns exceed the window', async () => {
    const summarize = recordingSummarizer();
    const { gateway } = await start({ summarize, contextWindows: { [MODEL]: 300 } });
    const huge = { role: 'user', content: filler(9, 400) };
    const messages = [SYSTEM, ...turn(1), ...turn(3), huge];
    const reply = await post(`${gateway.url}/v1/chat/completions`, {
      model: MODEL,
      max_tokens: 50,
      messages,
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error?.type).toBe('context_length_exceeded');
    expect(upstream.calls).toBe(0);
  });

  it('makes one summarizer call per block for concurrent identical condensations', async () => {
    const summarize = recordingSummarizer(40);
    const { condenser, gateway } = await start({ summarize, maxContextTokens: 500 });
    const messages = [SYSTEM, ...[1, 3, 4, 5, 6, 7].flatMap(turn), { role: 'user', content: 'and now?' }];
    const body = { model: MODEL, max_tokens: 50, messages };
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => post(`${gateway.url}/v1/chat/completions`, body)),
    );
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-gatecache-condensed')).toBe('1');
    }
    const blocks = new Set(summarize.inputs).size;
    expect(blocks).toBeGreaterThan(0);
    expect(summarize.inputs).toHaveLength(blocks);
    // The others joined the running call (or, arriving late, found its stored result).
    expect(condenser.stats().summaries.callsAvoided).toBe(5 * blocks);
    expect(condenser.stats().summaries.coalesced).toBeGreaterThan(0);
    expect(upstream.calls).toBe(1);
  });

  it('condenses an Anthropic conversation, keeping the system prompt and tool_use/tool_result together', async () => {
    const summarize = recordingSummarizer();
    const { gateway } = await start({ summarize, maxContextTokens: 600, blockMessages: 4 });
    const messages: ChatMessage[] = [
      { role: 'user', content: filler(1) },
      { role: 'assistant', content: filler(2) },
      { role: 'user', content: filler(3) },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'tu_1', name: 'lookup', input: { q: 'x' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: filler(4) }] },
      { role: 'assistant', content: filler(5) },
      ...[6, 7, 8, 9].flatMap((t) => [
        { role: 'user', content: filler(t) },
        { role: 'assistant', content: filler(t + 50) },
      ]),
      { role: 'user', content: 'and now?' },
    ];
    const system = 'You are a careful assistant.';
    const reply = await post(
      `${gateway.url}/anthropic/v1/messages`,
      { model: 'claude-sonnet-4-5', max_tokens: 50, system, messages },
      { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
    );
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-gatecache-condensed')).toBe('1');
    const sent = upstream.requests[0]!.body;
    expect(upstream.requests[0]!.url).toBe('/v1/messages');
    expect(sent.system).toBe(system);
    expect(sent.messages[0]!.role).toBe('user');
    expect(String(sent.messages[0]!.content)).toMatch(/^Summary of the earlier part/);
    expect(sent.messages.at(-1)).toEqual(messages.at(-1));
    // The boundary before message 4 would fall between tool_use and tool_result: it moved past the pair.
    expect(summarize.inputs[0]).toContain('[tool call lookup');
    expect(summarize.inputs[0]).toContain('[tool result tu_1');
    expect(await counter.countRequest('anthropic', sent as never)).toBeLessThanOrEqual(600 - 50);
  });

  it('scopes summaries by tenant: another credential never reads the first tenant’s summaries', async () => {
    const summarize = recordingSummarizer();
    const { condenser, gateway } = await start({ summarize, maxContextTokens: 500 });
    const body = LONG_ASK;
    await post(`${gateway.url}/v1/chat/completions`, body);
    const first = summarize.inputs.length;
    await post(`${gateway.url}/v1/chat/completions`, body, { authorization: 'Bearer sk-test-tenant-b' });
    expect(summarize.inputs.length).toBe(2 * first);
    expect(condenser.stats().summaries.hits).toBe(0);
  });

  it('accepts a ready cachedSummarizer and rejects bad options by name', () => {
    const cache = createCache();
    const summarizer = cachedSummarizer({ cache, summarize: recordingSummarizer() });
    expect(contextCondenser({ summarizer }).summarizer).toBe(summarizer);
    expect(() => contextCondenser({ cache, summarize: recordingSummarizer(), blockMessages: 0 })).toThrow(
      /blockMessages/,
    );
    expect(() => contextCondenser({ cache })).toThrow(/summarize/);
    expect(() => contextCondenser({ summarize: recordingSummarizer() })).toThrow(/cache/);
    expect(() => contextCondenser({ summarizer, maxContextTokens: -1 })).toThrow(/maxContextTokens/);
    expect(() => contextCondenser({ summarizer, contextWindows: { x: 0 } })).toThrow(/contextWindows\.x/);
  });
});
