import { CREDENTIAL_HEADERS, isCredentialParam } from '@gatecache/providers';
import type { Explanation, KeyRequest } from '@gatecache/cache-key';

const REDACTED = '[redacted]';

/** Credential values a sample request carries: headers (with and without `Bearer `) and query parameters. */
function credentialsOf(req: KeyRequest): string[] {
  const found: string[] = [];
  const headers = new Set<string>([...CREDENTIAL_HEADERS, 'authorization', 'cookie', 'proxy-authorization']);
  for (const [name, value] of Object.entries(req.headers)) {
    if (!headers.has(name) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      found.push(v);
      const bare = /^\s*(?:Bearer|Basic|Token)\s+(.+)$/i.exec(v);
      if (bare) found.push((bare[1] as string).trim());
    }
  }
  const q = req.url.indexOf('?');
  if (q >= 0) {
    const params = new URLSearchParams(req.url.slice(q + 1));
    // Every spelling (`KEY`, `Api_Key`, `key[]`): one the keyer does not read as a credential can still sit in
    // the explanation's vary.
    for (const [name, v] of params) if (isCredentialParam(name)) found.push(v);
  }
  // Short values (`a`, `1`) would blank out unrelated text and are not secrets worth hiding.
  return [...new Set(found)].filter((v) => v.length >= 6).sort((a, b) => b.length - a.length);
}

/**
 * The explanation as the route answers it. The keyer already leaves credentials out; this is a second net:
 * any credential of the sample that still appears anywhere (a header listed in `vary`, a field) is replaced.
 */
export function scrubExplanation(explanation: Explanation, req: KeyRequest): Explanation {
  const secrets = credentialsOf(req);
  if (secrets.length === 0) return explanation;
  const replacer = (_k: string, value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    let out = value;
    for (const s of secrets) out = out.split(s).join(REDACTED);
    // JSON-escaped copies inside `canonical` are handled by the plain replacement when the secret has no
    // characters JSON escapes; credentials are printable ASCII.
    return out;
  };
  return JSON.parse(JSON.stringify(explanation, replacer)) as Explanation;
}
