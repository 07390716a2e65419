import { escapeKeyPart } from '@gatecache/cache-key';
import { globMatcher } from '@gatecache/core';

/** The filters of a purge (all optional; combined with AND). Values are raw; escaping happens here. */
export interface PurgeFilters {
  key?: string;
  provider?: string;
  model?: string;
  namespace?: string;
  tag?: string;
  /** A tenant hash as keys hold it (shown by /api/cache/entry), never a credential. */
  tenant?: string;
  pattern?: string;
}

type Field = 'provider' | 'model' | 'tenant';

/** Where the structured fields sit in each built-in key layout (index in `key.split(':')`). */
export const KEY_LAYOUTS: Record<string, { length: number; fields: Partial<Record<Field, number>> }> = {
  // response:{provider}:{endpoint}:{model}:{tenant}:{params_hash}
  response: { length: 6, fields: { provider: 1, model: 3, tenant: 4 } },
  // summary:{input_hash}:{max_tokens}:{model}
  summary: { length: 4, fields: { model: 3 } },
  // models:{provider}:{hash}
  models: { length: 3, fields: { provider: 1 } },
};

/** What a purge scans and keeps. */
export interface PurgePlan {
  /** Globs to scan (each key matched by any of them is a candidate). Empty: nothing can match. */
  globs: string[];
  /** Exact test on the key; undefined when the globs alone are exact. */
  predicate?: (key: string) => boolean;
  /** Entries must also carry this tag (read from each tier's metadata). */
  tag?: string;
  /** Whether `globs` remove exactly what the filters name, so tiers' own pattern deletes may be used. */
  exact: boolean;
  /** Set when the purge names one key and nothing else (announced to other instances as a key). */
  key?: string;
  /** Human-readable description for the audit log. */
  describe: string;
}

/** Escape the glob characters of a literal string, so it matches only itself. */
export function globEscape(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Turn filters into scan globs plus an exact predicate. Provider, model and tenant are fields at fixed
 * positions of the built-in layouts; a glob such as `response:*:*:gpt-4o:*` would also match a key whose
 * tenant field is `gpt-4o` (`*` crosses `:`), so those filters are checked field by field on each key.
 */
export function planPurge(filters: PurgeFilters): PurgePlan {
  const describe = Object.entries(filters)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const tests: ((key: string) => boolean)[] = [];
  if (filters.pattern !== undefined) tests.push(globMatcher(filters.pattern));
  if (filters.key !== undefined) {
    const key = filters.key;
    tests.push((k) => k === key);
  }
  if (filters.namespace !== undefined) {
    const prefix = `${filters.namespace}:`;
    tests.push((k) => k.startsWith(prefix));
  }

  const wanted = (['provider', 'model', 'tenant'] as const).filter((f) => filters[f] !== undefined);
  const escaped: Partial<Record<Field, string>> = {};
  for (const f of wanted) escaped[f] = escapeKeyPart(filters[f] as string);

  let globs: string[];
  let exact: boolean;
  if (wanted.length > 0) {
    const layouts = Object.entries(KEY_LAYOUTS).filter(
      ([ns, l]) =>
        wanted.every((f) => l.fields[f] !== undefined) &&
        (filters.namespace === undefined || filters.namespace === ns),
    );
    globs = layouts.map(([ns, l]) => {
      const parts = new Array<string>(l.length).fill('*');
      parts[0] = ns;
      for (const f of wanted) parts[l.fields[f] as number] = escaped[f] as string;
      return parts.join(':');
    });
    const byNs = new Map(layouts);
    tests.push((k) => {
      const parts = k.split(':');
      const layout = byNs.get(parts[0] as string);
      if (!layout || parts.length !== layout.length) return false;
      return wanted.every((f) => parts[layout.fields[f] as number] === escaped[f]);
    });
    // Only a provider alone is a plain prefix (`response:openai:*`), hence exact as a glob.
    exact = wanted.length === 1 && wanted[0] === 'provider' && filters.namespace === undefined;
  } else if (filters.key !== undefined) {
    globs = [globEscape(filters.key)];
    exact = true;
  } else if (filters.namespace !== undefined) {
    globs = [`${globEscape(filters.namespace)}:*`];
    exact = true;
  } else if (filters.pattern !== undefined) {
    globs = [filters.pattern];
    exact = true;
  } else {
    globs = ['*'];
    exact = true;
  }
  // Two or more of key/namespace/pattern together: the scan glob is one of them, the rest are tests.
  const simple = ['key', 'namespace', 'pattern'].filter(
    (f) => filters[f as keyof PurgeFilters] !== undefined,
  );
  if (simple.length > 1) exact = false;
  if (filters.tag !== undefined) exact = false;
  const plan: PurgePlan = { globs, exact, describe: describe || 'all' };
  if (!exact && tests.length > 0) plan.predicate = (k) => tests.every((t) => t(k));
  if (filters.tag !== undefined) plan.tag = filters.tag;
  if (exact && filters.key !== undefined) plan.key = filters.key;
  return plan;
}
