import { defaultShouldCache } from '../src';
import { isDeterministic } from '../src/policy';
import type { ShouldCacheContext } from '../src';

const route = (endpoint: string) =>
  ({ provider: 'openai', endpoint, model: 'm', streaming: false, streamConvertible: false }) as const;

describe('isDeterministic', () => {
  it('accepts temperature 0 and seeded requests, Gemini ones inside generationConfig', () => {
    expect(isDeterministic(route('chat.completions'), { temperature: 0 })).toBe(true);
    expect(isDeterministic(route('chat.completions'), { temperature: 1, seed: 3 })).toBe(true);
    expect(isDeterministic(route('generateContent'), { generationConfig: { temperature: 0 } })).toBe(true);
  });

  it('refuses a missing or non-zero temperature', () => {
    expect(isDeterministic(route('messages'), {})).toBe(false);
    expect(isDeterministic(route('chat.completions'), { temperature: 0.2 })).toBe(false);
  });

  it('treats embeddings, moderations and model lists as deterministic', () => {
    for (const e of ['embeddings', 'moderations', 'models', 'embedContent'])
      expect(isDeterministic(route(e), {})).toBe(true);
  });
});

describe('defaultShouldCache', () => {
  const ctx = (determinism: 'all' | 'deterministic', body: unknown): ShouldCacheContext => ({
    req: {} as never,
    route: route('chat.completions'),
    body,
    determinism,
  });

  it('caches everything with determinism all', () => {
    expect(defaultShouldCache(ctx('all', { temperature: 1 }))).toBe(true);
  });

  it('caches only deterministic generations with determinism deterministic', () => {
    expect(defaultShouldCache(ctx('deterministic', { temperature: 1 }))).toBe(false);
    expect(defaultShouldCache(ctx('deterministic', { temperature: 0 }))).toBe(true);
  });
});
