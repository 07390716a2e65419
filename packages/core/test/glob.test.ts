import fc from 'fast-check';
import picomatch from 'picomatch';
import { GLOB_LIMITS, checkGlob, globMatcher, parseGlob, safeStoreGlob } from '../src/glob';

/**
 * The matcher this package used before (picomatch's regular expression, with `/` swapped so that `*` crosses
 * it): the reference for the documented dialect. It backtracks exponentially, so it only sees small inputs.
 */
function oldMatcher(pattern: string): (key: string) => boolean {
  if (pattern === '*' || pattern === '') return () => true;
  const re = picomatch.makeRe(pattern.replaceAll('/', '\u001f'), {
    dot: true,
    nobrace: true,
    noextglob: true,
    noglobstar: true,
    posix: true,
  });
  return (key) => re.test(key.replaceAll('/', '\u001f'));
}

/** A textbook backtracking matcher of the same tokens: obviously right, exponential, for small inputs only. */
function reference(pattern: string, key: string): boolean {
  const { tokens } = parseGlob(pattern);
  const one = (t: (typeof tokens)[number], c: number): boolean => {
    if (t.kind === 1) return true;
    if (t.kind === 2) return t.code === c;
    if (t.kind === 3) {
      let hit = false;
      for (let j = 0; j < t.ranges.length; j += 2)
        if (c >= (t.ranges[j] as number) && c <= (t.ranges[j + 1] as number)) hit = true;
      return hit !== t.negated;
    }
    return false;
  };
  const go = (p: number, i: number): boolean => {
    if (p === tokens.length) return i === key.length;
    const t = tokens[p] as (typeof tokens)[number];
    if (t.kind === 0) {
      for (let j = i; j <= key.length; j++) if (go(p + 1, j)) return true;
      return false;
    }
    return i < key.length && one(t, key.charCodeAt(i)) && go(p + 1, i + 1);
  };
  return go(0, 0);
}

// Patterns of the documented dialect over a small alphabet, so that matches are frequent.
const atom = fc.constantFrom(
  'a',
  'b',
  ':',
  '/',
  '.',
  '-',
  '*',
  '?',
  '[ab]',
  '[^a]',
  '[a-c]',
  '[:/]',
  '\\*',
  '\\?',
  '\\[',
);
const documented = fc.array(atom, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
const keyOf = fc
  .array(fc.constantFrom('a', 'b', 'c', ':', '/', '.', '-', '*', '?', '['), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('globMatcher', () => {
  it('matches like Redis MATCH: * crosses : and /', () => {
    expect(globMatcher('response:*')('response:openai:chat/completions:m:t:h')).toBe(true);
    expect(globMatcher('response:*:gpt-4o:*')('response:openai:chat.completions:gpt-4o:t:h')).toBe(true);
    expect(globMatcher('summary:*')('response:x')).toBe(false);
    expect(globMatcher('*/*')('a/b')).toBe(true);
    expect(globMatcher('*completions')('response:openai:chat/completions')).toBe(true);
  });

  it('supports ?, classes, negated classes, ranges and escapes', () => {
    expect(globMatcher('a?c')('abc')).toBe(true);
    expect(globMatcher('a?c')('ac')).toBe(false);
    expect(globMatcher('a[bx]c')('axc')).toBe(true);
    expect(globMatcher('a[^b]c')('abc')).toBe(false);
    expect(globMatcher('a[^b]c')('aqc')).toBe(true);
    expect(globMatcher('a[0-9]')('a7')).toBe(true);
    expect(globMatcher('a[9-0]')('a7')).toBe(true);
    expect(globMatcher('a[0-9]')('ax')).toBe(false);
    expect(globMatcher('a\\*')('a*')).toBe(true);
    expect(globMatcher('a\\*')('ab')).toBe(false);
    expect(globMatcher('a[\\]]')('a]')).toBe(true);
    expect(globMatcher('a[x-]')('a-')).toBe(true);
  });

  it('takes braces, parentheses and ! literally, as Redis does', () => {
    expect(globMatcher('a{b,c}')('a{b,c}')).toBe(true);
    expect(globMatcher('a{b,c}')('ab')).toBe(false);
    expect(globMatcher('a+(b)')('a+(b)')).toBe(true);
    expect(globMatcher('a+(b)')('a+b')).toBe(false);
    expect(globMatcher('[!a]')('!')).toBe(true);
    expect(globMatcher('[!a]')('b')).toBe(false);
  });

  it('treats a pattern without wildcards as an exact key', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9:._-]{1,20}$/),
        fc.stringMatching(/^[a-z0-9:._-]{1,20}$/),
        (a, b) => {
          expect(globMatcher(a)(b)).toBe(a === b);
        },
      ),
    );
  });

  it('agrees with a backtracking reference on every small pattern and key', () => {
    fc.assert(
      fc.property(documented, keyOf, (pattern, key) => {
        expect(globMatcher(pattern)(key)).toBe(reference(pattern, key));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with the picomatch matcher it replaced on the documented dialect', () => {
    fc.assert(
      fc.property(documented, keyOf, (pattern, key) => {
        // picomatch's path rule: a wildcard never matches the whole name `.` or `..`. Redis has no such rule.
        fc.pre(key !== '.' && key !== '..');
        expect(globMatcher(pattern)(key)).toBe(oldMatcher(pattern)(key));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with the old matcher on the patterns the purge routes build', () => {
    const keys = [
      'response:openai:chat.completions:gpt-4o:t1:abc',
      'response:anthropic:messages:claude-3:global:def',
      'summary:0123abcd:512:gpt-4o',
      'models:openai:ff00',
      'response:openai:chat.completions:ft%3Agpt-4o%3Aorg:t2:0a',
    ];
    const patterns = [
      'response:*',
      'response:openai:*',
      'response:*:*:gpt-4o:*:*',
      'summary:*',
      '*:gpt-4o*',
      'response:???????:*',
      'response:[ao]*',
      'response:[^a]*',
      '*[0-9]',
      'response:openai:chat.completions:ft%3Agpt-4o%3Aorg:t2:0a',
    ];
    for (const p of patterns)
      for (const k of keys) expect([p, k, globMatcher(p)(k)]).toEqual([p, k, oldMatcher(p)(k)]);
  });

  it('answers pathological patterns at once, where a backtracking matcher takes seconds', () => {
    const keys = Array.from(
      { length: 5 },
      (_, i) => `response:openai:chat.completions:gpt-4o:t${i}:${'a'.repeat(60)}`,
    );
    const patterns = [
      `${'*?'.repeat(15)}*Z`,
      `${'a*'.repeat(30)}b`,
      `${'*'.repeat(400)}x`,
      `*${'a'.repeat(400)}b*`,
      `*[${'a'.repeat(500)}]b`,
    ];
    // No timer here: with the regular expression this replaced, the first pattern alone would keep this test
    // running for hours.
    for (const p of patterns) for (const k of keys) expect(globMatcher(p)(k)).toBe(false);
    expect(globMatcher(`${'*?'.repeat(15)}*a`)(keys[0] as string)).toBe(true);
  });
});

describe('checkGlob', () => {
  it('reports unbalanced classes and a trailing escape', () => {
    expect(checkGlob('response:[abc')).toMatch(/unbalanced/);
    expect(checkGlob('response:\\')).toMatch(/ends with an escape/);
    expect(checkGlob('response:*')).toBeUndefined();
  });

  it('refuses patterns over the length cap, saying so', () => {
    expect(checkGlob('a'.repeat(GLOB_LIMITS.maxLength))).toBeUndefined();
    expect(checkGlob('a'.repeat(GLOB_LIMITS.maxLength + 1))).toMatch(/at most 512 are accepted/);
  });

  it('refuses patterns with too many wildcards, counting a run of stars once', () => {
    expect(checkGlob('*?'.repeat(16))).toBeUndefined();
    expect(checkGlob(`${'*?'.repeat(16)}*`)).toMatch(/33 wildcards; at most 32/);
    expect(checkGlob(`${'*'.repeat(300)}x`)).toBeUndefined();
    expect(checkGlob('[a]'.repeat(33))).toMatch(/wildcards/);
  });
});

describe('safeStoreGlob', () => {
  it('keeps the literal head and tail around one star', () => {
    expect(safeStoreGlob('response:*')).toEqual({ match: 'response:*', exact: true });
    expect(safeStoreGlob('response:*:gpt-4o')).toEqual({ match: 'response:*:gpt-4o', exact: true });
    expect(safeStoreGlob('response:*:*:gpt-4o:*')).toEqual({ match: 'response:*', exact: false });
    expect(safeStoreGlob('*?*?*?*Z')).toEqual({ match: '*Z', exact: false });
    expect(safeStoreGlob('a?c')).toEqual({ match: 'a*c', exact: false });
    expect(safeStoreGlob('a\\*b')).toEqual({ match: 'a\\*b', exact: true });
    expect(safeStoreGlob('a[*]b')).toEqual({ match: 'a*b', exact: false });
  });

  it('matches every key the glob matches, with at most one star', () => {
    fc.assert(
      fc.property(documented, keyOf, (pattern, key) => {
        const safe = safeStoreGlob(pattern);
        expect(parseGlob(safe.match).tokens.filter((t) => t.kind !== 2).length).toBeLessThanOrEqual(1);
        if (globMatcher(pattern)(key)) expect(globMatcher(safe.match)(key)).toBe(true);
        if (safe.exact) expect(globMatcher(safe.match)(key)).toBe(globMatcher(pattern)(key));
      }),
      { numRuns: 5000 },
    );
  });
});
