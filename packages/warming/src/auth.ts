import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/**
 * Bearer-token check with the semantics of @gatecache/invalidation's (which does not export its own): sha256
 * digests compared with timingSafeEqual; without a token the routes refuse with a clear message unless
 * `auth: false` turns authentication off on purpose.
 */
export function bearerAuth(
  token: string | undefined,
  disabled: boolean,
): (req: Request, res: Response, next: NextFunction) => void {
  const digest = token ? createHash('sha256').update(token).digest() : undefined;
  return (req, res, next) => {
    if (disabled) return next();
    if (!digest) {
      res.status(503).json({
        error: {
          type: 'auth_not_configured',
          message:
            'warming routes need a token: set GATECACHE_ADMIN_TOKEN or pass { token } to warmingRoutes(); pass { auth: false } only to turn authentication off on purpose',
        },
      });
      return;
    }
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const given = match
      ? createHash('sha256')
          .update(match[1] as string)
          .digest()
      : undefined;
    if (!given || !timingSafeEqual(given, digest)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="gatecache-admin"');
      res.status(401).json({ error: { type: 'unauthorized', message: 'missing or invalid bearer token' } });
      return;
    }
    next();
  };
}
