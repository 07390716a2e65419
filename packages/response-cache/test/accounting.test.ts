import { EventEmitter } from 'node:events';
import type { CacheEntry } from '@gatecache/core';
import { DEFAULT_LABEL_LIMITS } from '@gatecache/core';
import { createAccounting } from '../src/accounting';

describe('createAccounting', () => {
  it('adds savings by tenant, model and namespace and emits them', () => {
    const events = new EventEmitter();
    const seen: unknown[] = [];
    events.on('saved', (e) => seen.push(e));
    const acct = createAccounting(
      { pricing: { m: { input: 1, output: 1 } }, labelLimits: DEFAULT_LABEL_LIMITS },
      events,
    );
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

describe('createAccounting with hostile names and many of them', () => {
  const entry = (model: string, tenant: string): CacheEntry =>
    ({ model, tenant, usage: { inputTokens: 1, outputTokens: 1 } }) as CacheEntry;

  it('should keep prototype member names as plain buckets and leave Object.prototype alone', () => {
    const acct = createAccounting({ pricing: {}, labelLimits: DEFAULT_LABEL_LIMITS }, new EventEmitter());
    for (const name of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) {
      acct.saved('k', 'response', entry(name, name));
      acct.saved('k', 'response', entry(name, name));
    }
    const s = acct.snapshot();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('hits');
    expect(Object.hasOwn(s.byModel, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(s.byModel, '__proto__')?.value).toEqual({
      hits: 2,
      inputTokens: 2,
      outputTokens: 2,
      costUsd: 0,
    });
    expect(Object.getOwnPropertyDescriptor(s.byTenant, 'constructor')?.value.hits).toBe(2);
    expect(s.saved.hits).toBe(10);
  });

  it('should fold tenants and models past the limits into other and count them', () => {
    const acct = createAccounting(
      { pricing: {}, labelLimits: { tenants: 3, models: 2, pairs: 10 } },
      new EventEmitter(),
    );
    for (let i = 0; i < 50; i++) acct.saved('k', 'response', entry(`m${i}`, `t${i}`));
    const s = acct.snapshot();
    expect(Object.keys(s.byTenant).sort()).toEqual(['other', 't0', 't1', 't2']);
    expect(Object.keys(s.byModel).sort()).toEqual(['m0', 'm1', 'other']);
    expect(s.byTenant.other?.hits).toBe(47);
    expect(s.folded).toEqual({ tenants: 47, models: 48 });
  });
});
