import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { configKey } from '@gatecache/cache-key';
import { redisOptionsFromConfig } from '@gatecache/store-redis';
import type { RedisConfigBlock } from '@gatecache/store-redis';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { substituteEnv } from './env';
import { ConfigError, problemsOf } from './errors';
import type { ConfigProblem } from './errors';
import { PROFILE_DEFAULTS, mergeUnder, profileWarnings } from './profiles';
import { resolveConfig } from './resolve';
import type { GatecacheConfig } from './resolve';
import { PROFILES, configSchema } from './schema';
import type { Profile } from './schema';

export interface LoadOptions {
  /** Variables for `${ENV}` substitution and `GATECACHE_PROFILE`. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Profile to apply when the file has no `profile:` key. Default `env.GATECACHE_PROFILE`, else none. */
  profile?: Profile;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function yamlDocument(text: string, source: string | undefined): unknown {
  try {
    return parseYaml(text, { prettyErrors: true }) ?? {};
  } catch (err) {
    const at = err instanceof YAMLParseError && err.linePos ? `line ${err.linePos[0].line}` : '(yaml)';
    throw new ConfigError([{ path: at, message: (err as Error).message.split('\n')[0]! }], source);
  }
}

/** Warming may sit at top level or under `caching:` (the guide shows both); move it to top level. */
function relocateWarming(doc: Record<string, unknown>, problems: ConfigProblem[]): string {
  const caching = doc.caching;
  if (!isMapping(caching) || caching.warming === undefined) return 'warming';
  if (doc.warming !== undefined) {
    problems.push({
      path: 'caching.warming',
      message: 'warming is set both at top level and under caching; keep one of the two',
    });
    return 'warming';
  }
  const { warming, ...rest } = caching;
  doc.caching = rest;
  doc.warming = warming;
  return 'caching.warming';
}

function profileOf(
  doc: Record<string, unknown>,
  options: LoadOptions,
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
): Profile | undefined {
  const wanted = doc.profile ?? options.profile ?? (env.GATECACHE_PROFILE || undefined);
  if (wanted === undefined) return undefined;
  if (!(PROFILES as readonly unknown[]).includes(wanted)) {
    const path = doc.profile !== undefined ? 'profile' : 'GATECACHE_PROFILE';
    problems.push({ path, message: `must be one of ${PROFILES.join(', ')} (got ${JSON.stringify(wanted)})` });
    return undefined;
  }
  return wanted as Profile;
}

/** Check the `redis:` block the way the Redis tier will read it, so a bad address fails at load time. */
function checkRedis(block: Record<string, unknown>, problems: ConfigProblem[]): void {
  if (block.enabled !== true) return;
  const { local_cache_mb: _l, lock: _k, ...forTier } = block;
  try {
    redisOptionsFromConfig(forTier as RedisConfigBlock);
  } catch (err) {
    const m = /^redis config: (\S+) (.*)$/s.exec((err as Error).message);
    problems.push(m ? { path: m[1]!, message: m[2]! } : { path: 'redis', message: (err as Error).message });
  }
}

/** Validate config.yaml text; `source` (a file name) only labels errors. Throws ConfigError. */
export function parseConfig(text: string, options: LoadOptions & { source?: string } = {}): GatecacheConfig {
  const env = options.env ?? process.env;
  const source = options.source;
  const doc = yamlDocument(text, source);
  if (!isMapping(doc))
    throw new ConfigError([{ path: '(root)', message: 'must be a mapping of sections' }], source);
  const problems: ConfigProblem[] = [];
  let raw = substituteEnv(doc, env, problems) as Record<string, unknown>;
  const warmingPath = relocateWarming(raw, problems);
  const profile = profileOf(raw, options, env, problems);
  if (profile) raw = mergeUnder(PROFILE_DEFAULTS[profile], raw);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const p of problemsOf(result.error, configSchema)) {
      // Report warming problems where the file wrote them.
      problems.push(
        warmingPath === 'caching.warming' && p.path.startsWith('warming')
          ? { ...p, path: `caching.${p.path}` }
          : p,
      );
    }
    throw new ConfigError(problems, source);
  }
  const resolved = resolveConfig(result.data, warmingPath, problems);
  checkRedis(result.data.redis as Record<string, unknown>, problems);
  if (problems.length > 0) throw new ConfigError(problems, source);
  const key = configKey(JSON.stringify(raw));
  return {
    ...resolved,
    profile,
    warnings: profileWarnings(profile, resolved.redis.enabled),
    source: { path: source, hash: key.slice('config:'.length), key },
  };
}

/**
 * Load config.yaml: `loadConfig('config.yaml')` reads the file; `loadConfig({ text })` takes the text.
 * Every problem is reported at once, each with its YAML path; the first one stops start-up.
 */
export async function loadConfig(
  input: string | { text: string; source?: string },
  options: LoadOptions = {},
): Promise<GatecacheConfig> {
  if (typeof input === 'string') {
    const path = resolvePath(input);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new ConfigError([{ path: '(file)', message: `cannot read ${path}: ${(err as Error).message}` }]);
    }
    return parseConfig(text, { ...options, source: path });
  }
  if (!input || typeof input.text !== 'string')
    throw new TypeError('loadConfig: input must be a path or { text }');
  return parseConfig(input.text, { ...options, source: input.source });
}
