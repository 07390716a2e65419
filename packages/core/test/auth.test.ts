import express from 'express';
import request from 'supertest';
import { PRINCIPAL, createAuth, tokenId } from '../src';
import type { AuthOptions, Principal } from '../src';

const ADMIN = 'admin-token-0123456789';
const READER = 'read-token-0123456789';

/**
 * A real Express app whose routes (one per scope, a read route that takes `?token=`) echo the authenticated
 * caller, and `/who` what `identify` makes of a request.
 */
function app(options: AuthOptions, env: NodeJS.ProcessEnv = {}) {
  const scope = createAuth(options, env);
  const a = express();
  const echo = (_req: express.Request, res: express.Response): void => {
    res.json(res.locals[PRINCIPAL] as Principal);
  };
  a.get('/read', scope('read'), echo);
  a.get('/admin', scope('admin'), echo);
  a.get('/scrape', scope('scrape'), echo);
  a.get('/page', scope('read', { queryToken: true }), echo);
  a.get('/who', (req, res) => res.json(scope.identify(req) ?? null));
  return a;
}

describe('createAuth', () => {
  it('admits the admin token to both scopes and names it by its token id', async () => {
    const a = app({ token: ADMIN, readToken: READER });
    for (const path of ['/read', '/admin']) {
      const res = await request(a).get(path).set('Authorization', `Bearer ${ADMIN}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ scope: 'admin', tokenId: tokenId(ADMIN) });
    }
  });

  it('admits the read token to read routes only', async () => {
    const a = app({ token: ADMIN, readToken: READER });
    const read = await request(a).get('/read').set('Authorization', `Bearer ${READER}`);
    expect(read.body).toEqual({ scope: 'read', tokenId: tokenId(READER) });
    const admin = await request(a).get('/admin').set('Authorization', `Bearer ${READER}`);
    expect(admin.status).toBe(403);
    expect(admin.body.error.type).toBe('forbidden');
  });

  it('answers 401 with a WWW-Authenticate challenge for a missing, malformed or wrong token', async () => {
    const a = app({ token: ADMIN });
    const none = await request(a).get('/read');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    expect((await request(a).get('/read').set('Authorization', `Basic ${ADMIN}`)).status).toBe(401);
    const wrong = await request(a).get('/read').set('Authorization', `Bearer ${ADMIN}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toContain('invalid_token');
  });

  it('answers 503 saying how to configure a token when none is set', async () => {
    const res = await request(app({})).get('/read').set('Authorization', `Bearer ${ADMIN}`);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ type: 'auth_not_configured' });
    expect(res.body.error.message).toContain('GATECACHE_ADMIN_TOKEN');
    expect(res.body.error.message).toContain('auth: false');
  });

  it('reads the tokens from the environment given', async () => {
    const a = app({}, { GATECACHE_ADMIN_TOKEN: ADMIN, GATECACHE_READ_TOKEN: READER });
    expect((await request(a).get('/admin').set('Authorization', `Bearer ${ADMIN}`)).status).toBe(200);
    expect((await request(a).get('/admin').set('Authorization', `Bearer ${READER}`)).status).toBe(403);
  });

  it('lets everyone in as anonymous admin only with auth: false', async () => {
    const res = await request(app({ auth: false })).get('/admin');
    expect(res.body).toEqual({ scope: 'admin', tokenId: 'anonymous' });
  });

  it('rejects bad options at creation, naming them', () => {
    expect(() => createAuth({ token: 'short' }, {})).toThrow(/token must be a string of at least 8/);
    expect(() => createAuth({ readToken: 'short' }, {})).toThrow(/readToken/);
    expect(() => createAuth({ auth: 'no' as unknown as boolean }, {})).toThrow(/auth must be a boolean/);
  });
});

describe('tokenId', () => {
  it('is 8 hex characters, stable, distinct per token and not the token itself', () => {
    expect(tokenId(ADMIN)).toMatch(/^[0-9a-f]{8}$/);
    expect(tokenId(ADMIN)).toBe(tokenId(ADMIN));
    expect(tokenId(ADMIN)).not.toBe(tokenId(READER));
    expect(ADMIN).not.toContain(tokenId(ADMIN));
  });
});

describe('createAuth scopes beyond read and admin', () => {
  const SCRAPER = 'scrape-token-0123456789';
  it('admits the scrape token to scrape routes only, and the wider tokens there too', async () => {
    const a = app(
      {},
      { GATECACHE_ADMIN_TOKEN: ADMIN, GATECACHE_READ_TOKEN: READER, GATECACHE_SCRAPE_TOKEN: SCRAPER },
    );
    for (const [token, scope] of [
      [SCRAPER, 'scrape'],
      [READER, 'read'],
      [ADMIN, 'admin'],
    ] as const) {
      const res = await request(a).get('/scrape').set('Authorization', `Bearer ${token}`);
      expect(res.body).toEqual({ scope, tokenId: tokenId(token) });
    }
    const read = await request(a).get('/read').set('Authorization', `Bearer ${SCRAPER}`);
    expect(read.status).toBe(403);
    expect(read.body.error).toEqual({
      type: 'forbidden',
      message: 'this route needs the read or admin token; the scrape token was given',
    });
    expect(read.headers['cache-control']).toBe('no-store');
  });

  it('takes ?token= only on a route that asks for it', async () => {
    const a = app({ token: ADMIN, readToken: READER });
    expect((await request(a).get(`/page?token=${READER}`)).body.scope).toBe('read');
    expect((await request(a).get(`/read?token=${ADMIN}`)).status).toBe(401);
    expect((await request(a).get(`/page?token=${ADMIN}x`)).status).toBe(401);
    expect((await request(a).get(`/page?token=${ADMIN}&token=${ADMIN}`)).status).toBe(401);
  });

  it('identifies the caller without refusing anyone', async () => {
    const a = app({ token: ADMIN, scrapeToken: SCRAPER });
    expect((await request(a).get('/who')).body).toBeNull();
    expect((await request(a).get('/who').set('Authorization', 'Bearer wrong-token-1')).body).toBeNull();
    const scrape = await request(a).get('/who').set('Authorization', `Bearer ${SCRAPER}`);
    expect(scrape.body).toEqual({ scope: 'scrape', tokenId: tokenId(SCRAPER) });
    expect((await request(app({})).get('/who').set('Authorization', `Bearer ${ADMIN}`)).body).toBeNull();
    expect((await request(app({ auth: false })).get('/who')).body.tokenId).toBe('anonymous');
  });

  it('rejects a short scrape token, naming it', () => {
    expect(() => createAuth({ scrapeToken: 'short' }, {})).toThrow(/cacheAdmin: scrapeToken must be/);
  });
});
