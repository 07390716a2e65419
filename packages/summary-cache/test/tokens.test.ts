import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { contentText, createTokenCounter } from '../src';

describe('createTokenCounter', () => {
  const counter = createTokenCounter();

  it('counts OpenAI models with the real o200k tokenizer and the per-message framing', () => {
    const text = 'The quick brown fox jumps over the lazy dog.';
    expect(counter.countText('gpt-4o', text)).toBe(encode(text).length);
    expect(counter.exact('openai', 'gpt-4o')).toBe(true);
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: text }] };
    // 3 priming + 3 framing + tokens of "user\n<text>".
    expect(counter.countRequest('openai', body)).toBe(3 + 3 + encode(`user\n${text}`).length);
  });

  it('uses cl100k for gpt-4 and gpt-3.5 models', () => {
    const text = 'Ünïcödé façade naïveté – 東京 and some code: const x = 1;';
    expect(counter.countText('gpt-4', text)).toBe(encodeCl100k(text).length);
    expect(counter.countText('gpt-3.5-turbo', text)).toBe(encodeCl100k(text).length);
  });

  it('estimates other models as ceil(chars / 4) plus 4 per message', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      system: 'abcd',
      messages: [{ role: 'user', content: 'x'.repeat(15) }],
    };
    expect(counter.exact('anthropic', 'claude-sonnet-4-5')).toBe(false);
    // system: 4 + ceil(4 / 4); the message: 4 + ceil(len('user\n' + 15 chars) / 4).
    expect(counter.countRequest('anthropic', body)).toBe(4 + 1 + 4 + 5);
  });

  it('counts tool definitions and tool calls', () => {
    const base = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
    const withTools = {
      ...base,
      tools: [{ type: 'function', function: { name: 'lookup', parameters: {} } }],
    };
    expect(counter.countRequest('openai', withTools)).toBeGreaterThan(counter.countRequest('openai', base));
  });

  it('knows context windows from the model table and from config', () => {
    expect(counter.contextWindow('gpt-4o-mini')).toBe(128_000);
    expect(createTokenCounter({ contextWindows: { 'my-model': 8000 } }).contextWindow('my-model-v2')).toBe(
      8000,
    );
    expect(() => createTokenCounter({ charsPerToken: 0 })).toThrow(/charsPerToken/);
  });

  it('reads text parts of content arrays and JSON for the rest', () => {
    expect(
      contentText([
        { type: 'text', text: 'a' },
        { type: 'image_url', image_url: { url: 'u' } },
      ]),
    ).toBe('a\n{"type":"image_url","image_url":{"url":"u"}}');
    expect(contentText(null)).toBe('');
  });
});
