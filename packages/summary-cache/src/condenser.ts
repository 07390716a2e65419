import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { readRequestBody } from '@gatecache/providers';
import type { BodyRequest, RouteInfo } from '@gatecache/providers';
import type { NextFunction, Request, Response } from 'express';
import { condense } from './condense';
import { resolveCondenserOptions } from './options';
import type { ResolvedCondenserOptions } from './options';
import type { ChatBody, ChatProvider, ContextCondenserMiddleware, ContextCondenserOptions } from './types';

export const CONDENSED_HEADER = 'x-gatecache-condensed';
export const TOKENS_REMOVED_HEADER = 'x-gatecache-tokens-removed';

interface Counts {
  requests: number;
  condensed: number;
  tokensRemoved: number;
  passedThrough: number;
  rejected: number;
}

function chatProvider(route: RouteInfo): ChatProvider | undefined {
  if (route.endpoint === 'chat.completions' && (route.provider === 'openai' || route.provider === 'azure')) {
    return 'openai';
  }
  if (route.endpoint === 'messages' && route.provider === 'anthropic') return 'anthropic';
  return undefined;
}

function isChatBody(body: unknown): body is ChatBody {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  return (
    Array.isArray(messages) && messages.every((m) => m && typeof (m as { role?: unknown }).role === 'string')
  );
}

function writeJsonError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = Buffer.from(JSON.stringify({ error: { type, message } }));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

/** The requested output: `max_completion_tokens`, else `max_tokens`, else the configured reserve. */
function outputTokens(body: ChatBody, fallback: number): number {
  const asked = body.max_completion_tokens ?? body.max_tokens;
  return typeof asked === 'number' && Number.isFinite(asked) && asked >= 0 ? asked : fallback;
}

/**
 * Condenses over-long chat requests before they go on. Mount it before `responseCache`, so the cache keys on
 * (and the proxy sends) the condensed request.
 */
export function contextCondenser(options: ContextCondenserOptions): ContextCondenserMiddleware {
  const o = resolveCondenserOptions(options);
  const events = new EventEmitter();
  o.summarizer.events.on('summarized', (e) => events.emit('summarized', e));
  const counts: Counts = { requests: 0, condensed: 0, tokensRemoved: 0, passedThrough: 0, rejected: 0 };

  const middleware = function contextCondenser(req: Request, res: Response, next: NextFunction): void {
    handle(req as BodyRequest, res, next, o, counts, events).catch((err: unknown) => {
      o.logger.error('gatecache: context condenser failed; passing the request through', {
        error: err instanceof Error ? err.message : String(err),
      });
      if (!res.headersSent) next();
    });
  };
  return Object.assign(middleware, {
    stats: () => ({ ...counts, summaries: o.summarizer.stats() }),
    events,
    summarizer: o.summarizer,
  });
}

async function handle(
  req: BodyRequest,
  res: ServerResponse,
  next: () => void,
  o: ResolvedCondenserOptions,
  counts: Counts,
  events: EventEmitter,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  if (method !== 'POST') return next();
  const url = req.originalUrl ?? req.url ?? '/';
  const route = o.keyer.route({ method, url, headers: req.headers });
  const provider = chatProvider(route);
  if (!provider) return next();
  const read = await readRequestBody(req, o.maxBodyBytes);
  if (read.status === 'skipped' || !isChatBody(read.json)) return next();
  const body = read.json;
  counts.requests++;

  const model = typeof body.model === 'string' && body.model !== '' ? body.model : route.model;
  const window = o.counter.contextWindow(model);
  const output = outputTokens(body, o.defaultOutputTokens);
  const cap = Math.min(window, o.maxContextTokens(model) ?? window);
  const budget = cap - output - o.safetyMarginTokens;
  // A prompt's text has no more tokens than UTF-8 bytes (a token is at least one byte), and the built-in counter's
  // text and framing fit in the JSON they came in (a number JSON.stringify spells longer, say 1e30 in a tool
  // definition, could only skip its own request's condensation): most requests need no counting at all.
  if (o.counterBoundedByBytes && read.status === 'read' && read.raw.length <= budget) return next();
  const before = await o.counter.countRequest(provider, body);
  if (before <= budget) return next();

  const fitsWindow = (tokens: number): boolean => tokens + output <= window;
  const tenant = o.keyer.key({ method, url, headers: req.headers, body }).tenant;
  let result: Awaited<ReturnType<typeof condense>>;
  try {
    result = await condense({
      provider,
      body,
      budget,
      tokensBefore: before,
      counter: o.counter,
      summarizer: o.summarizer,
      blockMessages: o.blockMessages,
      minRecentMessages: o.minRecentMessages,
      summaryMaxTokens: o.summaryMaxTokens,
      summaryModel: o.summaryModel ?? model,
      tenant,
      roomTokens: window - output,
      concurrency: o.summaryConcurrency,
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const passedThrough = fitsWindow(before);
    events.emit('condense-failed', { reason, passedThrough });
    o.logger.warn('gatecache: summarizer failed during context condensation', { reason, passedThrough });
    if (passedThrough) {
      counts.passedThrough++;
      return next();
    }
    counts.rejected++;
    writeJsonError(
      res,
      502,
      'context_condensation_failed',
      `The conversation (${before} prompt tokens + ${output} output tokens) exceeds the context window of ` +
        `${model} (${window} tokens) and condensing it failed: ${reason}`,
    );
    return;
  }

  if (!result || !fitsWindow(result.tokensAfter)) {
    if (!result && fitsWindow(before)) return next();
    counts.rejected++;
    const tokens = result?.tokensAfter ?? before;
    const after = !result ? '' : result.unfit ? ' even after condensation' : ' after condensation';
    writeJsonError(
      res,
      400,
      'context_length_exceeded',
      `The conversation needs ${result?.unfit ? 'at least ' : ''}${tokens} prompt tokens${after} + ${output} ` +
        `output tokens, over the context window of ${model} (${window} tokens); the latest turns alone do not fit.`,
    );
    return;
  }

  const raw = Buffer.from(JSON.stringify(result.body));
  // The response cache keys on req.body and proxyRequestBody re-sends req.rawBody: both must be the condensed one.
  req.body = result.body;
  req.rawBody = raw;
  req.headers['content-length'] = String(raw.length);
  const removed = before - result.tokensAfter;
  res.setHeader(CONDENSED_HEADER, '1');
  res.setHeader(TOKENS_REMOVED_HEADER, String(removed));
  counts.condensed++;
  counts.tokensRemoved += removed;
  events.emit('condensed', {
    provider,
    model,
    tenant,
    tokensBefore: before,
    tokensAfter: result.tokensAfter,
    tokensRemoved: removed,
    blocks: result.blocks,
    messagesRemoved: result.messagesRemoved,
  });
  next();
}
