/** Options of one SHARDS sampler (one access stream, e.g. one namespace). */
export interface ShardsOptions {
  /** Cache sizes (entries) the curve is computed at, ascending. Required. */
  sizes: number[];
  /** TTLs (seconds) the curve is computed at, ascending. Required. */
  ttls: number[];
  /** Keys kept in the sample at most ("SHARDS with fixed size": the rate falls as keys arrive). Default 1024. */
  maxSamples?: number;
  /** Starting sample rate R, 0 < R <= 1. Default 1: every key, until the sample is full. */
  initialRate?: number;
}

/** Hit rates of an LRU cache at each size and TTL, estimated from the sampled stream. */
export interface MissRatioCurve {
  sizes: number[];
  ttls: number[];
  /** `hitRates[t][s]`: the hit rate at `ttls[t]` seconds and `sizes[s]` entries (0..1). */
  hitRates: number[][];
  /** Every access offered, sampled or not. */
  references: number;
  /** Current sample rate R. */
  sampleRate: number;
  sampledKeys: number;
  /** Distinct keys seen, estimated as sampled keys / R. */
  distinctKeys: number;
}

export interface ShardsSampler {
  /** Offers one access; `atMs` is its time. */
  access(key: string, atMs: number): void;
  curve(): MissRatioCurve;
  /** Bytes held at most (per-key state and the recency tree), whatever the stream. */
  readonly bytes: number;
}

const TWO32 = 2 ** 32;
/** Time unit of the insert times: 100 ms in a Uint32 spans 13 years. */
const TICK_MS = 100;

/** FNV-1a then murmur3's finaliser: spreads similar keys uniformly over 32 bits, as SHARDS needs. */
export function hash32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

interface Sampled {
  key: string;
  hash: number;
  /** Position of its last access in the recency tree. */
  pos: number;
  /** Per (ttl, size): when the simulated cache of that size last (re)inserted it, in ticks. */
  inserted: Uint32Array;
}

/**
 * SHARDS (Waldspurger et al., FAST '15), fixed-size variant: a key is sampled when its hash falls under a
 * threshold (rate R); reuse distances among sampled keys come from a Fenwick tree over last-access
 * positions and are scaled by 1/R; when the sample outgrows `maxSamples`, the keys with the highest hashes
 * leave, R falls to match, and past counts are scaled by R_new/R_old so old and new references weigh alike.
 *
 * TTLs: an entry expires a fixed time after it was stored (not after its last read), so each sampled key keeps,
 * per size and TTL, the time the simulated cache last stored it; a reuse is a hit when its distance is under the
 * size and the stored copy is younger than the TTL. That matches an LRU whose expired entries keep their place
 * until read, as lru-cache and the core memory store do.
 */
export function shardsSampler(options: ShardsOptions): ShardsSampler {
  const { sizes, ttls } = options;
  const maxSamples = options.maxSamples ?? 1024;
  const initialRate = options.initialRate ?? 1;
  const ascending = (a: number[]): boolean => a.every((v, i) => i === 0 || v > (a[i - 1] as number));
  if (!Array.isArray(sizes) || sizes.length === 0 || !sizes.every((s) => s > 0) || !ascending(sizes))
    throw new Error('shardsSampler: sizes must be ascending positive numbers');
  if (!Array.isArray(ttls) || ttls.length === 0 || !ttls.every((t) => t > 0) || !ascending(ttls))
    throw new Error('shardsSampler: ttls must be ascending positive numbers of seconds');
  if (!Number.isInteger(maxSamples) || maxSamples < 1)
    throw new Error(`shardsSampler: maxSamples must be a positive integer (got ${maxSamples})`);
  if (!(initialRate > 0 && initialRate <= 1))
    throw new Error(`shardsSampler: initialRate must be in (0, 1] (got ${initialRate})`);

  const S = sizes.length;
  const cells = S * ttls.length;
  const ttlTicks = ttls.map((t) => (t * 1000) / TICK_MS);
  const hits = new Float64Array(cells);
  let sampledRefs = 0;
  // Sum of R over every reference: what sampledRefs would be if the sampled keys drew their fair share.
  let expectedRefs = 0;
  let references = 0;
  let threshold = Math.floor(initialRate * TWO32);
  const keys = new Map<string, Sampled>();
  // Max-heap on hash: the keys that leave first when the rate falls.
  const heap: Sampled[] = [];
  // Fenwick tree: 1 at each sampled key's last-access position; renumbered when positions run out.
  const capacity = 4 * maxSamples + 16;
  const tree = new Int32Array(capacity + 1);
  let cursor = 0;
  let epoch: number | undefined;

  const add = (i: number, v: number): void => {
    for (; i <= capacity; i += i & -i) tree[i] = (tree[i] as number) + v;
  };
  const prefix = (i: number): number => {
    let s = 0;
    for (; i > 0; i -= i & -i) s += tree[i] as number;
    return s;
  };
  const swap = (i: number, j: number): void => {
    const t = heap[i] as Sampled;
    heap[i] = heap[j] as Sampled;
    heap[j] = t;
  };
  const push = (s: Sampled): void => {
    heap.push(s);
    let i = heap.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if ((heap[up] as Sampled).hash >= s.hash) break;
      swap(i, up);
      i = up;
    }
  };
  const pop = (): Sampled => {
    const top = heap[0] as Sampled;
    const last = heap.pop() as Sampled;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && (heap[l] as Sampled).hash > (heap[m] as Sampled).hash) m = l;
        if (r < heap.length && (heap[r] as Sampled).hash > (heap[m] as Sampled).hash) m = r;
        if (m === i) break;
        swap(i, m);
        i = m;
      }
    }
    return top;
  };

  const compact = (): void => {
    const live = [...keys.values()].sort((a, b) => a.pos - b.pos);
    tree.fill(0);
    live.forEach((s, i) => {
      s.pos = i + 1;
      add(s.pos, 1);
    });
    cursor = live.length;
  };

  const shrink = (): void => {
    const next = (heap[0] as Sampled).hash;
    while (heap.length > 0 && (heap[0] as Sampled).hash >= next) {
      const gone = pop();
      add(gone.pos, -1);
      keys.delete(gone.key);
    }
    const factor = next / threshold;
    for (let i = 0; i < cells; i++) hits[i] = (hits[i] as number) * factor;
    sampledRefs *= factor;
    expectedRefs *= factor;
    threshold = next;
  };

  return {
    access(key, atMs) {
      references++;
      expectedRefs += threshold / TWO32;
      const h = hash32(key);
      if (h >= threshold) return;
      epoch ??= atMs;
      const now = Math.max(0, Math.floor((atMs - epoch) / TICK_MS));
      sampledRefs++;
      if (cursor === capacity) compact();
      let s = keys.get(key);
      let distance = Infinity;
      if (s) {
        distance = (prefix(cursor) - prefix(s.pos)) / (threshold / TWO32);
        add(s.pos, -1);
      } else {
        s = { key, hash: h, pos: 0, inserted: new Uint32Array(cells) };
        keys.set(key, s);
        push(s);
      }
      s.pos = ++cursor;
      add(s.pos, 1);
      for (let t = 0; t < ttlTicks.length; t++) {
        const limit = ttlTicks[t] as number;
        for (let z = 0; z < S; z++) {
          const i = t * S + z;
          if (distance < (sizes[z] as number) && now - (s.inserted[i] as number) < limit) {
            hits[i] = (hits[i] as number) + 1;
          } else s.inserted[i] = now;
        }
      }
      if (keys.size > maxSamples) shrink();
    },
    curve() {
      const rate = threshold / TWO32;
      // SHARDS_adj: a hot key that happens to be sampled (or not) skews the sample; the surplus or shortfall of
      // sampled references goes to the smallest distance, which is a hit at every size.
      const adjust = expectedRefs - sampledRefs;
      const rateAt = (i: number): number =>
        expectedRefs > 0 ? Math.min(1, Math.max(0, ((hits[i] as number) + adjust) / expectedRefs)) : 0;
      return {
        sizes: [...sizes],
        ttls: [...ttls],
        hitRates: ttls.map((_, t) => sizes.map((_s, z) => rateAt(t * S + z))),
        references,
        sampleRate: rate,
        sampledKeys: keys.size,
        distinctKeys: Math.round(keys.size / rate),
      };
    },
    bytes: (maxSamples + 1) * (cells * 4 + 120) + (capacity + 1) * 4,
  };
}
