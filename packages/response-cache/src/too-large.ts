/** How many keys with a too-large answer are remembered at most; the oldest go first. */
export const TOO_LARGE_KEYS = 1024;
/** How long one is remembered (ms): later, an answer for the key is held again and may fit. */
export const TOO_LARGE_FOR_MS = 10 * 60_000;

/**
 * Keys whose last answer passed `maxEntryBytes`. A chunked answer's size is known only at its end, after its
 * head went out: for a remembered key the next answer is not held at all, and its head can say why
 * (`Cache-Status: ...; detail=too-large`). Bounded in count and time; keys are cache keys (hashes).
 */
export class TooLargeKeys {
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
