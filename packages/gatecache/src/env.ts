import { ownValue, setOwn } from '@gatecache/core';
import { formatPath } from './errors';
import type { ConfigProblem } from './errors';
import type { GatecacheConfig } from './resolve';

// `${NAME}`, `${NAME:-default}` (default when unset or empty), `$${...}` for a literal `${...}`.
const PATTERN = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function substituteString(
  value: string,
  env: NodeJS.ProcessEnv,
  path: PropertyKey[],
  problems: ConfigProblem[],
): string {
  return value.replace(PATTERN, (whole, escaped: string | undefined, name: string, fallback?: string) => {
    if (escaped) return whole.slice(1);
    const found = ownValue(env, name);
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    if (found === '') return '';
    problems.push({
      path: formatPath(path),
      message: `environment variable ${name} is not set (write \${${name}:-default} to give a default)`,
    });
    return '';
  });
}

/**
 * Replace `${ENV}` references in every string of a parsed YAML document (never in keys), before validation,
 * so substituted values are validated like written ones. Substituting after parsing (not in the raw text)
 * means a value with YAML syntax in it (a password with `: ` or `#`) stays one string.
 */
export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') return substituteString(value, env, path, problems);
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, problems, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, substituteEnv(v, env, problems, [...path, k]));
    return out;
  }
  return value;
}

/**
 * The tokens of every router from the variables `security` names: one rule for the admin, metrics and warming
 * routes (admin opens all, read the routes that change nothing, scrape /metrics/prometheus only).
 */
export function routeTokens(
  s: GatecacheConfig['security'],
  env: NodeJS.ProcessEnv,
): { token?: string; readToken?: string; scrapeToken?: string; auth: boolean } {
  const read = (name: string): string | undefined => ownValue(env, name) || undefined;
  return {
    token: read(s.admin_token_env),
    readToken: read(s.read_token_env),
    scrapeToken: read(s.scrape_token_env),
    auth: s.admin_auth,
  };
}
