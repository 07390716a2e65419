import { escapeKeyPart } from './escape';
import { canonicalJson, KEY_FORMAT_VERSION, sha256Hex } from './hash';

export interface SummaryKeyArgs {
  /** What is condensed (messages, text): any JSON data. */
  input: unknown;
  maxTokens: number;
  model: string;
  /** The tenant field of the request's key (KeyResult.tenant). Default 'global'. */
  tenant?: string;
}

/** 'summary:{input_hash}:{max_tokens}:{model}'; input_hash covers the canonical input, tenant and format version. */
export function summaryKey(args: SummaryKeyArgs): string {
  const { input, maxTokens, model, tenant = 'global' } = args;
  if (!Number.isSafeInteger(maxTokens) || maxTokens < 0) {
    throw new TypeError(`summaryKey: maxTokens must be a non-negative integer (got ${String(maxTokens)})`);
  }
  if (typeof model !== 'string' || model === '')
    throw new TypeError('summaryKey: model must be a non-empty string');
  if (typeof tenant !== 'string' || tenant === '')
    throw new TypeError('summaryKey: tenant must be a non-empty string');
  const inputHash = sha256Hex(canonicalJson({ v: KEY_FORMAT_VERSION, input, tenant }));
  return `summary:${inputHash}:${maxTokens}:${escapeKeyPart(model)}`;
}

/** 'config:{source_hash}': the hash of the config source bytes and the key format version. */
export function configKey(source: string | Buffer): string {
  if (typeof source !== 'string' && !Buffer.isBuffer(source)) {
    throw new TypeError('configKey: source must be a string or Buffer');
  }
  const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
  return `config:${sha256Hex(Buffer.concat([Buffer.from(`gatecache-config:v${KEY_FORMAT_VERSION}\n`), bytes]))}`;
}
