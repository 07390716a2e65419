import { dictOf, hasOwnKey, ownValue, setOwn } from '../src';
import { PROTO_NAMES } from '@gatecache/test-kit';

describe('ownValue and hasOwnKey', () => {
  it('should find own properties and never an inherited member', () => {
    const table: Record<string, number> = { 'gpt-4o': 1 };
    expect(ownValue(table, 'gpt-4o')).toBe(1);
    for (const name of PROTO_NAMES) {
      expect(ownValue(table, name)).toBeUndefined();
      expect(hasOwnKey(table, name)).toBe(false);
    }
    expect(ownValue(undefined, 'x')).toBeUndefined();
  });

  it('should read an own "__proto__" that JSON.parse created', () => {
    const parsed = JSON.parse('{"__proto__": 5}') as Record<string, number>;
    expect(ownValue(parsed, '__proto__')).toBe(5);
  });
});

describe('setOwn and dictOf', () => {
  it('should make every prototype member name an own property and leave prototypes alone', () => {
    const out: Record<string, unknown> = {};
    for (const name of PROTO_NAMES) setOwn(out, name, { hits: 1 });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out).sort()).toEqual([...PROTO_NAMES].sort());
    expect(({} as Record<string, unknown>).hits).toBeUndefined();
  });

  it('should build a prototype-less object whose names are all own', () => {
    const d = dictOf(PROTO_NAMES.map((n) => [n, n.length] as const));
    expect(Object.getPrototypeOf(d)).toBeNull();
    expect(Object.keys(d).sort()).toEqual([...PROTO_NAMES].sort());
    expect(JSON.parse(JSON.stringify(d)).__defineGetter__).toBe(16);
  });
});
