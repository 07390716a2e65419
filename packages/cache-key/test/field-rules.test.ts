import { FIELD_RULES } from '../src';
import { resolvedRules, resolveRule, selectFields } from '../src/field-rules';

describe('FIELD_RULES', () => {
  it('covers every documented provider endpoint', () => {
    const ids = [
      'openai:chat.completions',
      'openai:completions',
      'openai:responses',
      'openai:embeddings',
      'openai:moderations',
      'openai:models',
      'anthropic:messages',
      'anthropic:models',
      'gemini:generateContent',
      'gemini:streamGenerateContent',
      'gemini:embedContent',
      'azure:chat.completions',
      'azure:completions',
      'azure:embeddings',
      'unknown:unknown',
    ];
    for (const id of ids) expect(FIELD_RULES).toHaveProperty([id]);
  });

  it('includes every field except a short exclude list on endpoints with a body', () => {
    for (const [id, rule] of Object.entries(FIELD_RULES)) {
      if (id.endsWith(':models')) expect(rule.include).toEqual([]);
      else expect(rule.include).toBe('*');
    }
  });

  it('leaves stream out only where a stream converter exists', () => {
    const withoutStream = Object.entries(FIELD_RULES)
      .filter(([, r]) => r.exclude.includes('stream'))
      .map(([id]) => id);
    expect(withoutStream.sort()).toEqual([
      'anthropic:messages',
      'openai:chat.completions',
      'openai:responses',
    ]);
  });

  it('never excludes output-changing fields', () => {
    const changing = [
      'model',
      'messages',
      'tools',
      'temperature',
      'seed',
      'response_format',
      'parallel_tool_calls',
    ];
    for (const rule of Object.values(FIELD_RULES))
      for (const f of changing) expect(rule.exclude).not.toContain(f);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(FIELD_RULES)).toBe(true);
    expect(Object.isFrozen(FIELD_RULES['openai:chat.completions'].exclude)).toBe(true);
  });
});

describe('resolveRule', () => {
  it('returns the documented rule when nothing is overridden', () => {
    expect(resolveRule('openai:embeddings', undefined)).toBe(FIELD_RULES['openai:embeddings']);
  });

  it('falls back to the whole-body rule for an endpoint without a list', () => {
    expect(resolveRule('openai:unknown', undefined)).toBe(FIELD_RULES['unknown:unknown']);
  });

  it("applies '*' first, then the endpoint's own override", () => {
    const rule = resolveRule('openai:chat.completions', {
      '*': { exclude: ['x_trace', 'seed'] },
      'openai:chat.completions': { include: ['user', 'seed'] },
    });
    expect(rule.include).toBe('*');
    expect(rule.exclude).toContain('x_trace');
    expect(rule.exclude).not.toContain('user');
    expect(rule.exclude).not.toContain('seed');
    expect(rule.exclude).toContain('metadata');
  });

  it('keeps the cache_control rewrites of Anthropic messages under overrides', () => {
    const rule = resolveRule('anthropic:messages', { '*': { exclude: ['seed'] } });
    expect(rule.rewrite).toBe(FIELD_RULES['anthropic:messages'].rewrite);
    const system = [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }];
    expect(selectFields({ system }, rule).fields).toEqual({ system: [{ type: 'text', text: 's' }] });
  });

  it('adds included names to an explicit include list', () => {
    expect(resolveRule('openai:models', { 'openai:models': { include: ['q'] } }).include).toEqual(['q']);
  });
});

describe('resolvedRules', () => {
  const overrides = {
    '*': { exclude: ['seed'] },
    'openai:chat.completions': { include: ['user'] },
    'acme:chat': { exclude: ['trace'] },
  };

  it('resolves each endpoint as resolveRule does, once', () => {
    const rules = resolvedRules(overrides);
    for (const id of ['openai:chat.completions', 'anthropic:messages', 'acme:chat', 'acme:other', 'x:y']) {
      expect(rules(id)).toEqual(resolveRule(id, overrides));
      expect(rules(id)).toBe(rules(id));
    }
  });

  it('keeps one entry for every endpoint with no rule or override of its own', () => {
    const rules = resolvedRules(overrides);
    expect(rules('acme:other')).toBe(rules('x:y'));
    expect(rules('acme:chat')).not.toBe(rules('x:y'));
    expect(rules('acme:chat').exclude).toContain('trace');
    expect(rules('x:y').exclude).not.toContain('trace');
  });

  it('hands out the built-in rules as they are without a fields option', () => {
    expect(resolvedRules(undefined)('openai:embeddings')).toBe(FIELD_RULES['openai:embeddings']);
  });
});

describe('selectFields', () => {
  const rule = { include: '*' as const, exclude: ['user', 'stream'] };

  it('splits the body into key fields and left-out field names', () => {
    const out = selectFields({ model: 'm', user: 'u', temperature: 0, stream: true }, rule);
    expect(out.fields).toEqual({ model: 'm', temperature: 0 });
    expect(out.excluded).toEqual(['stream', 'user']);
  });

  it('keys a rewritten field and names what the rewrite dropped', () => {
    const messages = [
      { role: 'user', content: 'plain text' },
      { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] },
    ];
    const out = selectFields({ messages, tools: [] }, FIELD_RULES['anthropic:messages']);
    expect(out.fields).toEqual({
      messages: [messages[0], { role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      tools: [],
    });
    expect(out.excluded).toEqual(['messages[].cache_control']);
    // Untouched values are keyed as they are, not copied.
    expect((out.fields.messages as unknown[])[0]).toBe(messages[0]);
  });

  it('treats a top-level null and stream:false as absent', () => {
    const out = selectFields({ model: 'm', seed: null, stream: false }, { include: '*', exclude: [] });
    expect(out.fields).toEqual({ model: 'm' });
    expect(out.excluded).toEqual(['seed', 'stream']);
  });

  it('keeps only listed fields under an include list', () => {
    expect(selectFields({ a: 1, b: 2 }, { include: ['a'], exclude: [] })).toEqual({
      fields: { a: 1 },
      excluded: ['b'],
    });
  });

  it('keys a body that is not an object as a whole', () => {
    expect(selectFields([1, 2], rule).fields).toEqual({ $body: [1, 2] });
    expect(selectFields(undefined, rule)).toEqual({ fields: {}, excluded: [] });
  });

  it("keeps a '__proto__' field as data", () => {
    const body = JSON.parse('{"__proto__":{"x":1},"model":"m"}') as unknown;
    const { fields } = selectFields(body, rule);
    expect(Object.keys(fields).sort()).toEqual(['__proto__', 'model']);
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
  });
});
