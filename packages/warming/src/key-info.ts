/** What a cache key says about its request (the layouts of @gatecache/cache-key). */
export interface KeyInfo {
  namespace: string;
  provider?: string;
  endpoint?: string;
  model?: string;
  /** Tenant scope hash, or 'global'. */
  tenant?: string;
}

function unescape(part: string | undefined): string | undefined {
  if (part === undefined) return undefined;
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * Reads `response:{provider}:{endpoint}:{model}:{tenant}:{hash}[:v{n}]` and `models:{provider}:{hash}`; other
 * namespaces yield only their name. Fields are %XX-escaped by the keyer, so a colon inside a model stays put.
 */
export function parseKey(key: string): KeyInfo {
  const parts = key.split(':');
  const namespace = parts[0] ?? key;
  if (namespace === 'response' && parts.length >= 6) {
    return {
      namespace,
      provider: unescape(parts[1]),
      endpoint: unescape(parts[2]),
      model: unescape(parts[3]),
      tenant: parts[4],
    };
  }
  if (namespace === 'models' && parts.length >= 3) return { namespace, provider: unescape(parts[1]) };
  return { namespace };
}
