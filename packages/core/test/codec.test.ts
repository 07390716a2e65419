import { randomBytes } from 'node:crypto';
import {
  CorruptEntryError,
  createKeyring,
  decodeRecord,
  encodeRecord,
  keyringFromEnv,
  parseRecord,
  serializeRecord,
  zstdAvailable,
} from '../src/codec';
import type { Compression } from '../src/types';

const timing = { createdAt: 1, expiresAt: 2, staleUntil: 3 };
const body = Buffer.from(JSON.stringify({ text: 'hello '.repeat(500) }));

/** `body` (or `data`) encoded as an untagged response entry under key `k`. */
const encode = (options: Parameters<typeof encodeRecord>[5] = {}, data = body, key = 'k') =>
  encodeRecord(key, 'response', data, timing, { tags: [] }, options);

describe('codec', () => {
  it.each((zstdAvailable ? ['gzip', 'br', 'zstd'] : ['gzip', 'br']) as Compression[])(
    'round-trips a %s-compressed body',
    async (algorithm) => {
      const rec = await encodeRecord(
        'k',
        'response',
        body,
        timing,
        { tags: ['a'] },
        { compression: { algorithm } },
      );
      expect(rec.meta.encoding).toBe(algorithm);
      expect(rec.data.length).toBeLessThan(body.length);
      expect(await decodeRecord(rec)).toEqual(body);
    },
  );

  it('leaves bodies under the threshold uncompressed', async () => {
    const rec = await encode(
      {
        compression: { algorithm: 'gzip', threshold: 1024 },
      },
      Buffer.from('short'),
    );
    expect(rec.meta.encoding).toBe('identity');
  });

  it('refuses a record whose bytes changed', async () => {
    const rec = await encode({ compression: { algorithm: 'gzip' } });
    rec.data[10] = (rec.data[10] ?? 0) ^ 0xff;
    expect(() => decodeRecord(rec)).toThrow(CorruptEntryError);
  });

  it('refuses a record copied under another key', async () => {
    const rec = await encode({}, body, 'k1');
    expect(() => decodeRecord({ meta: { ...rec.meta, key: 'k2' }, data: rec.data })).toThrow(
      CorruptEntryError,
    );
  });

  it('signs with an HMAC when given a signing key, so a writer without it cannot forge', async () => {
    const signingKey = randomBytes(32);
    const rec = await encode({ signingKey });
    expect(rec.meta.integrity.startsWith('hmac-sha256-')).toBe(true);
    expect(await decodeRecord(rec, { signingKey })).toEqual(body);
    const forged = await encode({}, Buffer.from('poison'));
    expect(() => decodeRecord(forged, { signingKey })).toThrow(CorruptEntryError);
  });

  describe('encryption', () => {
    const k1 = randomBytes(32);
    const k2 = randomBytes(32);

    it('encrypts with AES-256-GCM and decrypts with the same keyring', async () => {
      const keyring = createKeyring({ k1 }, 'k1');
      const rec = await encode({ keyring, compression: { algorithm: 'gzip' } });
      expect(rec.meta.encryption?.keyId).toBe('k1');
      expect(rec.data.includes(Buffer.from('hello'))).toBe(false);
      expect(await decodeRecord(rec, { keyring })).toEqual(body);
    });

    it('decrypts entries written with a rotated-out key that is still in the keyring', async () => {
      const old = await encode({ keyring: createKeyring({ k1 }, 'k1') });
      const rotated = createKeyring({ k1, k2 }, 'k2');
      expect(await decodeRecord(old, { keyring: rotated })).toEqual(body);
    });

    it('treats a missing or wrong key as corrupt, never returning ciphertext or plaintext', async () => {
      const rec = await encode({ keyring: createKeyring({ k1 }, 'k1') });
      expect(() => decodeRecord(rec)).toThrow(/no encryption key/);
      expect(() => decodeRecord(rec, { keyring: createKeyring({ k1: k2 }, 'k1') })).toThrow(
        CorruptEntryError,
      );
    });

    it('detects a tampered authentication tag', async () => {
      const keyring = createKeyring({ k1 }, 'k1');
      const rec = await encode({ keyring });
      const tag = Buffer.from(rec.meta.encryption!.tag, 'base64');
      tag[0] = (tag[0] ?? 0) ^ 1;
      rec.meta.encryption!.tag = tag.toString('base64');
      expect(() => decodeRecord(rec, { keyring })).toThrow(/decryption failed/);
    });

    it('reads keys from the environment, with old keys for rotation', () => {
      const ring = keyringFromEnv({
        GATECACHE_ENCRYPTION_KEY: k2.toString('base64'),
        GATECACHE_ENCRYPTION_KEY_ID: 'v2',
        GATECACHE_ENCRYPTION_OLD_KEYS: `v1:${k1.toString('base64')}`,
      });
      expect(ring?.currentKeyId).toBe('v2');
      expect([...ring!.keys.keys()].sort()).toEqual(['v1', 'v2']);
      expect(keyringFromEnv({})).toBeUndefined();
      expect(() => keyringFromEnv({ GATECACHE_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(/32 bytes/);
    });
  });

  it('serializes a record to one buffer and parses it back', async () => {
    const rec = await encodeRecord(
      'k',
      'response',
      body,
      timing,
      { tags: ['t'], status: 200 },
      { compression: { algorithm: 'br' } },
    );
    const parsed = parseRecord(serializeRecord(rec), 'k');
    expect(parsed.meta).toEqual(rec.meta);
    expect(await decodeRecord(parsed)).toEqual(body);
  });

  it('rejects garbage, truncated records and records of another key', async () => {
    const buf = serializeRecord(await encode());
    expect(() => parseRecord(Buffer.from('nope'))).toThrow(CorruptEntryError);
    expect(() => parseRecord(buf.subarray(0, 20))).toThrow(CorruptEntryError);
    expect(() => parseRecord(buf, 'other')).toThrow(/another key/);
    // A truncated body parses but fails its integrity check.
    expect(() => decodeRecord(parseRecord(buf.subarray(0, buf.length - 5)))).toThrow(CorruptEntryError);
  });
});
