// Shared pieces of this package's property-based fuzzing: hostile strings, JSON texts built as an attacker
// would write them (duplicate keys, odd spacing and escapes, prototype member names, huge numbers, -0), and
// a snapshot of the process's shared prototypes to prove no input writes into them. A copy of the snapshot
// lives in response-cache's and the hostile suite's fuzz kits (a test folder cannot import another's).
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

/** Single characters and short strings that trip text handling: lone surrogates, RTL, zero-width, controls. */
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
  '\u2028',
  'e\u0301',
  '\u{1F600}',
  '\r\n',
  '%00',
  '%2F',
  '%',
  '*',
  '?',
  '[',
  ':',
  '\\',
  '"',
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
    .array(fc.constantFrom(...PROTO_NAMES, ...ODD_TEXT, 'a', 'gpt-4o', ' '), { maxLength: 5 })
    .map((parts) => parts.join('')),
);

/** A JSON document as a tree, so one document can be written out several ways. */
export type JsonNode =
  | { t: 'object'; entries: [string, JsonNode][] }
  | { t: 'array'; items: JsonNode[] }
  | { t: 'string'; value: string }
  | { t: 'number'; value: number; spellings: string[] }
  | { t: 'literal'; text: 'true' | 'false' | 'null' };

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

const leaf: fc.Arbitrary<JsonNode> = fc.oneof(
  hostileString.map((value): JsonNode => ({ t: 'string', value })),
  numberNode,
  fc.constantFrom<JsonNode>({ t: 'literal', text: 'true' }, { t: 'literal', text: 'false' }),
  fc.constant<JsonNode>({ t: 'literal', text: 'null' }),
);

/** Object member names: mostly hostile, sometimes realistic, so they also collide as duplicates. */
export const memberName: fc.Arbitrary<string> = fc.oneof(
  hostileString,
  fc.constantFrom('model', 'messages', 'input', 'role', 'content', 'stream', 'user', 'metadata', 'api_key'),
);

/** Any JSON document, nesting bounded by `maxDepth`. */
export function jsonNode(maxDepth = 5): fc.Arbitrary<JsonNode> {
  const { node } = fc.letrec<{ node: JsonNode; array: JsonNode; object: JsonNode }>((tie) => ({
    node: fc.oneof({ maxDepth, depthSize: 'small' }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('node'), { maxLength: 4 }).map((items): JsonNode => ({ t: 'array', items })),
    object: fc
      .array(fc.tuple(memberName, tie('node')), { maxLength: 5 })
      .map((entries): JsonNode => ({ t: 'object', entries })),
  }));
  return node;
}

/** A chain of up to 800 nested arrays or objects: bounded, and on both sides of the keyer's 512-level limit. */
export const deepNode: fc.Arbitrary<JsonNode> = fc
  .tuple(fc.integer({ min: 50, max: 800 }), fc.boolean())
  .map(([depth, arrays]) => {
    let node: JsonNode = { t: 'string', value: 'deep' };
    for (let i = 0; i < depth; i++) {
      node = arrays ? { t: 'array', items: [node] } : { t: 'object', entries: [['__proto__', node]] };
    }
    return node;
  });

const str = (value: string): JsonNode => ({ t: 'string', value });
const obj = (entries: [string, JsonNode][]): JsonNode => ({ t: 'object', entries });

const modelName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('gpt-4o-mini', 'text-embedding-3-small', 'claude-3-5-haiku-latest', 'ft:gpt-4o:org:1'),
  hostileString,
);

const message: fc.Arbitrary<JsonNode> = fc
  .tuple(fc.constantFrom('user', 'system', 'assistant', '__proto__'), hostileString)
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
    .tuple(modelName, fc.array(message, { maxLength: 4 }), extras)
    .map(([model, messages, more]) =>
      obj([['model', str(model)], ['messages', { t: 'array', items: messages }], ...more]),
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
  { arbitrary: deepNode, weight: 1 },
);

/** How a document is written out: spacing, member order, string escapes and number spelling. */
export interface Style {
  /** Whitespace put between tokens (JSON allows space, tab, CR and LF). */
  space: string;
  /** Write each string with every non-ASCII character (and some ASCII) as a \\u escape. */
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

export { globalsChanged, snapshotGlobals } from '../../core/test/globals-snapshot';
export type { GlobalsSnapshot } from '../../core/test/globals-snapshot';
