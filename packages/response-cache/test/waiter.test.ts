import { acceptsEncoding } from '../src/waiter';

describe('acceptsEncoding', () => {
  it('always accepts identity', () => {
    expect(acceptsEncoding(undefined, 'identity')).toBe(true);
  });

  it('reads codings, wildcards and q=0 refusals', () => {
    expect(acceptsEncoding('gzip, deflate, br', 'br')).toBe(true);
    expect(acceptsEncoding('*', 'gzip')).toBe(true);
    expect(acceptsEncoding('gzip;q=0, br', 'gzip')).toBe(false);
    expect(acceptsEncoding('deflate', 'gzip')).toBe(false);
    expect(acceptsEncoding(undefined, 'gzip')).toBe(false);
  });
});
