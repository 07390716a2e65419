import { readFileSync } from 'node:fs';
import path from 'node:path';

// The shared provider payloads (see fixtures/README.md); GATECACHE_FIXTURES points elsewhere if moved.
export const FIXTURES = process.env.GATECACHE_FIXTURES ?? path.resolve(__dirname, '../../../fixtures');

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as T;
}
