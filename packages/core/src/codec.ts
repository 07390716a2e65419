import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { ownValue, setOwn } from './own';
import type { Compression, Encoding, EntryMeta, StoredRecord } from './types';

/** Thrown (and turned into a miss by the cache) when stored bytes fail their checks. */
export class CorruptEntryError extends Error {
  constructor(
    message: string,
    readonly key?: string,
  ) {
    super(message);
    this.name = 'CorruptEntryError';
  }
}

/**
 * Thrown (and turned into a miss that keeps the entry) when a record is sound but this Node cannot decode it:
 * a zstd entry written by a Node 22.15+ instance, read by one without zstd in a mixed fleet.
 */
export class UnreadableEntryError extends Error {
  constructor(
    message: string,
    readonly key?: string,
  ) {
    super(message);
    this.name = 'UnreadableEntryError';
  }
}

export interface CompressionOptions {
  algorithm: Compression;
  /** zlib level (gzip 1-9, brotli 0-11, zstd 1-22: `COMPRESSION_LEVELS`). Default: gzip 6, brotli 4, zstd 3. */
  level?: number;
  /** Bodies smaller than this many bytes are stored as they are. Default 1024. */
  threshold?: number;
}

/** AES-256-GCM keys by id; the current id encrypts, every id decrypts (key rotation). */
export interface Keyring {
  currentKeyId: string;
  keys: Map<string, Buffer>;
}

export interface CodecOptions {
  compression?: CompressionOptions | false;
  /** Encrypt bodies with this keyring's current key. */
  keyring?: Keyring;
  /** With a signing key the integrity is an HMAC, so a party that can write to a shared tier cannot forge entries. */
  signingKey?: Buffer;
  /** Source of IVs; injectable for deterministic tests. */
  randomBytes?: (size: number) => Buffer;
}

/** Whether the running Node has zstd in zlib (Node 22.15+). */
export const zstdAvailable: boolean =
  typeof (zlib as Record<string, unknown>).zstdCompressSync === 'function';

const DEFAULT_LEVEL: Record<Compression, number> = { gzip: 6, br: 4, zstd: 3 };

/** The levels each algorithm accepts, inclusive. */
export const COMPRESSION_LEVELS: Readonly<Record<Compression, readonly [number, number]>> = Object.freeze({
  gzip: [1, 9] as const,
  br: [0, 11] as const,
  zstd: [1, 22] as const,
});

/**
 * The default compression: zstd 3 where the running Node has it, else gzip 6. On our fixtures (bench/compression.js)
 * zstd 3 stores 1.5% fewer bytes than gzip 6 with 2-5x less compression CPU and no slower reads.
 */
export const DEFAULT_COMPRESSION: Readonly<Required<CompressionOptions>> = Object.freeze({
  algorithm: zstdAvailable ? 'zstd' : 'gzip',
  level: DEFAULT_LEVEL[zstdAvailable ? 'zstd' : 'gzip'],
  threshold: 1024,
});
// Below this size zlib runs synchronously: the threadpool hand-off costs more than the work.
const SYNC_LIMIT = 64 * 1024;

type ZlibFn = (buf: Buffer, opts: object) => Buffer;
type ZlibSync = Record<string, ZlibFn>;
const zsync = zlib as unknown as ZlibSync;

function zlibOptions(algorithm: Compression, level: number): object {
  if (algorithm === 'gzip') return { level };
  if (algorithm === 'br') return { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level } };
  const zstdLevel = (zlib.constants as Record<string, number>).ZSTD_c_compressionLevel;
  return { params: { [zstdLevel as number]: level } };
}

const COMPRESS: Record<Compression, string> = { gzip: 'gzip', br: 'brotliCompress', zstd: 'zstdCompress' };
const DECOMPRESS: Record<Compression, string> = {
  gzip: 'gunzip',
  br: 'brotliDecompress',
  zstd: 'zstdDecompress',
};

async function runZlib(name: string, buf: Buffer, opts: object): Promise<Buffer> {
  const sync = ownValue(zsync, `${name}Sync`);
  if (!sync) throw new Error(`zlib.${name} is not available in Node ${process.version}`);
  if (buf.length <= SYNC_LIMIT) return sync(buf, opts);
  const fn = ownValue(
    zlib as unknown as Record<
      string,
      (b: Buffer, o: object, cb: (e: Error | null, r: Buffer) => void) => void
    >,
    name,
  ) as (b: Buffer, o: object, cb: (e: Error | null, r: Buffer) => void) => void;
  return promisify(fn)(buf, opts);
}

export async function compress(buf: Buffer, options: CompressionOptions): Promise<Buffer> {
  const level = options.level ?? DEFAULT_LEVEL[options.algorithm];
  return runZlib(COMPRESS[options.algorithm], buf, zlibOptions(options.algorithm, level));
}

export function decompress(buf: Buffer, encoding: Encoding): Promise<Buffer> | Buffer {
  if (encoding === 'identity') return buf;
  // The encoding comes from a stored entry: an inherited name ('constructor') must read as unknown.
  const name = ownValue(DECOMPRESS, encoding);
  if (!name) throw new CorruptEntryError(`unknown encoding ${String(encoding)}`);
  const sync = ownValue(zsync, `${name}Sync`);
  if (!sync)
    throw new UnreadableEntryError(`encoding ${encoding} is not available in Node ${process.version}`);
  if (buf.length <= SYNC_LIMIT) return sync(buf, {});
  return runZlib(name, buf, {});
}

/** Hash over the key and the stored bytes: binds bytes to their key, so an entry copied under another key fails. */
export function computeIntegrity(key: string, data: Buffer, signingKey?: Buffer): string {
  if (signingKey) {
    return `hmac-sha256-${createHmac('sha256', signingKey).update(key).update('\0').update(data).digest('base64')}`;
  }
  return `sha256-${createHash('sha256').update(key).update('\0').update(data).digest('base64')}`;
}

export function verifyIntegrity(meta: EntryMeta, data: Buffer, signingKey?: Buffer): boolean {
  if (data.length !== meta.storedSize) return false;
  const expected = Buffer.from(computeIntegrity(meta.key, data, signingKey));
  const actual = Buffer.from(String(meta.integrity));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Build a keyring from base64 (or raw 32-byte) keys. */
export function createKeyring(keys: Record<string, string | Buffer>, currentKeyId: string): Keyring {
  const map = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(keys)) {
    const buf = typeof value === 'string' ? Buffer.from(value, 'base64') : value;
    if (buf.length !== 32)
      throw new Error(`encryption key "${id}" must be 32 bytes (base64 of 32 random bytes)`);
    map.set(id, buf);
  }
  if (!map.has(currentKeyId))
    throw new Error(`encryption key id "${currentKeyId}" is not among the configured keys`);
  return { currentKeyId, keys: map };
}

/**
 * Keyring from the environment: `GATECACHE_ENCRYPTION_KEY` (base64, 32 bytes), `GATECACHE_ENCRYPTION_KEY_ID`
 * (default `k1`) and, for rotation, `GATECACHE_ENCRYPTION_OLD_KEYS` as `id:base64,id:base64`.
 * Returns undefined when no key is set.
 */
export function keyringFromEnv(env: NodeJS.ProcessEnv = process.env): Keyring | undefined {
  const current = env.GATECACHE_ENCRYPTION_KEY;
  if (!current) return undefined;
  const id = env.GATECACHE_ENCRYPTION_KEY_ID || 'k1';
  const keys: Record<string, string> = { [id]: current };
  for (const pair of (env.GATECACHE_ENCRYPTION_OLD_KEYS ?? '').split(',').filter(Boolean)) {
    const at = pair.indexOf(':');
    if (at <= 0) throw new Error('GATECACHE_ENCRYPTION_OLD_KEYS must be a comma-separated list of id:base64');
    setOwn(keys, pair.slice(0, at), pair.slice(at + 1));
  }
  return createKeyring(keys, id);
}

export interface RecordTiming {
  createdAt: number;
  expiresAt: number;
  staleUntil: number;
}

export type RecordFields = Omit<
  EntryMeta,
  | 'v'
  | 'key'
  | 'namespace'
  | 'createdAt'
  | 'expiresAt'
  | 'staleUntil'
  | 'size'
  | 'storedSize'
  | 'encoding'
  | 'encryption'
  | 'integrity'
>;

/** Compress (above the threshold), encrypt (with a keyring) and seal a body into a record. */
export async function encodeRecord(
  key: string,
  namespace: string,
  body: Buffer,
  timing: RecordTiming,
  fields: RecordFields,
  options: CodecOptions = {},
): Promise<StoredRecord> {
  let data = body;
  let encoding: Encoding = 'identity';
  const compression = options.compression;
  if (compression && body.length >= (compression.threshold ?? 1024)) {
    const packed = await compress(body, compression);
    // Incompressible bodies (already compressed media, random tokens) stay as they are.
    if (packed.length < body.length) {
      data = packed;
      encoding = compression.algorithm;
    }
  }
  let encryption: EntryMeta['encryption'];
  if (options.keyring) {
    const keyId = options.keyring.currentKeyId;
    const iv = (options.randomBytes ?? randomBytes)(12);
    const cipher = createCipheriv('aes-256-gcm', options.keyring.keys.get(keyId) as Buffer, iv);
    cipher.setAAD(Buffer.from(key));
    data = Buffer.concat([cipher.update(data), cipher.final()]);
    encryption = {
      alg: 'aes-256-gcm',
      keyId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  }
  const meta: EntryMeta = {
    v: 1,
    key,
    namespace,
    ...timing,
    size: body.length,
    storedSize: data.length,
    encoding,
    ...(encryption ? { encryption } : {}),
    integrity: computeIntegrity(key, data, options.signingKey),
    ...fields,
    tags: fields.tags ?? [],
  };
  return { meta, data };
}

/**
 * Verify, decrypt and decompress a record's body. Throws CorruptEntryError on any failure: a bad hash,
 * an unknown or wrong key, a failed authentication tag, or bytes that do not decompress.
 */
export function decodeRecord(
  record: StoredRecord,
  options: Pick<CodecOptions, 'keyring' | 'signingKey'> = {},
): Buffer | Promise<Buffer> {
  const { meta } = record;
  if (!verifyIntegrity(meta, record.data, options.signingKey)) {
    throw new CorruptEntryError('integrity check failed', meta.key);
  }
  let data = record.data;
  if (meta.encryption) {
    const key = options.keyring?.keys.get(meta.encryption.keyId);
    if (!key)
      throw new CorruptEntryError(`no encryption key "${meta.encryption.keyId}" to decrypt`, meta.key);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(meta.encryption.iv, 'base64'));
      decipher.setAAD(Buffer.from(meta.key));
      decipher.setAuthTag(Buffer.from(meta.encryption.tag, 'base64'));
      data = Buffer.concat([decipher.update(data), decipher.final()]);
    } catch {
      throw new CorruptEntryError('decryption failed (wrong key or tampered bytes)', meta.key);
    }
  }
  const check = (body: Buffer): Buffer => {
    if (body.length !== meta.size) throw new CorruptEntryError('decoded size does not match', meta.key);
    return body;
  };
  try {
    const out = decompress(data, meta.encoding);
    if (out instanceof Promise) {
      return out.then(check, (err: Error) => {
        throw new CorruptEntryError(`decompression failed: ${err.message}`, meta.key);
      });
    }
    return check(out);
  } catch (err) {
    if (err instanceof CorruptEntryError) throw err;
    if (err instanceof UnreadableEntryError) throw new UnreadableEntryError(err.message, meta.key);
    throw new CorruptEntryError(`decompression failed: ${(err as Error).message}`, meta.key);
  }
}

const MAGIC = Buffer.from('GCR1');

/** One buffer for tiers that store bytes (disk, Redis): magic, metadata length, metadata JSON, data. */
export function serializeRecord(record: StoredRecord): Buffer {
  const meta = Buffer.from(JSON.stringify(record.meta));
  const head = Buffer.allocUnsafe(MAGIC.length + 4);
  MAGIC.copy(head, 0);
  head.writeUInt32BE(meta.length, MAGIC.length);
  return Buffer.concat([head, meta, record.data]);
}

export function parseRecord(buf: Buffer, expectedKey?: string): StoredRecord {
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new CorruptEntryError('not a gatecache record', expectedKey);
  }
  const metaLength = buf.readUInt32BE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + metaLength > buf.length) throw new CorruptEntryError('truncated record', expectedKey);
  let meta: EntryMeta;
  try {
    meta = JSON.parse(buf.subarray(start, start + metaLength).toString('utf8')) as EntryMeta;
  } catch {
    throw new CorruptEntryError('unreadable record metadata', expectedKey);
  }
  if (meta?.v !== 1 || typeof meta.key !== 'string')
    throw new CorruptEntryError('unknown record version', expectedKey);
  if (expectedKey !== undefined && meta.key !== expectedKey) {
    throw new CorruptEntryError('record belongs to another key', expectedKey);
  }
  return { meta, data: buf.subarray(start + metaLength) };
}
