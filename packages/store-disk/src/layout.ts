import { createHash } from 'node:crypto';
import { join } from 'node:path';

// cacache 20 keeps content under content-v2 and the index under index-v5; these names are part of its
// on-disk format (its package.json "cache-version"), so a cacache major that changes them changes ours.
const CONTENT_DIR = 'content-v2';
const INDEX_DIR = 'index-v5';
const ALGORITHM = 'sha512';

/** Where cacache puts things under one cache folder; lets the store account for and remove files itself. */
export interface Layout {
  readonly root: string;
  readonly tmpDir: string;
  readonly contentRoot: string;
  readonly indexRoot: string;
  /** Folders that exist as soon as anything is stored: the root, tmp, the index and content roots. */
  readonly baseDirs: readonly string[];
  contentPath(integrity: string): string;
  /** The two fan-out folders of a content file, deepest first. */
  contentDirs(integrity: string): [string, string];
  bucketPath(key: string): string;
  /** The two fan-out folders of a key's index bucket, deepest first. */
  bucketDirs(key: string): [string, string];
}

function segments(hex: string): [string, string, string] {
  return [hex.slice(0, 2), hex.slice(2, 4), hex.slice(4)];
}

/** The `sha512-<base64>` integrity cacache computes for these bytes (its default algorithm). */
export function contentIntegrity(data: Buffer): string {
  return `${ALGORITHM}-${createHash(ALGORITHM).update(data).digest('base64')}`;
}

/** Inverse of the content path: the integrity of the file at `<contentRoot>/<a>/<b>/<rest>`. */
export function integrityFromSegments(a: string, b: string, rest: string): string | undefined {
  const hex = a + b + rest;
  if (!/^[0-9a-f]{128}$/.test(hex)) return undefined;
  return `${ALGORITHM}-${Buffer.from(hex, 'hex').toString('base64')}`;
}

/**
 * Bytes of the line cacache appends to a key's bucket: `\n<sha1 hex>\t<json>`, the JSON's fields in the
 * order cacache writes them. Buckets hold one line each here (the store rewrites a bucket on overwrite).
 */
export function bucketLineBytes(
  key: string,
  integrity: string,
  time: number,
  size: number,
  metadata: unknown,
): number {
  return 42 + Buffer.byteLength(JSON.stringify({ key, integrity, time, size, metadata }));
}

export function createLayout(root: string): Layout {
  const contentRoot = join(root, CONTENT_DIR, ALGORITHM);
  const indexRoot = join(root, INDEX_DIR);
  const contentHex = (integrity: string): string => {
    const b64 = integrity.slice(ALGORITHM.length + 1);
    return Buffer.from(b64, 'base64').toString('hex');
  };
  const keyHex = (key: string): string => createHash('sha256').update(key).digest('hex');
  return {
    root,
    tmpDir: join(root, 'tmp'),
    contentRoot,
    indexRoot,
    baseDirs: [root, join(root, 'tmp'), join(root, CONTENT_DIR), contentRoot, indexRoot],
    contentPath: (integrity) => join(contentRoot, ...segments(contentHex(integrity))),
    contentDirs: (integrity) => {
      const [a, b] = segments(contentHex(integrity));
      return [join(contentRoot, a, b), join(contentRoot, a)];
    },
    bucketPath: (key) => join(indexRoot, ...segments(keyHex(key))),
    bucketDirs: (key) => {
      const [a, b] = segments(keyHex(key));
      return [join(indexRoot, a, b), join(indexRoot, a)];
    },
  };
}
