import { createCache } from '@gatecache/core';
import { cachedSummarizer, condense, createTokenCounter } from '../src';
import type { ChatBody, ChatMessage } from '../src';

const counter = createTokenCounter();

function conversation(turns: number): ChatBody {
  const messages: ChatMessage[] = [{ role: 'system', content: 'rules' }];
  for (let t = 0; t < turns; t++) {
    messages.push({ role: 'user', content: `question ${t} `.repeat(20) });
    messages.push({ role: 'assistant', content: `answer ${t} `.repeat(20) });
    if (t === 1) messages.push({ role: 'developer', content: 'mid-conversation instruction' });
  }
  messages.push({ role: 'user', content: 'last' });
  return { model: 'gpt-4o', messages };
}

async function run(body: ChatBody, budget: number) {
  const inputs: string[] = [];
  const summarizer = cachedSummarizer({
    cache: createCache(),
    summarize: async (input) => {
      inputs.push(input);
      return Promise.resolve(`S${inputs.length}`);
    },
  });
  return { result: await condenseWith(summarizer, body, budget), inputs };
}

/** `condense` of an OpenAI body in blocks of 4 messages, keeping the last 2, with summaries of 20 tokens. */
async function condenseWith(
  summarizer: ReturnType<typeof cachedSummarizer>,
  body: ChatBody,
  budget: number,
  more: { roomTokens?: number } = {},
) {
  return condense({
    provider: 'openai',
    body,
    budget,
    tokensBefore: await counter.countRequest('openai', body),
    counter,
    summarizer,
    blockMessages: 4,
    minRecentMessages: 2,
    summaryMaxTokens: 20,
    summaryModel: 'gpt-4o-mini',
    tenant: 'global',
    ...more,
  });
}

describe('condense', () => {
  it('replaces as few whole blocks as bring the prompt within budget', async () => {
    const body = conversation(10);
    const before = await counter.countRequest('openai', body);
    const { result, inputs } = await run(body, before - 100);
    expect(result!.blocks).toBe(1);
    expect(inputs).toHaveLength(1);
    expect(result!.tokensAfter).toBeLessThanOrEqual(before - 100);
    expect(result!.messagesRemoved).toBe(4);
  });

  it('keeps instructions, moving those among condensed turns in front of the summary', async () => {
    const body = conversation(10);
    const { result } = await run(body, 300);
    const roles = result!.body.messages.map((m) => m.role);
    expect(roles.slice(0, 3)).toEqual(['system', 'developer', 'system']);
    expect(String(result!.body.messages[2]!.content)).toContain('S1');
    expect(result!.body.messages.at(-1)).toEqual({ role: 'user', content: 'last' });
  });

  it('condenses every block it may when none is enough, and nothing when there is no whole block', async () => {
    const { result } = await run(conversation(10), 10);
    expect(result!.tokensAfter).toBeGreaterThan(10);
    expect(
      result!.body.messages.filter((m) => m.role !== 'system' && m.role !== 'developer').length,
    ).toBeLessThanOrEqual(5);
    expect((await run(conversation(1), 10)).result).toBeUndefined();
  });

  it('calls no summarizer when even empty summaries would not fit the window', async () => {
    let calls = 0;
    const summarizer = cachedSummarizer({
      cache: createCache(),
      summarize: () => {
        calls++;
        return Promise.resolve('S');
      },
    });
    const body = conversation(10);
    const result = await condenseWith(summarizer, body, 10, { roomTokens: 20 });
    expect(result).toMatchObject({ unfit: true, blocks: 0 });
    expect(result!.tokensAfter).toBeGreaterThan(20);
    expect(calls).toBe(0);
  });

  it('lets a summarizer error through and returns nothing partial', async () => {
    const summarizer = cachedSummarizer({
      cache: createCache(),
      summarize: () => Promise.reject(new Error('down')),
    });
    const body = conversation(10);
    await expect(condenseWith(summarizer, body, 100)).rejects.toThrow('down');
  });
});
