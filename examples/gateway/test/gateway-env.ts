import { join } from 'node:path';

/**
 * The environment both gateway tests start from: a free loopback port, a mock provider that never fails and the
 * disk tier under the test's own directory; `extra` adds or overrides the rest.
 */
export function gatewayEnv(dir: string, extra: Record<string, string>): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    MOCK_ERROR_RATE: '0',
    GATECACHE_DISK_PATH: join(dir, 'disk'),
    ...extra,
  };
}
