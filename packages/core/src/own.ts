// Client strings must never be property names looked up through a prototype ("__proto__", "constructor"):
// these helpers serve the plain objects that remain besides Maps (config, JSON bodies, JSON output).

/** The own property `name` of `obj`, never an inherited one. */
export function ownValue<V>(
  obj: Readonly<Record<string, V>> | undefined | null,
  name: string,
): V | undefined {
  // eslint-disable-next-line gatecache/no-string-key-on-object -- guarded by Object.hasOwn
  return obj != null && Object.hasOwn(obj, name) ? obj[name] : undefined;
}

/** Whether `obj` has `name` as an own property (`name in obj` also finds 'toString'). */
export function hasOwnKey(obj: object | undefined | null, name: string): boolean {
  return obj != null && Object.hasOwn(obj, name);
}

/** Sets an own, enumerable property, also for '__proto__' (a plain assignment would replace the prototype). */
export function setOwn<V>(obj: Record<string, V>, name: string, value: NoInfer<V>): void {
  // Only '__proto__' has a setter on Object.prototype, so any other name is a plain (cheaper) assignment.
  // eslint-disable-next-line gatecache/no-string-key-on-object -- '__proto__' is handled below
  if (name !== '__proto__') obj[name] = value;
  else Object.defineProperty(obj, name, { value, enumerable: true, writable: true, configurable: true });
}

/** An object with no prototype holding `entries`: for JSON output built from client-named buckets. */
export function dictOf<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  // eslint-disable-next-line gatecache/no-string-key-on-object -- no prototype: every name is an own property
  for (const [name, value] of entries) out[name] = value;
  return out;
}
