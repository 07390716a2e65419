import { DEFAULT_SUMMARY_PROMPT, gatewaySummarizer } from '../src';
import { sendJson, startUpstream } from './helpers/servers';
import type { Upstream } from './helpers/servers';

describe('gatewaySummarizer', () => {
  let upstream: Upstream;
  beforeEach(async () => {
    upstream = await startUpstream();
  });
  afterEach(() => upstream.close());

  it('asks an OpenAI-style upstream with the gateway credential and the documented prompt', async () => {
    const summarize = gatewaySummarizer({
      baseUrl: `${upstream.url}/v1`,
      apiKey: 'sk-gateway',
      model: 'gpt-4o-mini',
    });
    const summary = await summarize('user: hi', { maxTokens: 123, model: 'gpt-4o' });
    expect(summary).toBe('answer 1 to 2 messages');
    const seen = upstream.requests[0]!;
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.headers.authorization).toBe('Bearer sk-gateway');
    expect(seen.body).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0,
      max_completion_tokens: 123,
      messages: [
        { role: 'system', content: DEFAULT_SUMMARY_PROMPT },
        { role: 'user', content: 'Conversation part to summarize:\n\nuser: hi' },
      ],
    });
  });

  it('asks an Anthropic-style upstream, falling back to the caller’s model', async () => {
    const summarize = gatewaySummarizer({
      baseUrl: upstream.url,
      apiKey: 'sk-ant',
      provider: 'anthropic',
      prompt: 'Be brief.',
    });
    expect(await summarize('user: hi', { maxTokens: 50, model: 'claude-haiku-4-5' })).toBe(
      'answer 1 to 1 messages',
    );
    const seen = upstream.requests[0]!;
    expect(seen.url).toBe('/v1/messages');
    expect(seen.headers['x-api-key']).toBe('sk-ant');
    expect(seen.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen.body).toMatchObject({ model: 'claude-haiku-4-5', system: 'Be brief.', max_tokens: 50 });
  });

  it('fails with the upstream status when the model call fails', async () => {
    upstream.answer = (_req, res) => sendJson(res, 429, { error: { message: 'slow down' } });
    const summarize = gatewaySummarizer({ baseUrl: `${upstream.url}/v1`, apiKey: 'k' });
    await expect(summarize('x', { maxTokens: 10, model: 'm' })).rejects.toThrow(/429.*slow down/);
  });

  it('carries an id that changes with the prompt, and rejects bad options by name', () => {
    const a = gatewaySummarizer({ baseUrl: 'http://x', apiKey: 'k' });
    const b = gatewaySummarizer({ baseUrl: 'http://x', apiKey: 'k', prompt: 'other' });
    expect(a.id).toMatch(/^[0-9a-f]{16}$/);
    expect(a.id).not.toBe(b.id);
    expect(() => gatewaySummarizer({ baseUrl: 'x', apiKey: 'k' })).toThrow(/baseUrl/);
    expect(() => gatewaySummarizer({ baseUrl: 'http://x', apiKey: '' })).toThrow(/apiKey/);
    expect(() =>
      gatewaySummarizer({ baseUrl: 'http://x', apiKey: 'k', provider: 'gemini' as never }),
    ).toThrow(/provider/);
  });
});
