import { EventEmitter } from 'node:events';
import type { CacheEntry } from '@gatecache/core';
import { costOf, createAccounting, priceOf } from '../src/accounting';

describe('priceOf', () => {
  const pricing = { 'gpt-4o': { input: 2.5, output: 10 }, 'gpt-4o-mini': { input: 0.15, output: 0.6 } };

  it('prefers an exact name, else the longest prefix', () => {
    expect(priceOf(pricing, 'gpt-4o')).toBe(pricing['gpt-4o']);
    expect(priceOf(pricing, 'gpt-4o-mini-2024-07-18')).toBe(pricing['gpt-4o-mini']);
    expect(priceOf(pricing, 'claude')).toBeUndefined();
  });

  it('prices tokens per million', () => {
    expect(costOf({ input: 1, output: 2 }, 1_000_000, 500_000)).toBe(2);
    expect(costOf(undefined, 10, 10)).toBe(0);
  });
});

describe('createAccounting', () => {
  it('adds savings by tenant, model and namespace and emits them', () => {
    const events = new EventEmitter();
    const seen: unknown[] = [];
    events.on('saved', (e) => seen.push(e));
    const acct = createAccounting({ m: { input: 1, output: 1 } }, events);
    const entry = {
      model: 'm',
      tenant: 't',
      provider: 'openai',
      endpoint: 'embeddings',
      usage: { inputTokens: 8, totalTokens: 8 },
    } as CacheEntry;
    acct.saved('k', 'response', entry);
    acct.saved('k', 'response', entry);
    acct.count('hits');
    const s = acct.snapshot();
    expect(s.saved).toEqual({ hits: 2, inputTokens: 16, outputTokens: 0, costUsd: 16 / 1e6 });
    expect(s.byTenant.t?.hits).toBe(2);
    expect(s.byModel.m?.inputTokens).toBe(16);
    expect(s.byNamespace.response?.hits).toBe(2);
    expect(s.hits).toBe(1);
    expect(seen).toHaveLength(2);
    s.saved.hits = 99;
    expect(acct.snapshot().saved.hits).toBe(2);
  });
});
