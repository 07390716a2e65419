import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { contentText, createTokenCounter } from '../src';

describe('createTokenCounter', () => {
  const counter = createTokenCounter();

  it('counts OpenAI models with the real o200k tokenizer and the per-message framing', async () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    expect(counter.countText('gpt-4o', text)).toBe(encode(text).length);
    expect(counter.exact('openai', 'gpt-4o')).toBe(true);
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: text }] };
    // 3 priming + 3 framing + tokens of "user\n<text>".
    expect(await counter.countRequest('openai', body)).toBe(3 + 3 + encode(`user\n${text}`).length);
  });

  it('uses cl100k for gpt-4 and gpt-3.5 models', async () => {
    const text = 'Ünïcödé façade naïveté – 東京 and some code: const x = 1;';
    expect(counter.countText('gpt-4', text)).toBe(encodeCl100k(text).length);
    expect(counter.countText('gpt-3.5-turbo', text)).toBe(encodeCl100k(text).length);
  });

  it('counts a long run without spaces in linear time, as the tokenizer does', async () => {
    // One pre-token of 4000 letters: gpt-tokenizer merges it in quadratic time; the counter cuts it in slices.
    const run = 'a'.repeat(4000);
    expect(counter.countText('gpt-4o', run)).toBe(encode(run).length);
    // A token that straddles a cut counts as two: within 1 % (here 482 for 480).
    const cjk = '東京都の天気は晴れです'.repeat(60);
    expect(counter.countText('gpt-4o', cjk)).toBeGreaterThanOrEqual(encode(cjk).length);
    expect(counter.countText('gpt-4o', cjk)).toBeLessThanOrEqual(encode(cjk).length * 1.01);
  });

  it('extrapolates past its time budget, never above one token per UTF-8 byte', async () => {
    const budgetless = createTokenCounter({ countBudgetMs: 0 });
    const text = 'word '.repeat(100);
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: text }] };
    // No exact count at all: chars / 4 of "user\n" + text, plus the framing.
    expect(await budgetless.countRequest('openai', body)).toBe(3 + 3 + Math.ceil((5 + text.length) / 4));
    expect(() => createTokenCounter({ countBudgetMs: -1 })).toThrow(TypeError);
  });

  it('estimates other models as ceil(chars / 4) plus 4 per message', async () => {
    const body = {
      model: 'claude-sonnet-4-5',
      system: 'abcd',
      messages: [{ role: 'user', content: 'x'.repeat(15) }],
    };
    expect(counter.exact('anthropic', 'claude-sonnet-4-5')).toBe(false);
    // system: 4 + ceil(4 / 4); the message: 4 + ceil(len('user\n' + 15 chars) / 4).
    expect(await counter.countRequest('anthropic', body)).toBe(4 + 1 + 4 + 5);
  });

  it('counts tool definitions and tool calls', async () => {
    const base = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
    const withTools = {
      ...base,
      tools: [{ type: 'function', function: { name: 'lookup', parameters: {} } }],
    };
    expect(await counter.countRequest('openai', withTools)).toBeGreaterThan(
      await counter.countRequest('openai', base),
    );
  });

  it('knows context windows from the model table and from config', async () => {
    expect(counter.contextWindow('gpt-4o-mini')).toBe(128_000);
    expect(createTokenCounter({ contextWindows: { 'my-model': 8000 } }).contextWindow('my-model-v2')).toBe(
      8000,
    );
    expect(() => createTokenCounter({ charsPerToken: 0 })).toThrow(/charsPerToken/);
  });

  it('reads text parts of content arrays and JSON for the rest', async () => {
    expect(
      contentText([
        { type: 'text', text: 'a' },
        { type: 'image_url', image_url: { url: 'u' } },
      ]),
    ).toBe('a\n{"type":"image_url","image_url":{"url":"u"}}');
    expect(contentText(null)).toBe('');
  });
});
