import { isUtf8 } from 'node:buffer';

/** Why a request body cannot be keyed on its meaning: the Cache-Status detail of its bypass. */
export type BodyRefusal = 'invalid-utf8' | 'duplicate-keys';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/**
 * Object members written in JSON text: its colons outside strings (in valid JSON each one separates a member
 * name from its value). Strings are skipped with indexOf (native), so the cost is one pass over the bytes.
 */
function membersInText(raw: Buffer): number {
  let members = 0;
  let pos = 0;
  const n = raw.length;
  while (pos < n) {
    const open = raw.indexOf(QUOTE, pos);
    const end = open === -1 ? n : open;
    for (let i = pos; i < end; i++) if (raw[i] === COLON) members++;
    if (open === -1) break;
    let close = open;
    for (;;) {
      close = raw.indexOf(QUOTE, close + 1);
      if (close === -1) return members;
      // A quote ends the string unless an odd run of backslashes escapes it; each run is looked at once.
      let run = 0;
      for (let j = close - 1; raw[j] === BACKSLASH; j--) run++;
      if (run % 2 === 0) break;
    }
    pos = close + 1;
  }
  return members;
}

/** Members of every object in a parsed value, walked without recursion (depth is the client's to choose). */
function membersInValue(value: unknown): number {
  let members = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const item of v) if (item !== null && typeof item === 'object') stack.push(item);
      continue;
    }
    for (const item of Object.values(v)) {
      members++;
      if (item !== null && typeof item === 'object') stack.push(item);
    }
  }
  return members;
}

/**
 * Whether a JSON request body's bytes mean more than its parsed value shows, so that keying the value would
 * key something other than what the provider reads: bytes that are not valid UTF-8 (every invalid sequence
 * decodes to U+FFFD, so different bodies would share a key, while the raw bytes go upstream), or an object
 * with a member name twice at any depth (JSON.parse keeps the last, a provider may keep the first or refuse).
 * Such a body is passed through uncached. Linear in the body: a native UTF-8 check, one scan of the bytes
 * and one walk of the parsed value; a byte-identical repeat that was keyed before is not checked again.
 */
export function bodyRefusal(raw: Buffer, json: unknown): BodyRefusal | undefined {
  if (!isUtf8(raw)) return 'invalid-utf8';
  if (typeof json !== 'object' || json === null) return undefined;
  return membersInText(raw) === membersInValue(json) ? undefined : 'duplicate-keys';
}
