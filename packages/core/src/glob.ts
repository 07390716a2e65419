// Redis-style globs matched without backtracking: a regular expression backtracks exponentially on runs of
// stars, while keeping only the last star passed bounds a key to (length x longest star-free run) steps.

/** Caps on client-supplied globs, checked by `checkGlob` (the admin routes answer 400 past them). */
export const GLOB_LIMITS = {
  /** Longest pattern accepted, in characters. */
  maxLength: 512,
  /** Most wildcards accepted: a run of `*` counts once, each `?` and each `[...]` class once. */
  maxWildcards: 32,
} as const;

const STAR = 0;
const ONE = 1; // `?`
const LITERAL = 2;
const CLASS = 3;

/** One piece of a parsed glob: `*`, `?`, a literal character, or a class of character ranges. */
export type GlobToken =
  | { kind: typeof STAR }
  | { kind: typeof ONE }
  | { kind: typeof LITERAL; code: number }
  | { kind: typeof CLASS; negated: boolean; ranges: number[] };

/** A glob read into tokens, stars collapsed: a run of `*` means the same as one. */
export interface ParsedGlob {
  tokens: GlobToken[];
  /** Wildcards as `GLOB_LIMITS.maxWildcards` counts them. */
  wildcards: number;
  /** A `[` with no closing `]` (the class then runs to the end of the pattern, as in Redis). */
  unclosed: boolean;
  /** A `\` as the last character (taken literally). */
  trailingEscape: boolean;
}

/**
 * Reads a glob as Redis `MATCH` does: `*` any run of characters, `?` any one, `[abc]`, `[^abc]`, `[a-z]` (a
 * reversed range is swapped), `\x` the character x, in a class too. A `-` first or last in a class is
 * literal. Characters are UTF-16 code units.
 */
export function parseGlob(pattern: string): ParsedGlob {
  const tokens: GlobToken[] = [];
  let wildcards = 0;
  let unclosed = false;
  let trailingEscape = false;
  const n = pattern.length;
  let i = 0;
  while (i < n) {
    const c = pattern.charCodeAt(i);
    if (c === 0x2a /* * */) {
      if (tokens[tokens.length - 1]?.kind !== STAR) {
        tokens.push({ kind: STAR });
        wildcards++;
      }
      i++;
    } else if (c === 0x3f /* ? */) {
      tokens.push({ kind: ONE });
      wildcards++;
      i++;
    } else if (c === 0x5c /* \ */) {
      if (i + 1 < n) {
        tokens.push({ kind: LITERAL, code: pattern.charCodeAt(i + 1) });
        i += 2;
      } else {
        trailingEscape = true;
        tokens.push({ kind: LITERAL, code: c });
        i++;
      }
    } else if (c === 0x5b /* [ */) {
      i++;
      const negated = pattern.charCodeAt(i) === 0x5e; /* ^ */
      if (negated) i++;
      const ranges: number[] = [];
      let closed = false;
      while (i < n) {
        let lo = pattern.charCodeAt(i);
        if (lo === 0x5d /* ] */) {
          closed = true;
          i++;
          break;
        }
        if (lo === 0x5c && i + 1 < n) lo = pattern.charCodeAt(++i);
        i++;
        let hi = lo;
        // `a-z`; a `-` just before the closing `]` is a literal dash.
        if (pattern.charCodeAt(i) === 0x2d && i + 1 < n && pattern.charCodeAt(i + 1) !== 0x5d) {
          hi = pattern.charCodeAt(i + 1);
          i += 2;
          if (hi === 0x5c && i < n) hi = pattern.charCodeAt(i++);
          if (hi < lo) [lo, hi] = [hi, lo];
        }
        ranges.push(lo, hi);
      }
      if (!closed) unclosed = true;
      tokens.push({ kind: CLASS, negated, ranges });
      wildcards++;
    } else {
      tokens.push({ kind: LITERAL, code: c });
      i++;
    }
  }
  return { tokens, wildcards, unclosed, trailingEscape };
}

function matchesOne(token: GlobToken, code: number): boolean {
  switch (token.kind) {
    case ONE:
      return true;
    case LITERAL:
      return token.code === code;
    case CLASS: {
      const r = token.ranges;
      let found = false;
      for (let j = 0; j < r.length; j += 2) {
        if (code >= (r[j] as number) && code <= (r[j + 1] as number)) {
          found = true;
          break;
        }
      }
      return found !== token.negated;
    }
    default:
      return false;
  }
}

/**
 * Whether `key` matches the tokens, by the two-pointer algorithm: only the most recent star takes one more
 * character on a mismatch, since the leftmost fit of a star-free run is as good as any later one.
 */
function matchTokens(tokens: readonly GlobToken[], key: string): boolean {
  const m = tokens.length;
  const n = key.length;
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < n) {
    const t = tokens[p];
    if (t !== undefined && t.kind === STAR) {
      starP = p++;
      starI = i;
    } else if (t !== undefined && matchesOne(t, key.charCodeAt(i))) {
      p++;
      i++;
    } else if (starP >= 0) {
      p = starP + 1;
      i = ++starI;
    } else {
      return false;
    }
  }
  while (p < m && (tokens[p] as GlobToken).kind === STAR) p++;
  return p === m;
}

/**
 * A matcher for Redis-style globs (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\*`), so that a pattern means the
 * same on every tier: `*` crosses every character, `:` and `/` included, exactly as Redis `SCAN MATCH`.
 * Linear in the key for a given pattern (see `matchTokens`), whatever the pattern.
 */
export function globMatcher(pattern: string): (key: string) => boolean {
  if (pattern === '*' || pattern === '') return () => true;
  if (!/[*?[\\]/.test(pattern)) return (key) => key === pattern;
  const { tokens } = parseGlob(pattern);
  const last = tokens.length - 1;
  if (last > 0 && tokens[last]?.kind === STAR && tokens.slice(0, last).every((t) => t.kind === LITERAL)) {
    // `response:openai:*`, the commonest purge: a prefix test.
    const prefix = String.fromCharCode(...tokens.slice(0, last).map((t) => (t as { code: number }).code));
    return (key) => key.startsWith(prefix);
  }
  // Fixed characters the key must hold: a key shorter than that cannot match (a cheap first test).
  const fixed = tokens.reduce((n, t) => n + (t.kind === STAR ? 0 : 1), 0);
  const starred = tokens.some((t) => t.kind === STAR);
  return (key) => (starred ? key.length >= fixed : key.length === fixed) && matchTokens(tokens, key);
}

/**
 * A pattern safe to hand to a store's own matcher (Redis `SCAN MATCH`, whose matcher backtracks
 * exponentially): the glob's literal head, one `*`, and its literal tail, escaped. Every key the glob matches
 * also matches it, so the store returns a superset that the caller filters with `globMatcher`. `exact` is
 * true when it matches exactly what the glob does (no filtering needed).
 */
export function safeStoreGlob(pattern: string): { match: string; exact: boolean } {
  const { tokens } = parseGlob(pattern);
  const esc = (t: GlobToken): string => {
    const ch = String.fromCharCode((t as { code: number }).code);
    return /[*?[\]\\]/.test(ch) ? `\\${ch}` : ch;
  };
  let head = 0;
  while (head < tokens.length && (tokens[head] as GlobToken).kind === LITERAL) head++;
  if (head === tokens.length) return { match: tokens.map(esc).join(''), exact: true };
  let tail = tokens.length;
  while (tail > head && (tokens[tail - 1] as GlobToken).kind === LITERAL) tail--;
  const match = `${tokens.slice(0, head).map(esc).join('')}*${tokens.slice(tail).map(esc).join('')}`;
  const exact = tail === head + 1 && (tokens[head] as GlobToken).kind === STAR;
  return { match, exact };
}

/**
 * Reject globs that cannot mean what their author wanted, or that are over `GLOB_LIMITS`; returns a message
 * saying why, or undefined.
 */
export function checkGlob(pattern: string): string | undefined {
  if (pattern.length > GLOB_LIMITS.maxLength) {
    return `pattern is ${pattern.length} characters long; at most ${GLOB_LIMITS.maxLength} are accepted`;
  }
  const parsed = parseGlob(pattern);
  if (parsed.trailingEscape) return `pattern "${pattern}" ends with an escape`;
  if (parsed.unclosed) return `unbalanced "[" in pattern "${pattern}"`;
  if (parsed.wildcards > GLOB_LIMITS.maxWildcards) {
    return (
      `pattern has ${parsed.wildcards} wildcards; at most ${GLOB_LIMITS.maxWildcards} are accepted ` +
      '(a run of * counts once, each ? and each [...] class once)'
    );
  }
  return undefined;
}
