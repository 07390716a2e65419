import { hash } from 'node:crypto';
import { CREDENTIAL_HEADERS } from '@gatecache/providers';
import { LRUCache } from 'lru-cache';
import { ownValue } from './own';
import { headerValue } from './secrets';
import type { KeyRequest, KeyResult } from './types';
import { BUILT_IN_VARY_HEADERS } from './vary';

/**
 * Remembers keys by a hash of the exact request bytes (method, URL, the headers a key reads, raw body), so a
 * byte-identical repeat costs a sha256 of its bytes instead of a canonicalization: the hit path's largest cost.
 */
export interface KeyMemo {
  get(req: KeyRequest): KeyResult | undefined;
  set(req: KeyRequest, result: KeyResult): void;
}

export function createKeyMemo(size: number, varyHeaders: readonly string[]): KeyMemo | undefined {
  if (size <= 0) return undefined;
  const lru = new LRUCache<string, KeyResult>({ max: size });
  const headers = [...new Set([...CREDENTIAL_HEADERS, ...BUILT_IN_VARY_HEADERS, ...varyHeaders])];
  // The last fingerprint: a caller asks remembered() and then key(), which looks up and stores, for one request.
  let lastRaw: Buffer | string | undefined;
  let lastHead = '';
  let lastFingerprint = '';
  const fingerprint = (req: KeyRequest): string | undefined => {
    const raw = req.rawBody;
    if (raw === undefined) return undefined;
    // The head as one string, hashed together with the body's digest below.
    let head = `${req.method.toUpperCase()}\0${req.url}`;
    for (const name of headers) {
      const value = headerValue(ownValue(req.headers, name));
      if (value !== undefined) head += `\0${name}=${value}`;
    }
    if (raw === lastRaw && head === lastHead) return lastFingerprint;
    lastRaw = raw;
    lastHead = head;
    // Two one-shot hashes (Node >= 20.12), the body's bytes hashed where they are: no Hash object, whose
    // construction costs more than the hashing on a hit, and no copy of the body.
    lastFingerprint = hash('sha256', `${head}\0\0${hash('sha256', raw, 'base64')}`, 'base64');
    return lastFingerprint;
  };
  return {
    get(req) {
      const f = fingerprint(req);
      return f === undefined ? undefined : lru.get(f);
    },
    set(req, result) {
      const f = fingerprint(req);
      if (f !== undefined) lru.set(f, result);
    },
  };
}
