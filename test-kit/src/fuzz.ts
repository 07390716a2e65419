// Property-based fuzzing shared by every test folder: hostile strings, header and query spellings, JSON texts
// written as an attacker would write them (duplicate keys, odd spacing and escapes, prototype member names,
// huge numbers, -0, deep chains) and request bodies on the wire, non-UTF-8 bytes included.
import fc from 'fast-check';

/** Property names that mean something on every plain object, the usual way into prototype pollution. */
export const PROTO_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  '__lookupSetter__',
  'toJSON',
  'then',
  'length',
] as const;

/** A credential query parameter as a client may spell it on the wire (case, separators, percent-encoding, `[]`). */
export const CREDENTIAL_PARAM_SPELLINGS = [
  'key',
  'api_key',
  'api-key',
  'access_token',
  'KEY',
  '%6Bey',
  'Api_Key',
  'apikey',
  'Access-Token',
  'key%5B%5D',
] as const;

/** The request headers a client steers the response cache with (the controls parser reads every one). */
export const CONTROL_HEADER_NAMES = [
  'cache-control',
  'pragma',
  'x-gatecache-ttl',
  'x-gatecache-namespace',
  'x-gatecache-tags',
  'x-gatecache-bypass',
] as const;

/** Short strings that trip text handling: lone surrogates, RTL, zero-width, controls, separators, glob and URL syntax. */
export const ODD_TEXT = [
  '\uD800',
  '\uDFFF',
  '\uDBFF\uDFFF',
  '\u202E',
  '\u200F',
  '\u200B',
  '\u200D',
  '\uFEFF',
  '\u0000',
  '\u001F',
  '\u007F',
  '\u0085',
  '\u00A0',
  '\u2028',
  '\u0663',
  '\uFF10',
  'e\u0301',
  '\u{1F600}',
  '\t',
  '\r\n',
  '%00',
  '%2F',
  '%',
  '*',
  '?',
  '[',
  ']',
  ':',
  ';',
  ',',
  '-',
  ' ',
  '\\',
  '"',
  '&',
  '=',
  '#',
  '+',
] as const;

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Strings an attacker would try: prototype names, odd characters, any UTF-16 (lone surrogates too), mixes. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...PROTO_NAMES),
  fc.constantFrom(...ODD_TEXT),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: codeUnit, maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc
    .array(fc.constantFrom(...PROTO_NAMES, ...ODD_TEXT, 'a', '1', '60', 'gpt-4o', 'response', ' '), {
      maxLength: 5,
    })
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

/** encodeURIComponent, or the raw text when it holds a lone surrogate (which has no UTF-8 to encode). */
export function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A character Node's HTTP parser refuses in a request target, as percent-escapes (latin1 bytes: not UTF-8). */
function escapeOdd(c: string): string {
  const code = c.charCodeAt(0);
  // A lone surrogate has no UTF-8: send the bytes a careless encoder would write for it (CESU-8).
  if (code >= 0xd800 && code <= 0xdfff && c.length === 1)
    return `%ED%${(0xa0 | ((code >> 6) & 0x1f)).toString(16).toUpperCase()}%${(0x80 | (code & 0x3f)).toString(16).toUpperCase()}`;
  const bytes = code <= 0xff ? Buffer.from([code]) : Buffer.from(c, 'utf8');
  return [...bytes].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/**
 * `text` as it may stand in a request target: percent-encoded once or twice, or raw, where only what Node's
 * parser refuses (controls, space, non-ASCII) is escaped, byte by byte in latin1, so `%FF` (not UTF-8) goes out.
 * `#` is escaped too: it starts a fragment, which no client sends (a raw one would cut the query short, and a
 * dry run would turn into the bare purge).
 */
export function inQuery(text: string, how: 'encoded' | 'raw' | 'twice'): string {
  const out = how === 'encoded' ? encode(text) : how === 'twice' ? encode(encode(text)) : text;
  return out.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]|[^\x21-\x22\x24-\x7e]/g, escapeOdd);
}

/** A JSON document as a tree, so one document can be written out several ways, duplicates included. */
export type JsonNode =
  | { t: 'object'; entries: [string, JsonNode][] }
  | { t: 'array'; items: JsonNode[] }
  | { t: 'string'; value: string }
  | { t: 'number'; value: number; spellings: string[] }
  | { t: 'literal'; text: 'true' | 'false' | 'null' }
  /** Text written as it is: number spellings past what a double holds, chains too deep to build as a tree. */
  | { t: 'raw'; text: string };

function spellingsOf(value: number): string[] {
  if (Object.is(value, -0)) return ['-0', '-0.0', '-0e0', '-0E+5'];
  const out = [JSON.stringify(value), value.toExponential()];
  if (Number.isInteger(value) && Math.abs(value) < 1e21) out.push(`${JSON.stringify(value)}.0`, `${value}e0`);
  return out;
}

/** Numbers that are edge cases for canonical JSON: -0, huge, tiny, past 2^53, and any finite double. */
const finiteNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 1e308, -1e308, 5e-324, 2 ** 53 + 2, 1e21, 1e-7, 0.1, 123456789.125),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const numberNode: fc.Arbitrary<JsonNode> = finiteNumber.map((value) => ({
  t: 'number',
  value,
  spellings: spellingsOf(value),
}));

/** An integer no double holds, written as it is: a parser rounds it. */
const UNROUNDED = '9007199254740993';

const leaf: fc.Arbitrary<JsonNode> = fc.oneof(
  hostileString.map((value): JsonNode => ({ t: 'string', value })),
  numberNode,
  fc.constant<JsonNode>({ t: 'raw', text: UNROUNDED }),
  fc.constantFrom<JsonNode>({ t: 'literal', text: 'true' }, { t: 'literal', text: 'false' }),
  fc.constant<JsonNode>({ t: 'literal', text: 'null' }),
);

/** Object member names: mostly hostile, sometimes realistic, so they also collide as duplicates. */
export const memberName: fc.Arbitrary<string> = fc.oneof(
  hostileString,
  fc.constantFrom(
    'model',
    'messages',
    'input',
    'role',
    'content',
    'stream',
    'max_tokens',
    'user',
    'metadata',
    'api_key',
  ),
);

/** Any JSON document, nesting bounded by `maxDepth`. */
export function jsonNode(maxDepth = 4): fc.Arbitrary<JsonNode> {
  const { node } = fc.letrec<{ node: JsonNode; array: JsonNode; object: JsonNode }>((tie) => ({
    node: fc.oneof({ maxDepth, depthSize: 'small' }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('node'), { maxLength: 4 }).map((items): JsonNode => ({ t: 'array', items })),
    object: fc
      .array(fc.tuple(memberName, tie('node')), { maxLength: 5 })
      .map((entries): JsonNode => ({ t: 'object', entries })),
  }));
  return node;
}

/** A chain of up to 800 nested arrays or objects, as a tree: bounded, and on both sides of a 512-level limit. */
export const deepChain: fc.Arbitrary<JsonNode> = fc
  .tuple(fc.integer({ min: 50, max: 800 }), fc.boolean())
  .map(([depth, arrays]) => {
    let node: JsonNode = { t: 'string', value: 'deep' };
    for (let i = 0; i < depth; i++) {
      node = arrays ? { t: 'array', items: [node] } : { t: 'object', entries: [['__proto__', node]] };
    }
    return node;
  });

const str = (value: string): JsonNode => ({ t: 'string', value });
export const obj = (entries: [string, JsonNode][]): JsonNode => ({ t: 'object', entries });

/**
 * A chat body whose messages are a chain of nested arrays or `__proto__` objects, up to 6,000 deep: deep
 * enough to overflow a recursive walker, small on the wire. Written as text, so writing it needs no recursion.
 */
export const deepText: fc.Arbitrary<JsonNode> = fc
  .tuple(fc.integer({ min: 100, max: 6000 }), fc.boolean())
  .map(([depth, arrays]) => {
    const text = arrays
      ? `${'['.repeat(depth)}"deep"${']'.repeat(depth)}`
      : `${'{"__proto__":'.repeat(depth)}"deep"${'}'.repeat(depth)}`;
    return obj([
      ['model', str('gpt-4o-mini')],
      ['messages', { t: 'raw', text }],
    ]);
  });

export const modelName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('gpt-4o-mini', 'text-embedding-3-small', 'claude-haiku-4-5', 'ft:gpt-4o:org:1'),
  hostileString,
);

const message: fc.Arbitrary<JsonNode> = fc
  .tuple(fc.constantFrom('user', 'system', 'assistant', '__proto__', 'constructor'), hostileString)
  .map(([role, content]) =>
    obj([
      ['role', str(role)],
      ['content', str(content)],
    ]),
  );

const extras = fc.array(fc.tuple(memberName, jsonNode(3)), { maxLength: 4 });

/** Realistic chat, embeddings and Anthropic messages bodies with random extra (often hostile) fields. */
export const llmBody: fc.Arbitrary<JsonNode> = fc.oneof(
  fc
    .tuple(modelName, fc.array(message, { maxLength: 4 }), fc.boolean(), extras)
    .map(([model, messages, stream, more]) =>
      obj([
        ['model', str(model)],
        ['messages', { t: 'array', items: messages }],
        ...(stream ? ([['stream', { t: 'literal', text: 'true' }]] as [string, JsonNode][]) : []),
        ...more,
      ]),
    ),
  fc
    .tuple(
      modelName,
      fc.oneof(hostileString.map(str), fc.array(hostileString.map(str), { maxLength: 3 })),
      extras,
    )
    .map(([model, input, more]) =>
      obj([
        ['model', str(model)],
        ['input', Array.isArray(input) ? { t: 'array', items: input } : input],
        ...more,
      ]),
    ),
  fc
    .tuple(modelName, fc.array(message, { maxLength: 3 }), numberNode, extras)
    .map(([model, messages, maxTokens, more]) =>
      obj([
        ['model', str(model)],
        ['max_tokens', maxTokens],
        ['messages', { t: 'array', items: messages }],
        ...more,
      ]),
    ),
);

/** Any body an attacker might send: realistic shapes most of the time, any JSON or a deep chain otherwise. */
export const anyBody: fc.Arbitrary<JsonNode> = fc.oneof(
  { arbitrary: llmBody, weight: 4 },
  { arbitrary: jsonNode(5), weight: 2 },
  { arbitrary: deepChain, weight: 1 },
);

/** How a document is written out: spacing, member order, string escapes and number spelling. */
export interface Style {
  /** Whitespace put between tokens (JSON allows space, tab, CR and LF). */
  space: string;
  /** Write each string with every non-ASCII character (and most ASCII) as a \\u escape. */
  escapeAll: boolean;
  /** Which spelling of each number (index modulo the spellings). */
  spelling: number;
  /** Reverse member order (after dropping duplicates, so the meaning stays the same). */
  reorder: boolean;
}

export const style: fc.Arbitrary<Style> = fc.record({
  space: fc.constantFrom('', ' ', '\n', '\t', ' \r\n  '),
  escapeAll: fc.boolean(),
  spelling: fc.nat(4),
  reorder: fc.boolean(),
});

export const PLAIN: Style = { space: '', escapeAll: false, spelling: 0, reorder: false };

function writeString(value: string, escapeAll: boolean): string {
  if (!escapeAll) return JSON.stringify(value);
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    out +=
      c < 0x7f && /[A-Za-z0-9 ]/.test(value[i] as string)
        ? value[i]
        : `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return out + '"';
}

/** Duplicate members collapsed to the last (what JSON.parse keeps), in first-seen order. */
export function lastWins(entries: [string, JsonNode][]): [string, JsonNode][] {
  const last = new Map<string, JsonNode>();
  for (const [name, value] of entries) last.set(name, value);
  return [...last];
}

/** The JSON text of a document in a given style. With `reorder` off, duplicates are written as they are. */
export function writeJson(node: JsonNode, s: Style = PLAIN): string {
  const sp = s.space;
  switch (node.t) {
    case 'string':
      return writeString(node.value, s.escapeAll);
    case 'number':
      return node.spellings[s.spelling % node.spellings.length] as string;
    case 'literal':
    case 'raw':
      return node.text;
    case 'array':
      return `[${sp}${node.items.map((i) => writeJson(i, s)).join(`${sp},${sp}`)}${sp}]`;
    case 'object': {
      const entries = s.reorder ? lastWins(node.entries).reverse() : node.entries;
      const members = entries.map(([k, v]) => `${writeString(k, s.escapeAll)}${sp}:${sp}${writeJson(v, s)}`);
      return `{${sp}${members.join(`${sp},${sp}`)}${sp}}`;
    }
  }
}

/** Levels of arrays and objects in a document (a leaf is 0), counted without recursion. */
export function depthOf(node: JsonNode): number {
  let depth = 0;
  let level = [node];
  for (;;) {
    const containers = level.filter((n) => n.t === 'array' || n.t === 'object');
    if (containers.length === 0) return depth;
    depth++;
    level = containers.flatMap((n) =>
      n.t === 'array' ? n.items : n.t === 'object' ? n.entries.map(([, v]) => v) : [],
    );
  }
}

/** Bytes that are not UTF-8: lone continuation bytes, overlong forms, surrogates encoded, truncated sequences. */
export const BAD_UTF8 = [
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0xff, 0xfe],
].map((bytes) => Buffer.from(bytes));

/** A request body on the wire: a JSON text, or one with non-UTF-8 bytes spliced into a string, or not JSON. */
export const bodyBytes = (doc: fc.Arbitrary<JsonNode>): fc.Arbitrary<Buffer> =>
  fc.oneof(
    { arbitrary: fc.tuple(doc, style).map(([d, s]) => Buffer.from(writeJson(d, s), 'utf8')), weight: 6 },
    {
      arbitrary: fc.tuple(doc, fc.constantFrom(...BAD_UTF8)).map(([d, bad]) => {
        const text = Buffer.from(
          writeJson(
            obj([
              ['model', str('gpt-4o-mini')],
              ['x', d],
            ]),
          ),
          'utf8',
        );
        // Inside the first string value: still JSON to a byte-level parser, not UTF-8.
        const at = text.indexOf('gpt') + 1;
        return Buffer.concat([text.subarray(0, at), bad, text.subarray(at)]);
      }),
      weight: 1,
    },
    {
      arbitrary: fc
        .constantFrom('', '{', '{"model":', 'null', '[]', '"x"', '1e999', '{"a":1e999}', '\uFEFF{}', '{}}')
        .map((t) => Buffer.from(t, 'utf8')),
      weight: 1,
    },
  );
