import { eventJson, isObject, numberField, sseBlock } from '../src/sse/data';
import { parseSse } from '../src/sse';

describe('eventJson', () => {
  it('parses JSON object data', () => {
    expect(eventJson({ data: ' {"a":1}', raw: '' })).toEqual({ a: 1 });
  });

  it('returns undefined for [DONE], text, arrays and broken JSON', () => {
    for (const data of ['[DONE]', 'hello', '[1,2]', '{"a":', '']) {
      expect(eventJson({ data, raw: '' })).toBeUndefined();
    }
  });
});

describe('isObject', () => {
  it('accepts plain objects only', () => {
    expect(isObject({})).toBe(true);
    expect(isObject([])).toBe(false);
    expect(isObject(null)).toBe(false);
    expect(isObject('x')).toBe(false);
  });
});

describe('sseBlock', () => {
  it('renders a named JSON event closed by a blank line', () => {
    expect(sseBlock({ type: 'ping' }, 'ping')).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });

  it('splits multi-line string data into one data line each, which the parser joins back', () => {
    const block = sseBlock('a\nb\r\nc');
    expect(block).toBe('data: a\ndata: b\ndata: c\n\n');
    expect(parseSse(block)[0].data).toBe('a\nb\nc');
  });

  it('uses the given line end', () => {
    expect(sseBlock('x', undefined, '\r\n')).toBe('data: x\r\n\r\n');
  });
});

describe('numberField', () => {
  it('reads finite numbers and ignores everything else', () => {
    expect(numberField({ a: 3, b: '3', c: Number.NaN }, 'a')).toBe(3);
    expect(numberField({ b: '3' }, 'b')).toBeUndefined();
    expect(numberField({ c: Number.NaN }, 'c')).toBeUndefined();
    expect(numberField(undefined, 'a')).toBeUndefined();
  });
});
