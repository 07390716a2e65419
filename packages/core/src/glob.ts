import picomatch from 'picomatch';

// picomatch treats `/` as a path separator that `*` never crosses; Redis MATCH has no separators.
// Swapping `/` for a control character on both sides gives Redis semantics with picomatch's parser.
const SLASH = '\u001f';
const OPTIONS: picomatch.PicomatchOptions = {
  dot: true,
  nobrace: true,
  noextglob: true,
  noglobstar: true,
  posix: true,
};

/**
 * A matcher for Redis-style globs (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\*`), so that a pattern means the
 * same on every tier: `*` crosses every character, `:` and `/` included, exactly as Redis `SCAN MATCH`.
 */
export function globMatcher(pattern: string): (key: string) => boolean {
  if (pattern === '*' || pattern === '') return () => true;
  if (!/[*?[\\]/.test(pattern)) return (key) => key === pattern;
  const re = picomatch.makeRe(pattern.replaceAll('/', SLASH), OPTIONS);
  return (key) => re.test(key.replaceAll('/', SLASH));
}

/** Reject globs that cannot mean what their author wanted; returns a message or undefined. */
export function checkGlob(pattern: string): string | undefined {
  let open = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (i === pattern.length - 1) return `pattern "${pattern}" ends with an escape`;
      i++;
    } else if (c === '[') open = true;
    else if (c === ']') open = false;
  }
  if (open) return `unbalanced "[" in pattern "${pattern}"`;
  return undefined;
}
