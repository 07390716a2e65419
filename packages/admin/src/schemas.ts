import { checkGlob } from '@gatecache/core';
import { z } from 'zod';
import { AdminError } from './errors';
import { LOG_LEVELS } from './event-log';

/** Longest key accepted in a query; real keys are a few hundred characters at most. */
export const MAX_KEY_LENGTH = 1024;
const MAX_VALUE_LENGTH = 256;

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const value = (max = MAX_VALUE_LENGTH) =>
  z.string().min(1, 'must not be empty').max(max, `longer than ${max}`);
// Length and wildcard caps are core's (GLOB_LIMITS), with a message that says which one was passed.
const glob = z
  .string()
  .min(1, 'must not be empty')
  .superRefine((p, ctx) => {
    const problem = checkGlob(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

// strictObject: an unknown parameter (a typo such as `provder=`) is an error, never silently ignored.
export const purgeQuery = z.strictObject({
  all: bool.optional(),
  dry_run: bool.optional(),
  key: value(MAX_KEY_LENGTH).optional(),
  provider: value().optional(),
  model: value().optional(),
  namespace: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,63}$/i, 'must be a namespace name (a word)')
    .optional(),
  tag: value().optional(),
  tenant: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a tenant hash as shown by /api/cache/entry')
    .optional(),
  pattern: glob.optional(),
});
export type PurgeQuery = z.infer<typeof purgeQuery>;

export const keysQuery = z.strictObject({
  pattern: glob.optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'must be an integer from 1 to 1000')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, 'must be an integer from 1 to 1000')
    .optional(),
  cursor: value(4 * MAX_KEY_LENGTH).optional(),
});

export const entryQuery = z.strictObject({
  key: value(MAX_KEY_LENGTH),
  include_body: bool.optional(),
});

export const logsQuery = z.strictObject({
  level: z.enum(LOG_LEVELS as [string, ...string[]]).optional(),
  type: value(64).optional(),
  limit: z
    .string()
    .regex(/^\d{1,5}$/, 'must be an integer')
    .transform(Number)
    .optional(),
});

export const emptyQuery = z.strictObject({});

export const validateQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,7}$/, 'must be an integer')
    .transform(Number)
    .refine((n) => n >= 1, 'must be at least 1')
    .optional(),
  remove: bool.optional(),
});

export const explainBody = z.strictObject({
  method: z.string().regex(/^[A-Za-z]{1,16}$/, 'must be an HTTP method'),
  path: z.string().min(1).max(2048).startsWith('/', 'must start with /'),
  headers: z
    .record(z.string().max(256), z.union([z.string().max(8192), z.array(z.string().max(8192))]))
    .optional(),
  body: z.unknown().optional(),
});

/** Parse with a schema or throw a 400 naming every problem (`field: message`). */
export function parse<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown parameter(s): ${issue.keys.join(', ')}`;
    const path = issue.path.join('.') || what;
    if (issue.code === 'invalid_type' && issue.path.length > 0) {
      return `${path}: ${issue.input === undefined ? 'is required' : 'must be given once, as a string'}`;
    }
    return `${path}: ${issue.message}`;
  });
  throw new AdminError(400, 'invalid_request', `invalid ${what}: ${problems.join('; ')}`);
}
