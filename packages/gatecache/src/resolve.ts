import { COMPRESSION_LEVELS, DEFAULT_COMPRESSION } from '@gatecache/core';
import type { CompressionOptions } from '@gatecache/core';
import type { ConfigProblem } from './errors';
import type { NamespaceConfig, ParsedConfig, Profile, WarmingConfig } from './schema';
import { warmingSchema } from './schema';

export type NamespaceName = 'response' | 'summary' | 'models' | 'config';

/** One namespace after layering: its own value, else the global one, else the guide's default. */
export interface ResolvedNamespace {
  enabled: boolean;
  maxSizeMb: number;
  ttl: number;
  compression: CompressionOptions | false;
  staleWhileRevalidate: number;
  staleIfError: number;
  encrypt: boolean;
}

/** The caching guide's defaults per namespace. */
export const GUIDE_NAMESPACES: Record<
  NamespaceName,
  { section: string; maxSizeMb: number; ttl: number; compression: boolean }
> = {
  response: { section: 'response_cache', maxSizeMb: 100, ttl: 1800, compression: true },
  summary: { section: 'summary_cache', maxSizeMb: 50, ttl: 3600, compression: true },
  models: { section: 'model_cache', maxSizeMb: 25, ttl: 300, compression: true },
  config: { section: 'config_cache', maxSizeMb: 10, ttl: 600, compression: false },
};

export type ResolvedWarming = Omit<WarmingConfig, 'enable_pattern_analysis' | 'pattern_analysis'> & {
  pattern_analysis: boolean;
};

/** The configuration createGatecache works from: validated, layered, with profile advice applied. */
export type GatecacheConfig = Omit<ParsedConfig, 'warming' | 'disk'> & {
  profile?: Profile;
  namespaces: Record<NamespaceName, ResolvedNamespace>;
  /** The memory tier's cap (MB): `caching.max_memory_mb`, else the namespaces' sizes added up. */
  memoryMb: number;
  warming: ResolvedWarming;
  /** Where `warming` was written: `warming` or `caching.warming`. */
  warmingPath: string;
  disk: ParsedConfig['disk'] & { enabled: boolean };
  /** Start-up warnings (a profile's advice not followed). */
  warnings: string[];
  /** Where the configuration came from, and its key in the `config` namespace. */
  source: { path?: string; hash: string; key: string };
};

function namespaceOf(
  name: NamespaceName,
  ns: NamespaceConfig,
  parsed: ParsedConfig,
  problems: ConfigProblem[],
): ResolvedNamespace {
  const guide = GUIDE_NAMESPACES[name];
  const c = parsed.caching;
  const path = `caching.${guide.section}`;
  const setting = ns.compression ?? c.enable_compression ?? guide.compression;
  let compression: CompressionOptions | false = false;
  if (setting !== false) {
    // `true` is core's default: zstd 3 where the running Node has zstd, else gzip 6.
    const algorithm = setting === true ? DEFAULT_COMPRESSION.algorithm : setting;
    const level = ns.compression_level ?? (setting === true ? DEFAULT_COMPRESSION.level : 6);
    const [lo, hi] = COMPRESSION_LEVELS[algorithm];
    if (level < lo || level > hi) {
      problems.push({
        path: `${path}.compression_level`,
        message: `must be from ${lo} to ${hi} for ${algorithm}`,
      });
    }
    compression = { algorithm, level, threshold: c.compression_threshold };
  }
  const maxSizeMb = ns.max_size_mb ?? guide.maxSizeMb;
  if (c.max_memory_mb !== undefined && maxSizeMb > c.max_memory_mb) {
    problems.push({
      path: `${path}.max_size_mb`,
      message: `${maxSizeMb} MB is more than caching.max_memory_mb (${c.max_memory_mb} MB)`,
    });
  }
  const encryption = parsed.security.encryption;
  return {
    enabled: c.enabled && (ns.enabled ?? true),
    maxSizeMb,
    ttl: Math.min(ns.ttl ?? c.default_ttl ?? guide.ttl, parsed.invalidation.max_ttl),
    compression,
    staleWhileRevalidate: ns.stale_while_revalidate ?? 0,
    staleIfError: ns.stale_if_error ?? 0,
    encrypt: ns.encrypt ?? (encryption.enabled && (encryption.namespaces as string[]).includes(name)),
  };
}

function warmingOf(w: WarmingConfig, path: string, problems: ConfigProblem[]): ResolvedWarming {
  const { pattern_analysis: a, enable_pattern_analysis: b, ...rest } = w;
  if (a !== undefined && b !== undefined && a !== b) {
    problems.push({
      path: `${path}.enable_pattern_analysis`,
      message: `contradicts ${path}.pattern_analysis (the two spellings of one setting); keep one`,
    });
  }
  return { ...rest, pattern_analysis: a ?? b ?? true };
}

/** Layer globals under namespaces, merge the two warming spellings, settle disk-with-Redis. */
export function resolveConfig(
  parsed: ParsedConfig,
  warmingPath: string,
  problems: ConfigProblem[],
): Omit<GatecacheConfig, 'source' | 'warnings'> {
  const namespaces = {} as Record<NamespaceName, ResolvedNamespace>;
  for (const name of Object.keys(GUIDE_NAMESPACES) as NamespaceName[]) {
    const section = GUIDE_NAMESPACES[name].section as 'response_cache';
    namespaces[name] = namespaceOf(name, parsed.caching[section], parsed, problems);
  }
  const enabledSizes = Object.values(namespaces)
    .filter((n) => n.enabled)
    .reduce((sum, n) => sum + n.maxSizeMb, 0);
  const memoryMb = parsed.caching.max_memory_mb ?? Math.max(1, enabledSizes);
  const warming = warmingOf(parsed.warming ?? warmingSchema.parse({}), warmingPath, problems);
  const disk = { ...parsed.disk, enabled: parsed.disk.enabled ?? !parsed.redis.enabled };
  const { warming: _w, disk: _d, ...rest } = parsed;
  return { ...rest, namespaces, memoryMb, warming, warmingPath, disk };
}
