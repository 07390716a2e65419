import { createEventLog, redactConfig } from '../src';

describe('createEventLog', () => {
  it('keeps the newest entries up to its size, newest first, filtered by minimum level', () => {
    const log = createEventLog(3, { now: () => 5 });
    for (const [i, level] of (['info', 'warn', 'debug', 'error'] as const).entries()) {
      log.push({ level, type: 't', n: i });
    }
    expect(log.list().map((e) => e.n)).toEqual([3, 2, 1]);
    expect(log.list({ level: 'warn' }).map((e) => e.n)).toEqual([3, 1]);
    expect(log.list({ limit: 1 })[0]).toMatchObject({ n: 3, time: 5 });
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => createEventLog(0)).toThrow('size');
  });
});

describe('redactConfig', () => {
  it('hides secret-named values and URL credentials, deeply, without touching the input', () => {
    const input = { a: { apiKey: 'k', list: [{ secret: 's' }], url: 'https://u:p@h/x' }, enable: true };
    expect(redactConfig(input)).toEqual({
      a: { apiKey: '[redacted]', list: [{ secret: '[redacted]' }], url: 'https://h/x' },
      enable: true,
    });
    expect(input.a.apiKey).toBe('k');
  });
});
