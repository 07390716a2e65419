import { buildEntry, buildRecipe } from '@gatecache/providers';
import type { Recipe } from '@gatecache/providers';
import type { EntryInput } from '@gatecache/core';
import type { CapturedHead } from './capture';
import type { Deps, Job, KeyMemory } from './context';

/** How many keys with a too-large answer are remembered at most; the oldest go first. */
export const TOO_LARGE_KEYS = 1024;
/** How long one is remembered (ms): later, an answer for the key is held again and may fit. */
export const TOO_LARGE_FOR_MS = 10 * 60_000;

/**
 * Keys whose last answer passed `limits.entryBytes`. A chunked answer's size is known only at its end, after
 * its head went out: for a remembered key the next answer is not held at all, and its head can say why
 * (`Cache-Status: ...; detail=too-large`). Bounded in count and time; keys are cache keys (hashes).
 */
export class TooLargeKeys implements KeyMemory {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly max = TOO_LARGE_KEYS,
    private readonly forMs = TOO_LARGE_FOR_MS,
  ) {}

  get size(): number {
    return this.until.size;
  }

  add(key: string, now: number): void {
    // Re-inserted at the end: the Map's order is the order of eviction.
    this.until.delete(key);
    this.until.set(key, now + this.forMs);
    if (this.until.size > this.max) {
      const oldest = this.until.keys().next();
      if (!oldest.done) this.until.delete(oldest.value);
    }
  }

  has(key: string, now: number): boolean {
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(key);
    return false;
  }

  delete(key: string): void {
    this.until.delete(key);
  }
}

/**
 * Whether an answer is too large to hold, from its head: a declared length over the cap, or no declared
 * length for a key whose last answer was too large (see TooLargeKeys). A length within the cap clears that.
 */
export function tooLargeAtHead(head: CapturedHead, key: string, deps: Deps): boolean {
  const declared = Number(head.headers['content-length']);
  if (head.headers['content-length'] !== undefined && Number.isFinite(declared)) {
    if (declared > deps.o.maxEntryBytes) return true;
    deps.tooLarge.delete(key);
    return false;
  }
  return deps.tooLarge.has(key, deps.o.clock.now());
}

/** A captured answer: its head, and its chunks unless it passed the size cap (then none were held). */
export interface Captured {
  head: CapturedHead;
  chunks: Buffer[];
  tooLarge: boolean;
}

/**
 * Checks a complete captured answer (status, headers, terminal event, size) and stores it under the job's key,
 * with the job's TTL and tags; emits `stored` or `not-stored`. Returns the entry built from a complete answer
 * (stored or not), for the accounting of requests it answered. Never throws: a failing store is counted and
 * logged, and the client already has its answer.
 */
export async function storeAnswer(job: Job, deps: Deps, captured: Captured): Promise<EntryInput | undefined> {
  const { o, acct, events } = deps;
  try {
    if (captured.tooLarge) {
      acct.count('notStored');
      events.emit('not-stored', { key: job.key, reason: 'too-large' });
      return undefined;
    }
    const verdict = buildEntry({
      head: captured.head,
      chunks: captured.chunks,
      keyed: job.keyed,
      tags: job.controls.tags,
      extraHeaders: o.storeHeaders,
      maxBytes: o.maxEntryBytes,
      ...(job.variant !== undefined ? { variant: job.variant } : {}),
      ...recipeOf(job, deps),
    });
    if (!verdict.ok) {
      if (verdict.reason === 'too-large') deps.tooLarge.add(job.key, o.clock.now());
      acct.count('notStored');
      events.emit('not-stored', { key: job.key, reason: verdict.reason });
      return undefined;
    }
    const stored = await o.cache.set(job.key, verdict.input, job.ttl !== undefined ? { ttl: job.ttl } : {});
    if (stored) {
      acct.count('stored');
      events.emit('stored', { key: job.key, size: verdict.input.body.length, kind: verdict.input.kind });
    } else {
      acct.count('notStored');
      events.emit('not-stored', { key: job.key, reason: job.ttl === 0 ? 'ttl 0' : 'refused by every tier' });
    }
    return verdict.input;
  } catch (err) {
    acct.count('errors');
    o.logger.error('gatecache: storing an answer failed', { key: job.key, error: (err as Error).message });
    return undefined;
  }
}

/**
 * The request's replay recipe when recipes are on. Not for encrypted namespaces: entry metadata is stored in
 * clear, and a recipe holds the prompt, which encryption at rest is there to protect.
 */
function recipeOf(job: Job, deps: Deps): { recipe?: Recipe } {
  const { o } = deps;
  if (!o.recordRecipes || o.cache.namespace(job.namespace).encrypt) return {};
  const recipe = buildRecipe(job.req, o.recipeHeaders, o.recipeMaxBytes);
  return recipe ? { recipe } : {};
}
