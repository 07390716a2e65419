import fc from 'fast-check';
import { checkGlob, globMatcher } from '../src/glob';

describe('globMatcher', () => {
  it('matches like Redis MATCH: * crosses : and /', () => {
    expect(globMatcher('response:*')('response:openai:chat/completions:m:t:h')).toBe(true);
    expect(globMatcher('response:*:gpt-4o:*')('response:openai:chat.completions:gpt-4o:t:h')).toBe(true);
    expect(globMatcher('summary:*')('response:x')).toBe(false);
  });

  it('supports ?, classes, negated classes and escapes', () => {
    expect(globMatcher('a?c')('abc')).toBe(true);
    expect(globMatcher('a[bx]c')('axc')).toBe(true);
    expect(globMatcher('a[^b]c')('abc')).toBe(false);
    expect(globMatcher('a[^b]c')('aqc')).toBe(true);
    expect(globMatcher('a\\*')('a*')).toBe(true);
    expect(globMatcher('a\\*')('ab')).toBe(false);
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

  it('reports unbalanced classes', () => {
    expect(checkGlob('response:[abc')).toMatch(/unbalanced/);
    expect(checkGlob('response:*')).toBeUndefined();
  });
});
