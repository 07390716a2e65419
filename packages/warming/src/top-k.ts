/** A tracked key with its estimated (decayed) count and whatever the caller keeps beside it. */
export interface Ranked<T> {
  key: string;
  count: number;
  data: T;
}

/**
 * The K keys with the highest counts, as an indexed min-heap: the least popular tracked key sits at the
 * root, so a newcomer replaces it in O(log K) when its estimate beats it.
 */
export interface TopK<T> {
  /** Sets the key's count (inserting or evicting as needed); returns the entry, or undefined when not kept. */
  offer(key: string, count: number, create: () => T): Ranked<T> | undefined;
  get(key: string): Ranked<T> | undefined;
  /** Highest count first. */
  sorted(): Ranked<T>[];
  /** Multiplies every count (keeps the heap order). */
  scale(factor: number): void;
  readonly size: number;
}

export function topK<T>(capacity: number, onEvict?: (entry: Ranked<T>) => void): TopK<T> {
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error('topK: capacity must be an integer >= 1');
  const heap: Ranked<T>[] = [];
  const index = new Map<string, number>();
  const swap = (a: number, b: number): void => {
    const x = heap[a] as Ranked<T>;
    const y = heap[b] as Ranked<T>;
    heap[a] = y;
    heap[b] = x;
    index.set(y.key, a);
    index.set(x.key, b);
  };
  const up = (i: number): void => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Ranked<T>).count <= (heap[i] as Ranked<T>).count) return;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < heap.length && (heap[l] as Ranked<T>).count < (heap[least] as Ranked<T>).count) least = l;
      if (r < heap.length && (heap[r] as Ranked<T>).count < (heap[least] as Ranked<T>).count) least = r;
      if (least === i) return;
      swap(i, least);
      i = least;
    }
  };
  return {
    offer(key, count, create) {
      const at = index.get(key);
      if (at !== undefined) {
        const entry = heap[at] as Ranked<T>;
        const before = entry.count;
        entry.count = count;
        if (count < before) up(at);
        else down(at);
        return entry;
      }
      if (heap.length >= capacity) {
        const root = heap[0] as Ranked<T>;
        if (root.count >= count) return undefined;
        index.delete(root.key);
        const entry = { key, count, data: create() };
        heap[0] = entry;
        index.set(key, 0);
        down(0);
        onEvict?.(root);
        return entry;
      }
      const entry = { key, count, data: create() };
      heap.push(entry);
      index.set(key, heap.length - 1);
      up(heap.length - 1);
      return entry;
    },
    get(key) {
      const at = index.get(key);
      return at === undefined ? undefined : heap[at];
    },
    sorted() {
      return [...heap].sort((a, b) => b.count - a.count);
    },
    scale(factor) {
      for (const entry of heap) entry.count *= factor;
    },
    get size() {
      return heap.length;
    },
  };
}
