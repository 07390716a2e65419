import request from 'supertest';
import { stack } from './helpers';
import type { Stack } from './helpers';

describe('GET /api/cache/dashboard', () => {
  let s: Stack;
  afterEach(async () => s.close());

  it('serves one self-contained page with no outside resources', async () => {
    s = stack();
    const res = await request(s.app).get('/api/cache/dashboard').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.text).toContain('id="hit-rate"');
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(res.text).not.toMatch(/<script[^>]+src=/);
  });

  it('asks for the admin token on every route and lets the page take it from ?token=', async () => {
    const token = 'secret-token-123';
    s = stack({ adminToken: token });
    const refused = await request(s.app).get('/api/cache/dashboard').expect(401);
    expect(refused.body.error.type).toBe('unauthorized');
    await request(s.app).get(`/api/cache/dashboard?token=${token}`).expect(200);
    await request(s.app).get('/api/cache/stats').expect(401);
    await request(s.app).get(`/api/cache/stats?token=${token}`).expect(401);
    await request(s.app).get('/api/cache/stats').set('Authorization', `Bearer ${token}`).expect(200);
    await request(s.app).get('/metrics/prometheus').set('Authorization', 'Bearer wrong-token-xx').expect(401);
    // Liveness stays open for load balancers.
    await request(s.app).get('/health').expect(200);
    expect(() => stack({ adminToken: 'short' })).toThrow(/^cacheMetrics: adminToken must be/);
  });
});
