import { blocksWithoutCacheControl, messagesWithoutCacheControl, type FieldRewrite } from './cache-control';
import { ownValue, setOwn } from './own';
import type { FieldOverride } from './types';

export interface FieldRule {
  include: readonly string[] | '*';
  exclude: readonly string[];
  /** Included fields keyed after a rewrite that drops parts that never change the answer (by field name). */
  rewrite?: Readonly<Record<string, FieldRewrite>>;
}

// Hints for OpenAI's own prompt cache (which requests share a cached prefix, how long it lives): they change
// the price and speed of an answer, not the answer.
const PROMPT_CACHE = ['prompt_cache_key', 'prompt_cache_retention'];
// Fields that never change what the model answers: end-user ids for abuse tracking, dashboards and
// retention (`store` on chat completions only stores a copy), the processing tier, and prompt-cache hints.
const CHAT_EXCLUDE = ['user', 'metadata', 'store', 'service_tier', 'safety_identifier', ...PROMPT_CACHE];
// Where a converter exists, the stream mode is left out so one entry answers both modes; the response cache
// shapes the stream (usage chunk included or not) from the asking request.
const CONVERTIBLE = ['stream', 'stream_options'];
const NO_BODY: FieldRule = { include: [], exclude: [] };

const rule = (exclude: string[], rewrite?: Record<string, FieldRewrite>): FieldRule =>
  Object.freeze({
    include: '*',
    exclude: Object.freeze(exclude),
    ...(rewrite ? { rewrite: Object.freeze(rewrite) } : {}),
  });

// Anthropic's prompt-cache breakpoints: top-level (automatic caching) and on system, tool and message blocks.
const ANTHROPIC_CACHE_CONTROL = {
  system: blocksWithoutCacheControl,
  tools: blocksWithoutCacheControl,
  messages: messagesWithoutCacheControl,
};

/**
 * The documented field lists per `${provider}:${endpoint}`. Known endpoints include every body field except
 * the listed ones, so a new output-changing parameter is never silently ignored. Where `stream` is not
 * excluded it is part of the key, and so is `stream_options` (it changes the streamed bytes).
 */
export const FIELD_RULES: Readonly<Record<string, FieldRule>> = Object.freeze({
  'openai:chat.completions': rule([...CHAT_EXCLUDE, ...CONVERTIBLE]),
  'openai:completions': rule(['user', ...PROMPT_CACHE]),
  // The Responses API echoes user, metadata, store and safety_identifier in its answer (and `store` decides
  // whether its id can be reused as previous_response_id): they stay in the key. It echoes prompt_cache_key
  // too, but a hint to the provider's cache must not split ours (the replayed answer shows the first one).
  'openai:responses': rule(['service_tier', ...PROMPT_CACHE, ...CONVERTIBLE]),
  'openai:embeddings': rule(['user']),
  'openai:moderations': rule([]),
  'openai:models': NO_BODY,
  'anthropic:messages': rule(
    ['metadata', 'service_tier', 'stream', 'cache_control'],
    ANTHROPIC_CACHE_CONTROL,
  ),
  'anthropic:models': NO_BODY,
  // `labels` are Vertex AI billing labels.
  'gemini:generateContent': rule(['labels']),
  'gemini:streamGenerateContent': rule(['labels']),
  'gemini:embedContent': rule([]),
  'gemini:models': NO_BODY,
  // No stream converter is promised for Azure (its streams add prompt_filter_results chunks): stream is in the key.
  'azure:chat.completions': rule(CHAT_EXCLUDE),
  'azure:completions': rule(['user', ...PROMPT_CACHE]),
  'azure:responses': rule(['service_tier', ...PROMPT_CACHE]),
  'azure:embeddings': rule(['user']),
  'azure:moderations': rule([]),
  'azure:models': NO_BODY,
  'unknown:unknown': rule([]),
});

export const DEFAULT_RULE_ID = 'unknown:unknown';

/** Applies the `fields` option: '*' first, then the endpoint's own override. */
export function resolveRule(id: string, overrides: Record<string, FieldOverride> | undefined): FieldRule {
  const base = ownValue(FIELD_RULES, id) ?? (FIELD_RULES[DEFAULT_RULE_ID] as FieldRule);
  if (!overrides) return base;
  const include: Set<string> | '*' = base.include === '*' ? '*' : new Set(base.include);
  const exclude = new Set(base.exclude);
  for (const o of [ownValue(overrides, '*'), ownValue(overrides, id)]) {
    if (!o) continue;
    for (const name of o.exclude ?? []) exclude.add(name);
    for (const name of o.include ?? []) {
      exclude.delete(name);
      if (include !== '*') include.add(name);
    }
  }
  const resolved: FieldRule = { include: include === '*' ? '*' : [...include], exclude: [...exclude] };
  return base.rewrite ? { ...resolved, rewrite: base.rewrite } : resolved;
}

interface CompiledRule {
  include: ReadonlySet<string> | undefined;
  exclude: ReadonlySet<string>;
  rewrite: ReadonlyMap<string, FieldRewrite> | undefined;
}

// Sets built once per rule object, not on every key: the built-in rules are frozen constants, and a keyer
// keeps the rules it resolved from its `fields` option (see resolvedRules).
const compiledRules = new WeakMap<FieldRule, CompiledRule>();

function compiled(rule: FieldRule): CompiledRule {
  let c = compiledRules.get(rule);
  if (!c) {
    c = {
      include: rule.include === '*' ? undefined : new Set(rule.include),
      exclude: new Set(rule.exclude),
      rewrite: rule.rewrite ? new Map(Object.entries(rule.rewrite)) : undefined,
    };
    compiledRules.set(rule, c);
  }
  return c;
}

/**
 * resolveRule remembered per endpoint for one keyer's `fields` option. Bounded: endpoints without a rule or
 * an override of their own share the default rule's entry.
 */
export function resolvedRules(
  overrides: Record<string, FieldOverride> | undefined,
): (id: string) => FieldRule {
  if (!overrides) return (id) => resolveRule(id, undefined);
  const rules = new Map<string, FieldRule>();
  return (id) => {
    // Ids are provider:endpoint, never empty: '' stands for every id with no rule and no override of its own,
    // which all resolve alike.
    const slot = Object.hasOwn(FIELD_RULES, id) || Object.hasOwn(overrides, id) ? id : '';
    let rule = rules.get(slot);
    if (!rule) {
      rule = Object.freeze(resolveRule(id, overrides));
      rules.set(slot, rule);
    }
    return rule;
  };
}

export interface Selection {
  fields: Record<string, unknown>;
  excluded: string[];
}

/**
 * Splits a body into the fields that go into the key and those left out. A top-level null equals an absent
 * field and `stream: false` equals no stream (providers read them so), so neither splits the cache.
 * A body that is not a JSON object goes in whole, as '$body'.
 */
export function selectFields(body: unknown, rule: FieldRule): Selection {
  const fields: Record<string, unknown> = {};
  const excluded: string[] = [];
  if (body === undefined) return { fields, excluded };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    setOwn(fields, '$body', body);
    return { fields, excluded };
  }
  const source = body as Record<string, unknown>;
  const { include, exclude, rewrite } = compiled(rule);
  for (const name of Object.keys(source)) {
    const value = ownValue(source, name);
    if (value === undefined) continue;
    const left =
      value === null ||
      exclude.has(name) ||
      (include !== undefined && !include.has(name)) ||
      (name === 'stream' && value === false);
    if (left) {
      excluded.push(name);
      continue;
    }
    const rewritten = rewrite?.get(name)?.(value) ?? value;
    // What a rewrite dropped (cache_control markers, the only rewrites) is reported like a left-out field, so
    // explain() shows why two bodies share a key.
    if (rewritten !== value) excluded.push(`${name}[].cache_control`);
    setOwn(fields, name, rewritten);
  }
  return { fields, excluded: excluded.sort() };
}
