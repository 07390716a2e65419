// The suite's raw HTTP client for fuzzing: one keep-alive agent, so thousands of runs do not exhaust ports.
import * as http from 'node:http';
import { send as sendOnce } from '@gatecache/test-kit';
import type { Answer } from '@gatecache/test-kit';

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** Closes the kit's keep-alive sockets (afterAll). */
export function closeAgent(): void {
  agent.destroy();
}

/** One request on the kit's agent: the target as given, repeated headers as repeated lines, exact body bytes. */
export function send(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string | string[]> = {},
  body?: Buffer,
): Promise<Answer> {
  return sendOnce(base, target, { method, headers, body, agent });
}
