import { configKey, summaryKey } from '../src';

describe('summaryKey', () => {
  const input = [{ role: 'user', content: 'a long conversation' }];

  it("has the form 'summary:{input_hash}:{max_tokens}:{model}'", () => {
    expect(summaryKey({ input, maxTokens: 256, model: 'gpt-4o-mini' })).toMatch(
      /^summary:[0-9a-f]{64}:256:gpt-4o-mini$/,
    );
  });

  it('ignores key order and number spelling in the input', () => {
    const a = summaryKey({ input: JSON.parse('[{"role":"user","n":1.0}]'), maxTokens: 10, model: 'm' });
    const b = summaryKey({ input: JSON.parse('[{"n":1,"role":"user"}]'), maxTokens: 10, model: 'm' });
    expect(a).toBe(b);
  });

  it('gives each tenant its own key for the same input', () => {
    const a = summaryKey({ input, maxTokens: 10, model: 'm', tenant: 'aaaa' });
    const b = summaryKey({ input, maxTokens: 10, model: 'm', tenant: 'bbbb' });
    const g = summaryKey({ input, maxTokens: 10, model: 'm' });
    expect(new Set([a, b, g]).size).toBe(3);
  });

  it('escapes the model so it stays one key field', () => {
    expect(summaryKey({ input, maxTokens: 1, model: 'ft:gpt-4o:org:1' })).toMatch(/:ft%3Agpt-4o%3Aorg%3A1$/);
  });

  it('rejects a negative or fractional maxTokens and an empty model', () => {
    expect(() => summaryKey({ input, maxTokens: -1, model: 'm' })).toThrow(/maxTokens/);
    expect(() => summaryKey({ input, maxTokens: 1.5, model: 'm' })).toThrow(/maxTokens/);
    expect(() => summaryKey({ input, maxTokens: 1, model: '' })).toThrow(/model/);
  });
});

describe('configKey', () => {
  it("has the form 'config:{source_hash}' and is the same for a string and its bytes", () => {
    const source = 'caching:\n  enabled: true\n';
    expect(configKey(source)).toMatch(/^config:[0-9a-f]{64}$/);
    expect(configKey(Buffer.from(source))).toBe(configKey(source));
  });

  it('changes when the source changes', () => {
    expect(configKey('a: 1')).not.toBe(configKey('a: 2'));
  });
});
