import { createCache, globMatcher, memoryStore } from '@gatecache/core';
import fc from 'fast-check';
import { executePurge } from '../src/purge';
import { planPurge } from '../src/purge-spec';

const segment = fc.constantFrom('a', 'b', 'ab', 'x.y', 'z-1', '', 'A');
const keyArb = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom(':', '/'))
  .map(([parts, sep]) => parts.join(sep));
const patternArb = fc
  .array(fc.constantFrom('a', 'b', 'x', '.', ':', '/', '*', '?', '[ab]', '[^a]', '[a-b]', '\\*', '-'), {
    minLength: 1,
    maxLength: 6,
  })
  .map((parts) => parts.join(''));

describe('planPurge', () => {
  it('purges exactly the keys a glob matches, on every tier', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { maxLength: 25 }),
        patternArb,
        fc.boolean(),
        async (keys, pattern, viaTag) => {
          const cache = createCache({ tiers: [memoryStore(), memoryStore({ name: 'l2', encoded: true })] });
          try {
            for (const key of keys) await cache.set(key, { body: key, tags: ['t'] });
            const match = globMatcher(pattern);
            const expected = keys.filter((k) => !match(k)).sort();
            // With a tag the scan path runs (metadata reads, key-by-key deletes); without, the tiers' fast path.
            const plan = planPurge(viaTag ? { pattern, tag: 't' } : { pattern });
            const outcome = await executePurge({ cache, batch: 7 }, plan, false);
            const left: string[] = [];
            for await (const k of cache.keys('*')) left.push(k);
            expect(left.sort()).toEqual(expected);
            expect(outcome.deleted).toBe(keys.length - expected.length);
          } finally {
            await cache.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('checks provider, model and tenant field by field rather than by glob alone', () => {
    const plan = planPurge({ model: 'gpt-4o' });
    expect(plan.exact).toBe(false);
    expect(plan.globs).toEqual(['response:*:*:gpt-4o:*:*', 'summary:*:*:gpt-4o']);
    expect(plan.predicate?.('response:openai:chat:gpt-4o:t:h')).toBe(true);
    expect(plan.predicate?.('response:openai:chat:other:gpt-4o:h')).toBe(false);
  });

  it('escapes filter values the way keys are escaped', () => {
    expect(planPurge({ model: 'ft:gpt-4o:org:1' }).globs[0]).toBe('response:*:*:ft%3Agpt-4o%3Aorg%3A1:*:*');
    expect(planPurge({ provider: 'a*' }).globs).toEqual(['response:a%2A:*:*:*:*', 'models:a%2A:*']);
  });

  it('selects nothing when no key layout has every named field', () => {
    expect(planPurge({ tenant: 'abc', namespace: 'summary' }).globs).toEqual([]);
  });
});
