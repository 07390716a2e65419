// A snapshot of the objects every module shares (built-in prototypes and constructors), so a fuzz test can
// assert that no input changed them: the class of bug behind prototype pollution.

const SHARED: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['Object', Object],
  ['Array', Array],
  ['Function', Function],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['Symbol.prototype', Symbol.prototype],
  ['RegExp.prototype', RegExp.prototype],
  ['Date.prototype', Date.prototype],
  ['Error.prototype', Error.prototype],
  ['TypeError.prototype', TypeError.prototype],
  ['Map.prototype', Map.prototype],
  ['Set.prototype', Set.prototype],
  ['Promise.prototype', Promise.prototype],
  ['Uint8Array.prototype', Uint8Array.prototype],
  ['Buffer.prototype', Buffer.prototype],
  ['URLSearchParams.prototype', URLSearchParams.prototype],
  ['JSON', JSON],
];

/** Every own property (descriptor and value identity), prototype and extensibility of the shared objects. */
export type GlobalsSnapshot = Map<string, unknown>;

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
