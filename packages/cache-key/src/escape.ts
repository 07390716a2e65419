import { createHash } from 'node:crypto';

const SAFE = /^[A-Za-z0-9._-]*$/;
const UNSAFE_CHAR = /[^A-Za-z0-9._-]/g;
/** Longest key field; a longer one keeps its start (readable) and ends with a hash of the whole (distinct). */
export const MAX_KEY_PART_LENGTH = 128;

/**
 * Makes a string safe as one field of a colon-separated key: every character outside [A-Za-z0-9._-] becomes
 * %XX (its UTF-8 bytes), so 'ft:gpt-4o:org:1' and 'models/gemini-pro' stay one field and never carry glob
 * characters ('*', '?', '[', ']', '\\') that would turn a purge pattern into something wider. Build purge
 * patterns with this function too, so they match what keys hold.
 */
export function escapeKeyPart(part: string): string {
  const out = SAFE.test(part)
    ? part
    : part.replace(UNSAFE_CHAR, (ch) => {
        let hex = '';
        for (const byte of Buffer.from(ch, 'utf8'))
          hex += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
        return hex;
      });
  if (out.length <= MAX_KEY_PART_LENGTH) return out;
  const digest = createHash('sha256').update(part).digest('hex').slice(0, 16);
  return `${out.slice(0, MAX_KEY_PART_LENGTH - 17)}.${digest}`;
}
