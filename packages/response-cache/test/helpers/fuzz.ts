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

const SHARED: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['Object', Object],
  ['Array', Array],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['RegExp.prototype', RegExp.prototype],
  ['Error.prototype', Error.prototype],
  ['Map.prototype', Map.prototype],
  ['Set.prototype', Set.prototype],
  ['Promise.prototype', Promise.prototype],
  ['Buffer.prototype', Buffer.prototype],
  ['JSON', JSON],
];

export type GlobalsSnapshot = Map<string, unknown>;

/** Every own property (descriptor and value identity), prototype and extensibility of the shared objects. */
export function snapshotGlobals(): GlobalsSnapshot {
  const snap: GlobalsSnapshot = new Map();
  for (const [name, target] of SHARED) {
    snap.set(`${name} [[Prototype]]`, Object.getPrototypeOf(target));
    snap.set(`${name} [[Extensible]]`, Object.isExtensible(target));
    for (const prop of Reflect.ownKeys(target)) {
      const d = Object.getOwnPropertyDescriptor(target, prop) as PropertyDescriptor;
      const at = `${name}.${String(prop)}`;
      snap.set(`${at} value`, d.value);
      snap.set(`${at} get`, d.get);
      snap.set(`${at} set`, d.set);
      snap.set(`${at} flags`, `${d.writable}/${d.enumerable}/${d.configurable}`);
    }
  }
  return snap;
}

/** What changed between two snapshots ([] when nothing did). */
export function globalsChanged(before: GlobalsSnapshot, after: GlobalsSnapshot): string[] {
  const changed: string[] = [];
  for (const [at, value] of after) {
    if (!before.has(at)) changed.push(`added ${at}`);
    else if (!Object.is(before.get(at), value)) changed.push(`changed ${at}`);
  }
  for (const at of before.keys()) if (!after.has(at)) changed.push(`removed ${at}`);
  return changed;
}
