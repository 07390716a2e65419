// Client-controlled strings (models, tenants, header and field names) must never be property names looked up
// through a prototype: "__proto__" reaches Object.prototype, "constructor" and "toString" find inherited
// members. State lives in Maps; these helpers are for the plain objects that remain (configuration read from
// YAML or options, JSON bodies, objects built for JSON output). The lint rule gatecache/no-string-key-on-object
// sends every dynamic key here.

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
  // Only '__proto__' has a setter on Object.prototype; any other name is a plain assignment (defineProperty
  // takes V8's slow path). A name held by a getter or setter further up would need more: there is none.
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
