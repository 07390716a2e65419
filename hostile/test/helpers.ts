// Shared pieces of the hostile-input suite: the gateway example in-process, and a liveness probe that
// proves other requests keep being served while an attack runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cache } from '@gatecache/core';
import { accessTracker, cacheWarmer, tuningAdvisor } from '@gatecache/warming';
import { startGateway } from '../../examples/gateway/gateway.js';
import type { StartedGateway } from '../../examples/gateway/gateway.js';

export const ADMIN_TOKEN = 'hostile-suite-admin-token';
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

export interface Gateway extends StartedGateway {
  /** Stops the gateway and removes its disk tier. */
  stop(): Promise<void>;
}

/**
 * The gateway example (`npm start`) in this process on a free port, in front of its in-process mock provider
 * with no latency and no injected errors, its disk tier in a temp folder. `env` adds to or overrides that.
 */
export async function gateway(env: NodeJS.ProcessEnv = {}): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gatecache-hostile-'));
  const started = await startGateway({
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      MOCK_LATENCY_MS: '0',
      MOCK_ERROR_RATE: '0',
      GATECACHE_ADMIN_TOKEN: ADMIN_TOKEN,
      GATECACHE_DISK_PATH: join(dir, 'disk'),
      ...env,
    },
    log: () => {},
  });
  return Object.assign(started, {
    async stop() {
      await started.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export interface Liveness {
  /** The slowest answer the probe saw, in ms, counted from when the probe was due. */
  worstMs: number;
  /** Answers the probe got while the attack ran. */
  answers: number;
  /** Probe requests that failed or answered with a status other than 200. */
  failures: string[];
}

/**
 * Runs `attack` while `probeUrl` is fetched back to back, and reports how the probe fared. An attack that stalls
 * the event loop shows up as a slow or missing probe answer; a test asserts `worstMs` under its bound.
 */
export async function whileServing(
  probeUrl: string,
  attack: () => Promise<unknown>,
  init: RequestInit = {},
): Promise<Liveness> {
  const liveness: Liveness = { worstMs: 0, answers: 0, failures: [] };
  let running = true;
  const probe = (async () => {
    // Measured from when a probe was due, not when it went out: a loop stalled during the pause between two
    // probes delays the next one, and that must count.
    let due = performance.now();
    while (running) {
      const started = due;
      try {
        const res = await fetch(probeUrl, init);
        await res.arrayBuffer();
        if (res.status !== 200) liveness.failures.push(`status ${res.status}`);
      } catch (err) {
        liveness.failures.push(String(err));
      }
      liveness.worstMs = Math.max(liveness.worstMs, performance.now() - started);
      liveness.answers++;
      due = performance.now() + 10;
      await new Promise((resolve) => setTimeout(resolve, 10));
      liveness.worstMs = Math.max(liveness.worstMs, performance.now() - due);
    }
  })();
  try {
    await attack();
  } finally {
    running = false;
    await probe;
  }
  return liveness;
}

/** A chat completion body for the OpenAI route. */
export function chat(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra };
}

/** POSTs JSON (or exact text) to the gateway and returns status, headers and text. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-hostile-tenant-a', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/**
 * A tracker, an advisor and a warmer over `cache` for the warming routes: the warmer never runs on its own and
 * its provider answers at once, because the routes, not the replay, are under test.
 */
export function idleWarming(cache: Cache, namespaces?: string[]) {
  const tracker = accessTracker({ cache });
  const advisor = tuningAdvisor({ cache });
  const warmer = cacheWarmer({
    cache,
    tracker,
    enabled: false,
    ...(namespaces ? { namespaces } : {}),
    replay: async () => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{}'),
    }),
  });
  return {
    tracker,
    advisor,
    warmer,
    close(): void {
      warmer.close();
      tracker.close();
      advisor.close();
    },
  };
}
