import { UPSTREAM_HEADERS } from '@gatecache/test-kit';
import { contentEncodingOf, contentTypeOf, forbidsStorage, isEventStream, storableHeaders } from '../src';

describe('response header helpers', () => {
  const upstream = {
    ...UPSTREAM_HEADERS,
    'openai-organization': 'org-1',
    'x-ratelimit-remaining-requests': '10',
    'x-custom': 'c',
  };

  it('stores only the allow-list plus configured extras', () => {
    expect(storableHeaders(upstream, new Set(['x-custom']))).toEqual({
      'content-type': 'application/json',
      'x-request-id': 'req_1',
      'openai-organization': 'org-1',
      'x-custom': 'c',
    });
  });

  it('reads private and no-store from an upstream Cache-Control', () => {
    expect(forbidsStorage({ 'cache-control': 'private, max-age=0' })).toBe(true);
    expect(forbidsStorage({ 'cache-control': 'no-store' })).toBe(true);
    expect(forbidsStorage({ 'cache-control': 'no-cache' })).toBe(false);
    expect(forbidsStorage({})).toBe(false);
  });

  it('reads content type and encoding, with their defaults', () => {
    expect(contentEncodingOf({})).toBe('identity');
    expect(contentEncodingOf({ 'content-encoding': ' GZIP ' })).toBe('gzip');
    expect(contentTypeOf({})).toBe('');
    expect(isEventStream({ 'content-type': 'text/event-stream; charset=utf-8' })).toBe(true);
    expect(isEventStream({ 'content-type': 'application/json' })).toBe(false);
  });
});
