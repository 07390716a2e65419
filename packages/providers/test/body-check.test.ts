import { bodyRefusal } from '../src/body-check';
import { fixtureText as fixture } from './fixtures';

const check = (raw: Buffer | string): ReturnType<typeof bodyRefusal> => {
  const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
  return bodyRefusal(bytes, JSON.parse(bytes.toString('utf8')));
};

describe('bodyRefusal', () => {
  it('accepts the request fixtures and bodies whose strings hold colons, quotes and backslashes', () => {
    for (const name of [
      'openai/chat-completion.request.json',
      'openai/chat-completion-tools.request.json',
      'openai/embeddings.request.json',
      'anthropic/messages.request.json',
      'gemini/generateContent.request.json',
    ]) {
      expect(check(fixture(name))).toBeUndefined();
    }
    expect(check('{"a:b":"c:d","e":"\\"x\\":1","f\\\\":"\\\\","g":{"h":[1,{"i":":"}]}}')).toBeUndefined();
    expect(check('[1,2,{"a":1}]')).toBeUndefined();
    expect(check('"just a string: yes"')).toBeUndefined();
  });

  it('refuses bytes that are not valid UTF-8, however they would decode', () => {
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      const raw = Buffer.concat([Buffer.from('{"model":"m","input":"'), Buffer.from(bad), Buffer.from('"}')]);
      expect(check(raw)).toBe('invalid-utf8');
    }
  });

  it('refuses a member name given twice at any depth, spelled alike or escaped differently', () => {
    expect(check('{"model":"a","model":"b"}')).toBe('duplicate-keys');
    expect(check('{"model":"a","messages":[{"role":"user","content":"x","content":"y"}]}')).toBe(
      'duplicate-keys',
    );
    expect(check('{"m":1,"\\u006d":2}')).toBe('duplicate-keys');
    expect(check('{"__proto__":{},"__proto__":{}}')).toBe('duplicate-keys');
    expect(check('{"a":{"b":{"c":{"d":1,"d":1}}}}')).toBe('duplicate-keys');
  });

  it('walks a deeply nested body without recursion', () => {
    const depth = 50_000;
    const deep = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    expect(check(deep)).toBeUndefined();
    const deepDup = '{"a":'.repeat(depth) + '{"x":1,"x":2}' + '}'.repeat(depth);
    expect(check(deepDup)).toBe('duplicate-keys');
  });
});
