import calculateSlot from 'cluster-key-slot';
import type { Redis } from 'ioredis';
import { isCluster } from './connection';
import type { RedisClient } from './types';

/** Escape glob metacharacters so a key prefix is matched literally by `SCAN MATCH`. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** The prefix ioredis itself adds to keyed commands (a `keyPrefix` set on a client we were given). */
export function clientPrefixOf(client: RedisClient): string {
  const prefix = (client.options as { keyPrefix?: unknown }).keyPrefix;
  return typeof prefix === 'string' ? prefix : '';
}

/** The servers a scan must visit: every master of a Cluster (keys live on one each), or the one server. */
function scanTargets(client: RedisClient): Redis[] {
  if (!isCluster(client)) return [client];
  if (client.status !== 'ready') throw new Error(`redis cluster is not ready (status ${client.status})`);
  const masters = client.nodes('master');
  if (masters.length === 0) throw new Error('redis cluster has no known master');
  return masters;
}

/**
 * Every key matching `match` (a full, already prefixed `SCAN MATCH` pattern), in batches as `SCAN` returns
 * them, with the server each came from. Keys come back as stored: with every prefix. Never `KEYS`.
 */
export async function* scanKeys(
  client: RedisClient,
  match: string,
  count: number,
): AsyncGenerator<{ node: Redis; keys: string[] }> {
  for (const node of scanTargets(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', count);
      cursor = next;
      if (keys.length > 0) yield { node, keys };
    } while (cursor !== '0');
  }
}

/**
 * `UNLINK` keys (given as stored, with `clientPrefix` which ioredis adds back) in batches of at most
 * `batchSize`; on a Cluster each batch holds keys of one hash slot only, so no call can be refused with
 * CROSSSLOT. Returns how many keys Redis removed.
 */
export async function unlinkKeys(
  client: RedisClient,
  keys: string[],
  batchSize: number,
  clientPrefix = '',
): Promise<number> {
  const strip = (key: string): string =>
    clientPrefix && key.startsWith(clientPrefix) ? key.slice(clientPrefix.length) : key;
  const groups = new Map<number, string[]>();
  if (isCluster(client)) {
    for (const key of keys) {
      const slot = calculateSlot(key);
      let group = groups.get(slot);
      if (!group) groups.set(slot, (group = []));
      group.push(strip(key));
    }
  } else {
    groups.set(0, keys.map(strip));
  }
  const calls: Promise<number>[] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += batchSize)
      calls.push(client.unlink(...group.slice(i, i + batchSize)));
  }
  const counts = await Promise.all(calls);
  return counts.reduce((a, b) => a + b, 0);
}
