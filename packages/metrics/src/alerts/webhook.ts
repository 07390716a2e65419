import type { Logger } from '@gatecache/core';
import type { AlertStatus, AlertTransition } from './engine';
import type { Severity } from './rules';

/** What the webhook receives for each firing or resolved alert. */
export interface AlertPayload {
  alert: string;
  state: AlertStatus;
  severity: Severity;
  message: string;
  value: number | null;
  /** The rule's `action` (`notify_team`, `scale_resources`...); `notify_team` when the rule has none. */
  action: string;
  /** ISO 8601 time of the transition. */
  at: string;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number }>;

export interface WebhookOptions {
  /** Where payloads are POSTed as JSON. Required. */
  url: string;
  /** Attempts per payload, the first included. Default 5. */
  maxAttempts?: number;
  /** Wait before the second attempt; doubles each time (exponential backoff). Default 500 ms. */
  baseDelayMs?: number;
  /** Upper bound of one wait. Default 30 000 ms. */
  maxDelayMs?: number;
  /** Time one attempt may take. Default 5000 ms. */
  timeoutMs?: number;
  /** Extra request headers (e.g. an Authorization for the receiver). Default none. */
  headers?: Record<string, string>;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Default: a `setTimeout` promise (unref'd). Tests pass one that does not wait. */
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
}

export interface Webhook {
  /** POSTs the payload (after earlier ones) until accepted (2xx) or out of attempts; resolves to whether it was delivered. */
  send(payload: AlertPayload): Promise<boolean>;
}

const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** The payload for a transition (to `firing` or `resolved`). */
export function alertPayload(t: AlertTransition): AlertPayload {
  return {
    alert: t.name,
    state: t.to,
    severity: t.severity,
    message: t.message,
    value: t.value,
    action: t.action ?? 'notify_team',
    at: new Date(t.at).toISOString(),
  };
}

function positive(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= min)) {
    throw new Error(`alert webhook: options.${name} must be a number >= ${min}`);
  }
}

export function createWebhook(options: WebhookOptions): Webhook {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new Error(`alert webhook: options.webhookUrl "${options.url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error('alert webhook: options.webhookUrl must be http or https');
  }
  positive('maxAttempts', options.maxAttempts, 1);
  positive('baseDelayMs', options.baseDelayMs, 0);
  positive('maxDelayMs', options.maxDelayMs, 0);
  positive('timeoutMs', options.timeoutMs, 1);
  const {
    url,
    maxAttempts = 5,
    baseDelayMs = 500,
    maxDelayMs = 30_000,
    timeoutMs = 5000,
    headers = {},
    sleep = defaultSleep,
    logger,
  } = options;
  const doFetch: FetchLike = options.fetch ?? ((u, init) => fetch(u, init));

  async function deliver(payload: AlertPayload): Promise<boolean> {
    {
      const body = JSON.stringify(payload);
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        let reason: string;
        try {
          const res = await doFetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body,
            signal: AbortSignal.timeout(timeoutMs),
          });
          if (res.ok) return true;
          reason = `HTTP ${res.status}`;
        } catch (err) {
          reason = (err as Error).message;
        }
        if (attempt === maxAttempts) {
          logger?.error(`alert webhook: giving up on "${payload.alert}" after ${attempt} attempts`, {
            reason,
          });
          return false;
        }
        const delay = Math.min(baseDelayMs * 2 ** (attempt - 1), maxDelayMs);
        logger?.warn(`alert webhook: attempt ${attempt} for "${payload.alert}" failed; retrying`, {
          reason,
          delayMs: delay,
        });
        await sleep(delay);
      }
      return false;
    }
  }

  // One delivery at a time: a receiver must see `resolved` after the `firing` it resolves.
  let tail: Promise<unknown> = Promise.resolve();
  return {
    send(payload) {
      const result = tail.then(() => deliver(payload));
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
