/** Request counts per key, per time bucket (absolute bucket number). */
export type BucketCounts = Map<number, Map<string, number>>;

/**
 * Where instances pool their popularity counts. One call per flush: add this instance's increments and read
 * back the most requested keys of the given buckets (all instances together), in one round trip.
 */
export interface PopularityStore {
  exchange(
    increments: ReadonlyMap<number, ReadonlyMap<string, number>>,
    read: readonly number[],
    limit: number,
  ): Promise<BucketCounts>;
}

/** The part of an ioredis pipeline the Redis store uses (ioredis `Redis` and `Cluster` both fit). */
export interface PopularityPipeline {
  zincrby(key: string, increment: number, member: string): unknown;
  expire(key: string, seconds: number): unknown;
  zremrangebyrank(key: string, start: number, stop: number): unknown;
  zrevrange(key: string, start: number, stop: number, withScores: 'WITHSCORES'): unknown;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

/** An ioredis `Redis` or `Cluster` (typed structurally: warming does not load ioredis). */
export interface PopularityClient {
  pipeline(): PopularityPipeline;
}

export interface RedisPopularityOptions {
  client: PopularityClient;
  /** Prefix of the keys. Default `'gatecache:'`. */
  keyPrefix?: string;
  /** Width of a time bucket, seconds (the tracker passes its pattern window). */
  bucketSeconds: number;
  /** Members kept per bucket: the rest (the least requested) are trimmed after each flush. */
  maxKeys: number;
}

/**
 * Counts in one sorted set per time bucket, `<prefix>{popularity}:<bucketSeconds>:<bucket>`: ZINCRBY per key,
 * EXPIRE of two buckets (a bucket is read while current and while previous), then ZREMRANGEBYRANK down to
 * `maxKeys` members so a bucket never grows with the number of distinct keys. The `{popularity}` hash tag
 * keeps every bucket in one Cluster slot, so a flush and its read-back are one pipeline on a Cluster too.
 */
export function redisPopularityStore(options: RedisPopularityOptions): PopularityStore {
  const prefix = options.keyPrefix ?? 'gatecache:';
  const { client, bucketSeconds, maxKeys } = options;
  const keyOf = (bucket: number): string => `${prefix}{popularity}:${bucketSeconds}:${bucket}`;
  return {
    async exchange(increments, read, limit) {
      const pipeline = client.pipeline();
      for (const [bucket, counts] of increments) {
        if (counts.size === 0) continue;
        const key = keyOf(bucket);
        for (const [member, by] of counts) pipeline.zincrby(key, by, member);
        pipeline.expire(key, Math.ceil(bucketSeconds * 2));
        pipeline.zremrangebyrank(key, 0, -(maxKeys + 1));
      }
      for (const bucket of read) pipeline.zrevrange(keyOf(bucket), 0, limit - 1, 'WITHSCORES');
      const replies = await pipeline.exec();
      if (!replies) throw new Error('redis pipeline was discarded');
      const failed = replies.find(([err]) => err);
      if (failed) throw failed[0] as Error;
      const out: BucketCounts = new Map();
      const tail = replies.slice(replies.length - read.length);
      read.forEach((bucket, i) => {
        const flat = (tail[i]?.[1] ?? []) as string[];
        const counts = new Map<string, number>();
        for (let j = 0; j + 1 < flat.length; j += 2) counts.set(flat[j] as string, Number(flat[j + 1]));
        out.set(bucket, counts);
      });
      return out;
    },
  };
}
