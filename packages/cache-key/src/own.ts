// Property access by a string that is not a literal goes through these (lint rule
// gatecache/no-string-key-on-object): an inherited name ('__proto__', 'constructor', 'toString') must neither
// read as a value nor write into a prototype.

/** The own property `name` of `obj`, never an inherited one. */
export function ownValue<V>(obj: Readonly<Record<string, V>> | undefined, name: string): V | undefined {
  // eslint-disable-next-line gatecache/no-string-key-on-object -- guarded by Object.hasOwn
  return obj !== undefined && Object.hasOwn(obj, name) ? obj[name] : undefined;
}

/** Sets an own property, even for names like '__proto__' that a plain assignment would turn into a prototype. */
export function setOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  // Only `__proto__` has a setter on Object.prototype, so every other name is a plain (cheaper) assignment.
  // eslint-disable-next-line gatecache/no-string-key-on-object -- '__proto__' is the one inherited setter
  if (name !== '__proto__') target[name] = value;
  else Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}
