import { BUILTIN_CONTEXT_WINDOWS, DEFAULT_CONTEXT_WINDOW, createWindowTable } from '../src';

describe('createWindowTable', () => {
  const window = createWindowTable();

  it("takes OpenAI windows from gpt-tokenizer's model table", () => {
    expect(window('gpt-4o')).toBe(128_000);
    expect(window('gpt-4o-2024-08-06')).toBe(128_000);
    expect(window('o3')).toBe(200_000);
  });

  it('gives a fine-tune its base model window and an unknown snapshot its longest prefix', () => {
    expect(window('ft:gpt-4o-mini-2024-07-18:acme::abc123')).toBe(128_000);
    expect(window('gpt-4o-mini-2099-01-01')).toBe(128_000);
  });

  it('uses the built-in prefixes for Anthropic and Gemini and the default for the unknown', () => {
    expect(window('claude-sonnet-4-5')).toBe(BUILTIN_CONTEXT_WINDOWS['claude-']);
    expect(window('gemini-2.5-pro')).toBe(1_048_576);
    expect(window('mystery')).toBe(DEFAULT_CONTEXT_WINDOW);
    expect(createWindowTable({}, 32_000)('mystery')).toBe(32_000);
  });

  it('lets config override any entry, exact or by prefix', () => {
    const custom = createWindowTable({ 'gpt-4o': 64_000, 'claude-3-haiku': 100_000 });
    expect(custom('gpt-4o')).toBe(64_000);
    expect(custom('claude-3-haiku-20240307')).toBe(100_000);
    expect(() => createWindowTable({ bad: 1.5 })).toThrow(/contextWindows\.bad/);
  });
});
