// Pieces of this package's property-based fuzzing: hostile strings and a snapshot of the shared prototypes.
// The same snapshot lives in cache-key's and the hostile suite's fuzz kits (a test folder cannot import another's).
import fc from 'fast-check';

/** Property names that mean something on every plain object, the usual way into prototype pollution. */
export const PROTO_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'toJSON',
] as const;

/** Characters that trip text handling: lone surrogates, RTL, zero-width, controls, quotes, separators. */
export const ODD_TEXT = [
  '\uD800',
  '\uDFFF',
  '\u202E',
  '\u200B',
  '\uFEFF',
  '\u0000',
  '\u001F',
  '\u007F',
  '\t',
  '\u00A0',
  '\u0663',
  '\uFF10',
  '"',
  ',',
  '=',
  ';',
  ' ',
  '-',
] as const;

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Strings an attacker would try: prototype names, odd characters, any UTF-16 (lone surrogates too), mixes. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...PROTO_NAMES),
  fc.constantFrom(...ODD_TEXT),
  fc.string({ maxLength: 16 }),
  fc.string({ unit: codeUnit, maxLength: 12 }),
  fc
    .array(fc.constantFrom(...PROTO_NAMES, ...ODD_TEXT, 'a', '1', '60'), { maxLength: 5 })
    .map((parts) => parts.join('')),
);

/** `value` as Node lets it through as a header: visible ASCII, space, tab and bytes 0x80-0xFF (as latin1). */
export function toWire(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, (c) =>
    String.fromCharCode(0x80 | (c.charCodeAt(0) & 0x7f)),
  );
}

/** Hostile header values that Node sends: control characters and code points past 0xFF folded into latin1. */
export const wireString: fc.Arbitrary<string> = hostileString.map(toWire);

export { globalsChanged, snapshotGlobals } from '../../../core/test/globals-snapshot';
export type { GlobalsSnapshot } from '../../../core/test/globals-snapshot';
