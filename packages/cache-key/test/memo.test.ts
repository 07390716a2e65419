import { createKeyer } from '../src/keyer';
import type { KeyRequest } from '../src/types';

const raw = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
  temperature: 0,
});
const request = (headers: Record<string, string> = {}, rawBody: string | undefined = raw): KeyRequest => ({
  method: 'POST',
  url: '/v1/chat/completions',
  headers: { authorization: 'Bearer sk-a', ...headers },
  body: JSON.parse(raw) as unknown,
  ...(rawBody !== undefined ? { rawBody } : {}),
});

describe('key memo', () => {
  it('answers a byte-identical repeat from memory with the same key', () => {
    const keyer = createKeyer();
    const first = keyer.key(request());
    const second = keyer.key(request());
    expect(second).toBe(first);
    expect(second.key).toBe(createKeyer({ memoSize: 0 }).key(request()).key);
  });

  it('keeps credentials and vary headers apart', () => {
    const keyer = createKeyer();
    const a = keyer.key(request());
    expect(keyer.key(request({ authorization: 'Bearer sk-b' })).tenant).not.toBe(a.tenant);
    expect(keyer.key(request({ 'anthropic-version': '2023-06-01' })).key).not.toBe(a.key);
    expect(keyer.key(request({ 'x-request-id': 'r1' }))).toBe(a);
  });

  it('computes afresh without raw bytes, with memoSize 0, or when the scope is a function', () => {
    expect(createKeyer().key(request({}, undefined))).not.toBe(createKeyer().key(request({}, undefined)));
    const off = createKeyer({ memoSize: 0 });
    expect(off.key(request())).not.toBe(off.key(request()));
    const scoped = createKeyer({ scope: (req) => String(req.headers['x-team']) });
    expect(scoped.key(request({ 'x-team': 'a' })).tenant).not.toBe(
      scoped.key(request({ 'x-team': 'b' })).tenant,
    );
  });

  it('remembered() answers a repeat without reading its body, and nothing it has not keyed', () => {
    const keyer = createKeyer();
    const bodyless = (): KeyRequest => {
      const { body: _body, ...rest } = request();
      return Object.defineProperty(rest, 'body', {
        get: () => {
          throw new Error('body read');
        },
      }) as KeyRequest;
    };
    expect(keyer.remembered?.(bodyless())).toBeUndefined();
    const first = keyer.key(request());
    expect(keyer.remembered?.(bodyless())).toBe(first);
    expect(keyer.remembered?.({ ...request(), rawBody: `${raw} ` })).toBeUndefined();
    expect(keyer.remembered?.(request({ authorization: 'Bearer sk-b' }))).toBeUndefined();
  });

  it('tells raw bytes from a string whose characters spell them in latin1, and finds text in either form', () => {
    const keyer = createKeyer();
    const text = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'é' }] });
    const asRequest = (rawBody: string | Buffer): KeyRequest => ({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: 'Bearer sk-a' },
      body: JSON.parse(Buffer.isBuffer(rawBody) ? rawBody.toString() : rawBody) as unknown,
      rawBody,
    });
    const utf8 = keyer.key(asRequest(Buffer.from(text)));
    // The UTF-8 bytes of 'é' read as latin1 are 'Ã©': another request, which must not get the first one's key.
    const mojibake = Buffer.from(text).toString('latin1');
    expect(keyer.remembered?.({ ...asRequest(Buffer.from(text)), rawBody: mojibake })).toBeUndefined();
    expect(keyer.key(asRequest(mojibake)).key).not.toBe(utf8.key);
    expect(keyer.remembered?.({ ...asRequest(text), rawBody: text })).toBe(utf8);
  });

  it('does not remember bytes that did not parse (no body): a caller must still check them', () => {
    const keyer = createKeyer();
    const { body: _body, ...notJson } = request({}, 'not json');
    keyer.key(notJson);
    expect(keyer.remembered?.(notJson)).toBeUndefined();
  });

  it('with remember: false, keys without remembering until remember() is called', () => {
    const keyer = createKeyer();
    const first = keyer.key(request(), { remember: false });
    expect(keyer.remembered?.(request())).toBeUndefined();
    expect(keyer.key(request(), { remember: false })).not.toBe(first);
    keyer.remember?.(request(), first);
    expect(keyer.remembered?.(request())).toBe(first);
    expect(keyer.key(request(), { remember: false })).toBe(first);
    // Without a parsed body the bytes are not vouched for: nothing is remembered.
    const { body: _body, ...unparsed } = request({ authorization: 'Bearer sk-c' });
    keyer.remember?.(unparsed, first);
    expect(keyer.remembered?.(unparsed)).toBeUndefined();
  });

  it('rejects a bad memoSize', () => {
    expect(() => createKeyer({ memoSize: -1 })).toThrow(/memoSize/);
  });
});
