import {
  COMPRESSION_LEVELS,
  DEFAULT_COMPRESSION,
  DEFAULTS,
  UnreadableEntryError,
  computeIntegrity,
  createCache,
  decodeRecord,
  memoryStore,
  zstdAvailable,
} from '../src';
import type { EntryMeta, StoredRecord } from '../src';

// The default compression follows the running Node (zstd where zlib has it), levels are checked at startup, and
// in a mixed fleet an instance without zstd leaves another instance's zstd entries alone.

const BODY = Buffer.from('x'.repeat(2000) + 'hello');
// zstd frame of BODY (made once with zlib.zstdCompressSync on Node 24), so a Node without zstd can hold one.
const ZSTD_FRAME = Buffer.from('KLUv/WDVBnUAADh4eGhlbGxvAQDL/wAL', 'base64');

function zstdRecord(key: string): StoredRecord {
  const now = Date.now();
  const meta: EntryMeta = {
    v: 1,
    key,
    namespace: 'response',
    createdAt: now,
    expiresAt: now + 60_000,
    staleUntil: now + 60_000,
    size: BODY.length,
    storedSize: ZSTD_FRAME.length,
    encoding: 'zstd',
    integrity: computeIntegrity(key, ZSTD_FRAME),
    tags: [],
  } as EntryMeta;
  return { meta, data: ZSTD_FRAME };
}

/** The module object itself: a TypeScript namespace import is a copy whose properties cannot be deleted. */
function zlibModule(): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:zlib') as Record<string, unknown>;
}

/** Runs `fn` as on a Node whose zlib has no zstd (Node 20, < 22.15), restoring zlib after. */
async function withoutZstd<T>(fn: () => Promise<T>): Promise<T> {
  const z = zlibModule();
  const saved = new Map<string, unknown>();
  for (const name of ['zstdDecompressSync', 'zstdDecompress', 'zstdCompressSync', 'zstdCompress']) {
    if (name in z) saved.set(name, z[name]);
    delete z[name];
  }
  try {
    return await fn();
  } finally {
    for (const [name, value] of saved) z[name] = value;
  }
}

describe('default compression', () => {
  it('is zstd 3 where the running Node has zstd, else gzip 6', () => {
    expect(zstdAvailable).toBe(typeof zlibModule().zstdCompressSync === 'function');
    expect(DEFAULT_COMPRESSION).toEqual(
      zstdAvailable
        ? { algorithm: 'zstd', level: 3, threshold: 1024 }
        : { algorithm: 'gzip', level: 6, threshold: 1024 },
    );
    expect(DEFAULTS.createCache.namespace.compression).toBe(DEFAULT_COMPRESSION);
  });

  it('`compression: true` resolves to the default; false stays off', () => {
    const cache = createCache({
      namespaces: { response: { compression: true }, summary: { compression: false } },
    });
    expect(cache.namespace('response').compression).toEqual(DEFAULT_COMPRESSION);
    expect(cache.namespace('summary').compression).toBe(false);
  });

  it('stores entries of encoded tiers in the default encoding', async () => {
    const tier = memoryStore({ encoded: true });
    const cache = createCache({ tiers: [tier] });
    await cache.set('response:a', { body: BODY });
    expect((await tier.get('response:a'))?.meta.encoding).toBe(DEFAULT_COMPRESSION.algorithm);
    expect((await cache.get('response:a'))?.body.equals(BODY)).toBe(true);
  });
});

describe('compression options', () => {
  it.each(Object.entries(COMPRESSION_LEVELS))('refuses %s levels outside %j', (algorithm, [lo, hi]) => {
    if (algorithm === 'zstd' && !zstdAvailable) return;
    for (const level of [lo - 1, hi + 1, 2.5]) {
      expect(() =>
        createCache({ namespaces: { response: { compression: { algorithm: algorithm as 'gzip', level } } } }),
      ).toThrow(new RegExp(`^createCache: namespaces\\.response\\.compression\\.level must be`));
    }
    for (const level of [lo, hi]) {
      expect(() =>
        createCache({ namespaces: { response: { compression: { algorithm: algorithm as 'gzip', level } } } }),
      ).not.toThrow();
    }
  });

  it('refuses zstd on a Node without it, naming the option', async () => {
    await withoutZstd(async () => {
      // The flag is read at load; the check must follow the running Node, so load the module afresh.
      let core: typeof import('../src') | undefined;
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        core = require('../src') as typeof import('../src');
      });
      if (!core) throw new Error('core did not load');
      expect(core.zstdAvailable).toBe(false);
      expect(core.DEFAULT_COMPRESSION.algorithm).toBe('gzip');
      const fresh = core;
      expect(() =>
        fresh.createCache({ namespaces: { response: { compression: { algorithm: 'zstd' } } } }),
      ).toThrow(/^createCache: namespaces\.response\.compression\.algorithm zstd needs Node 22\.15\+/);
    });
  });

  it('refuses a compression that is neither an object nor a boolean', () => {
    expect(() => createCache({ namespaces: { response: { compression: 'zstd' as never } } })).toThrow(
      TypeError,
    );
  });
});

describe('a zstd entry read by an instance without zstd (mixed fleet)', () => {
  it('decodes where zstd exists', async () => {
    if (!zstdAvailable)
      return expect(() => decodeRecord(zstdRecord('response:z'))).toThrow(UnreadableEntryError);
    expect((await decodeRecord(zstdRecord('response:z'))).equals(BODY)).toBe(true);
  });

  it('is a miss that keeps the entry, not a corrupt entry that is deleted', async () => {
    await withoutZstd(async () => {
      const tier = memoryStore({ encoded: true });
      await tier.set(zstdRecord('response:z'));
      const cache = createCache({ tiers: [tier] });
      const corrupt: unknown[] = [];
      cache.on('corrupt', (e) => corrupt.push(e));
      expect(() => decodeRecord(zstdRecord('response:z'))).toThrow(UnreadableEntryError);
      expect(await cache.get('response:z')).toBeUndefined();
      expect(corrupt).toEqual([]);
      expect(await tier.get('response:z')).toBeDefined();
      expect((await cache.stats()).corrupt).toBe(0);
    });
    // Back on a Node with zstd (when this one has it), the same entry is a hit.
    if (zstdAvailable) {
      const tier = memoryStore({ encoded: true });
      await tier.set(zstdRecord('response:z'));
      const cache = createCache({ tiers: [tier] });
      expect((await cache.get('response:z'))?.body.equals(BODY)).toBe(true);
    }
  });
});
