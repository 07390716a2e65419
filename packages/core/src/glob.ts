import wcmatch from 'wildcard-match';

/**
 * A matcher for Redis-style globs (`*`, `?`, `[abc]`, `[^a]`, `\*`), so that a pattern means the same on
 * every tier: `*` crosses every character, `:` and `/` included, exactly as Redis `SCAN MATCH` does.
 */
export function globMatcher(pattern: string): (key: string) => boolean {
  if (pattern === '*' || pattern === '') return () => true;
  if (!/[*?[\\]/.test(pattern)) return (key) => key === pattern;
  // wildcard-match spells a negated class `[!a]`; Redis spells it `[^a]`.
  const matcher = wcmatch(pattern.replace(/\[\^/g, '[!'), { separator: false });
  return (key) => matcher(key);
}

/** Reject globs that cannot mean what their author wanted; returns a message or undefined. */
export function checkGlob(pattern: string): string | undefined {
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '[') depth++;
    else if (c === ']' && depth > 0) depth--;
  }
  if (depth !== 0) return `unbalanced "[" in pattern "${pattern}"`;
  if (pattern.endsWith('\\') && !pattern.endsWith('\\\\')) return `pattern "${pattern}" ends with an escape`;
  return undefined;
}
