import { createKeyer, summaryKey } from '@gatecache/cache-key';
import type { KeyOptions, KeyRequest, Keyer, KeyResult } from '@gatecache/cache-key';

export interface SummaryEndpointKeyOptions extends KeyOptions {
  /** Output cap of a request (the key's {max_tokens}). Default: body.max_tokens ?? body.max_completion_tokens ?? 0. */
  maxTokens?: (body: Record<string, unknown>) => number;
}

/**
 * A keyer for `responseCache({ key })` on a summarization endpoint: answers land in the `summary` namespace as
 * `summary:{input_hash}:{max_tokens}:{model}`, the input hash covering the body's output-changing fields (as the
 * response key would) and the tenant.
 */
export function summaryEndpointKey(options: SummaryEndpointKeyOptions = {}): Keyer {
  const { maxTokens, ...keyOptions } = options;
  const base = createKeyer(keyOptions);
  const capOf =
    maxTokens ??
    ((body: Record<string, unknown>): number => {
      const asked = body.max_tokens ?? body.max_completion_tokens;
      return typeof asked === 'number' && Number.isSafeInteger(asked) && asked >= 0 ? asked : 0;
    });
  const key = (req: KeyRequest): KeyResult => {
    const result = base.key(req);
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const model = result.route.model === '' ? 'none' : result.route.model;
    return {
      ...result,
      namespace: 'summary',
      key: summaryKey({ input: result.paramsHash, maxTokens: capOf(body), model, tenant: result.tenant }),
    };
  };
  return {
    key,
    route: (req) => base.route(req),
    explain: (req) => ({ ...base.explain(req), ...key(req) }),
  };
}
