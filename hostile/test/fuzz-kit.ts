// Pieces of the suite's property-based fuzzing (fuzz-*.test.ts): hostile strings, JSON texts written as an
// attacker would write them, a raw HTTP client, the admin error shape, and a snapshot of the shared
// prototypes. The snapshot has copies in cache-key's and response-cache's fuzz kits (a test folder cannot
// import another's); keep the three alike.
import fc from 'fast-check';
import * as http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

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

/** Short strings that trip text handling: lone surrogates, RTL, zero-width, controls, glob and URL syntax. */
export const ODD_TEXT = [
  '\uD800',
  '\uDFFF',
  '\uDBFF\uDFFF',
  '\u202E',
  '\u200F',
  '\u200B',
  '\uFEFF',
  '\u0000',
  '\u001F',
  '\u007F',
  '\u2028',
  '\u0085',
  '\u00A0',
  'e\u0301',
  '\u{1F600}',
  '\r\n',
  '%00',
  '%2F',
  '%',
  '*',
  '?',
  '[',
  ']',
  ':',
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
    .array(fc.constantFrom(...PROTO_NAMES, ...ODD_TEXT, 'a', 'gpt-4o', 'response', ' '), { maxLength: 5 })
    .map((parts) => parts.join('')),
);

/** `value` as Node lets it through as a header: visible ASCII, space, tab and bytes 0x80-0xFF (as latin1). */
export function toWire(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, (c) =>
    String.fromCharCode(0x80 | (c.charCodeAt(0) & 0x7f)),
  );
}

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

/** A JSON document as a tree, so one document can be written out with duplicates and odd spellings. */
export type JsonNode =
  | { t: 'object'; entries: [string, JsonNode][] }
  | { t: 'array'; items: JsonNode[] }
  | { t: 'string'; value: string }
  | { t: 'raw'; text: string };

const NUMBERS = [
  '0',
  '-0',
  '-0.0',
  '1',
  '1.0',
  '1e0',
  '1e308',
  '-1e308',
  '5e-324',
  '9007199254740993',
  '1e21',
  '0.1',
];

const leaf: fc.Arbitrary<JsonNode> = fc.oneof(
  hostileString.map((value): JsonNode => ({ t: 'string', value })),
  fc.constantFrom(...NUMBERS, 'true', 'false', 'null').map((text): JsonNode => ({ t: 'raw', text })),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .map((n): JsonNode => ({ t: 'raw', text: JSON.stringify(n) })),
);

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

const str = (value: string): JsonNode => ({ t: 'string', value });
export const obj = (entries: [string, JsonNode][]): JsonNode => ({ t: 'object', entries });

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

const extras = fc.array(fc.tuple(memberName, jsonNode(3)), { maxLength: 3 });

/** Realistic chat, embeddings and Anthropic messages bodies with random extra (often hostile) fields. */
export const llmBody: fc.Arbitrary<JsonNode> = fc.oneof(
  fc
    .tuple(modelName, fc.array(message, { maxLength: 3 }), fc.boolean(), extras)
    .map(([model, messages, stream, more]) =>
      obj([
        ['model', str(model)],
        ['messages', { t: 'array', items: messages }],
        ...(stream ? ([['stream', { t: 'raw', text: 'true' }]] as [string, JsonNode][]) : []),
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
    .tuple(modelName, fc.array(message, { maxLength: 3 }), fc.constantFrom(...NUMBERS), extras)
    .map(([model, messages, maxTokens, more]) =>
      obj([
        ['model', str(model)],
        ['max_tokens', { t: 'raw', text: maxTokens }],
        ['messages', { t: 'array', items: messages }],
        ...more,
      ]),
    ),
);

/**
 * A chain of nested arrays or `__proto__` objects, bounded: deep enough to overflow a recursive walker, small
 * on the wire. Written as text, so writing it needs no recursion either.
 */
export const deepNode: fc.Arbitrary<JsonNode> = fc
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

export interface Style {
  space: string;
  escapeAll: boolean;
}

export const style: fc.Arbitrary<Style> = fc.record({
  space: fc.constantFrom('', ' ', '\n', '\t', ' \r\n  '),
  escapeAll: fc.boolean(),
});

function writeString(value: string, escapeAll: boolean): string {
  if (!escapeAll) return JSON.stringify(value);
  let out = '"';
  for (let i = 0; i < value.length; i++) out += `\\u${value.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out + '"';
}

/** The JSON text of a document: duplicate members written as they are (JSON.parse keeps the last). */
export function writeJson(node: JsonNode, s: Style = { space: '', escapeAll: false }): string {
  const sp = s.space;
  switch (node.t) {
    case 'string':
      return writeString(node.value, s.escapeAll);
    case 'raw':
      return node.text;
    case 'array':
      return `[${sp}${node.items.map((i) => writeJson(i, s)).join(`${sp},${sp}`)}${sp}]`;
    case 'object': {
      const members = node.entries.map(
        ([k, v]) => `${writeString(k, s.escapeAll)}${sp}:${sp}${writeJson(v, s)}`,
      );
      return `{${sp}${members.join(`${sp},${sp}`)}${sp}}`;
    }
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

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** Closes the kit's keep-alive sockets (afterAll). */
export function closeAgent(): void {
  agent.destroy();
}

/**
 * One request through node:http: the target goes out as given (latin1 bytes, odd percent-encoding), repeated
 * headers as repeated lines, the body as exact bytes.
 */
export function send(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string | string[]> = {},
  body?: Buffer,
): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path: target, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The message of a failed check of the admin error shape `{ "error": { "type", "message" } }`, or undefined. */
export function errorShapeProblem(answer: Answer): string | undefined {
  if (!String(answer.headers['content-type'] ?? '').startsWith('application/json'))
    return `content-type ${String(answer.headers['content-type'])}`;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return 'not JSON';
  }
  const error = (body as { error?: { type?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.type !== 'string' || typeof error.message !== 'string')
    return `body ${answer.text.slice(0, 200)}`;
  return undefined;
}

export { globalsChanged, snapshotGlobals } from '../../packages/core/test/globals-snapshot';
export type { GlobalsSnapshot } from '../../packages/core/test/globals-snapshot';
