import { matchRoute } from '@gatecache/providers';
import { BUILT_IN_VARY_HEADERS, collectVary } from '../src/vary';
import type { KeyRequest } from '../src';

const vary = (r: KeyRequest, headers = BUILT_IN_VARY_HEADERS): Record<string, string> =>
  collectVary(r, matchRoute(r), headers);

describe('collectVary', () => {
  it('records the mount prefix of a known endpoint', () => {
    expect(vary({ method: 'POST', url: '/anthropic/v1/messages', headers: {} })).toEqual({
      prefix: '/anthropic/v1',
    });
  });

  it('records the whole path of an unknown endpoint', () => {
    expect(vary({ method: 'POST', url: '/v1/images/generations', headers: {} })).toEqual({
      path: '/v1/images/generations',
    });
  });

  it('normalizes beta feature lists so order and spacing do not matter', () => {
    const a = vary({ method: 'POST', url: '/v1/messages', headers: { 'anthropic-beta': 'b-2, a-1,b-2' } });
    const b = vary({ method: 'POST', url: '/v1/messages', headers: { 'anthropic-beta': 'a-1,b-2' } });
    expect(a).toEqual(b);
    expect(a['header:anthropic-beta']).toBe('a-1,b-2');
  });

  it('keeps every query parameter except credentials', () => {
    const r = {
      method: 'POST',
      url: '/openai/deployments/d/chat/completions?api-version=2024-10-21&key=SECRET&x=1&x=2',
      headers: {},
    };
    expect(vary(r)).toEqual({ prefix: '', 'query:api-version': '2024-10-21', 'query:x': '1,2' });
  });

  it('adds extra vary headers and joins repeated values', () => {
    const r = { method: 'POST', url: '/v1/chat/completions', headers: { 'x-region': ['eu', 'us'] } };
    expect(vary(r, [...BUILT_IN_VARY_HEADERS, 'x-region'])['header:x-region']).toBe('eu,us');
  });
});
