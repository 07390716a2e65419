import { escapeKeyPart } from '../src';

describe('escapeKeyPart', () => {
  it('leaves ordinary model names as they are', () => {
    expect(escapeKeyPart('gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(escapeKeyPart('claude-sonnet-4-5_2025.09')).toBe('claude-sonnet-4-5_2025.09');
  });

  it('keeps a fine-tuned model id with colons as one key field', () => {
    const out = escapeKeyPart('ft:gpt-4o:org:1');
    expect(out).toBe('ft%3Agpt-4o%3Aorg%3A1');
    expect(out).not.toContain(':');
  });

  it('escapes slashes, glob characters, backslashes and whitespace', () => {
    const out = escapeKeyPart('models/gemini pro*?[x]\\\t\n');
    expect(out).toBe('models%2Fgemini%20pro%2A%3F%5Bx%5D%5C%09%0A');
    expect(out).toMatch(/^[A-Za-z0-9._%-]+$/);
  });

  it('escapes the percent sign so distinct inputs stay distinct', () => {
    expect(escapeKeyPart('a%3Ab')).toBe('a%253Ab');
    expect(escapeKeyPart('a%3Ab')).not.toBe(escapeKeyPart('a:b'));
  });

  it('encodes non-ASCII characters as their UTF-8 bytes', () => {
    expect(escapeKeyPart('modèle')).toBe('mod%C3%A8le');
  });
});

describe('escapeKeyPart with a very long part', () => {
  it('shortens it to 128 chars and keeps two long parts with one start apart', () => {
    const a = escapeKeyPart('m'.repeat(500) + 'a');
    const b = escapeKeyPart('m'.repeat(500) + 'b');
    expect(a).toHaveLength(128);
    expect(a.startsWith('m'.repeat(100))).toBe(true);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9._%-]+$/);
  });
});
