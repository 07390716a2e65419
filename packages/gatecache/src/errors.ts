import { ownValue } from '@gatecache/core';
import type { z } from 'zod';

/** One problem in config.yaml: the YAML path (`caching.response_cache.ttl`) and what is wrong there. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** Thrown by loadConfig/parseConfig/createGatecache; the message lists every problem with its path. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[], source?: string) {
    const where = source ? ` (${source})` : '';
    super(
      `invalid gatecache configuration${where}:\n` +
        problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `caching.response_cache.ttl`, `alerts[2].condition`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += (out ? '.' : '') + String(part);
  }
  return out || '(root)';
}

/** Levenshtein distance, small inputs only (config keys). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The closest known key, when it is close enough to be a typo (or a word order slip). */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    const d = editDistance(norm(word), norm(k));
    if (d < bestScore) [best, bestScore] = [k, d];
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestScore <= limit ? best : undefined;
}

interface Def {
  type: string;
  shape?: Record<string, { _zod: { def: Def } }>;
  innerType?: { _zod: { def: Def } };
  in?: { _zod: { def: Def } };
  out?: { _zod: { def: Def } };
  element?: { _zod: { def: Def } };
  valueType?: { _zod: { def: Def } };
}

function unwrap(def: Def): Def {
  for (;;) {
    if (def.innerType) def = def.innerType._zod.def;
    else if (def.type === 'pipe' && def.out)
      def = def.out._zod.def.type === 'transform' ? def.in!._zod.def : def.out._zod.def;
    else return def;
  }
}

/** The keys an object schema accepts at a path (for hints). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let def = unwrap((schema as unknown as { _zod: { def: Def } })._zod.def);
  for (const part of path) {
    if (typeof part === 'number' && def.element) def = unwrap(def.element._zod.def);
    else if (def.shape && typeof part === 'string' && ownValue(def.shape, part))
      def = unwrap((ownValue(def.shape, part) as { _zod: { def: Def } })._zod.def);
    else if (def.valueType) def = unwrap(def.valueType._zod.def);
    else return [];
  }
  return def.shape ? Object.keys(def.shape) : [];
}

/** Zod issues as config problems: unknown keys get a did-you-mean hint, or the list of keys allowed there. */
export function problemsOf(error: z.ZodError, schema: z.ZodType): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const guess = didYouMean(key, known);
        const hint = guess ? `did you mean "${guess}"?` : `known keys here: ${known.join(', ')}`;
        out.push({ path: formatPath([...issue.path, key]), message: `unknown key; ${hint}` });
      }
      continue;
    }
    let message = issue.message;
    if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
      message = `must be ${issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
    }
    out.push({ path: formatPath(issue.path), message });
  }
  return out;
}
