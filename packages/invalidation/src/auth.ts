import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { sendError } from './errors';

export type Scope = 'read' | 'admin';

export interface AuthOptions {
  token?: string;
  readToken?: string;
  auth?: boolean;
}

export interface Principal {
  scope: Scope;
  /** First 8 hex chars of sha256(token): names the caller in the audit log without revealing the token. */
  tokenId: string;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** `tokenId` of a token: safe to log, enough to tell tokens apart. */
export function tokenId(token: string): string {
  return sha256(token).toString('hex').slice(0, 8);
}

/** Locals key under which the authenticated caller is kept for the handlers. */
export const PRINCIPAL = 'gatecacheAdmin';

/**
 * Bearer-token check. Tokens are compared as sha256 digests with timingSafeEqual: equal lengths whatever the
 * input, so neither the content nor the length of a token leaks through timing.
 */
export function createAuth(
  options: AuthOptions,
  env: NodeJS.ProcessEnv,
): (scope: Scope) => (req: Request, res: Response, next: NextFunction) => void {
  const admin = options.token ?? env.GATECACHE_ADMIN_TOKEN;
  const read = options.readToken ?? env.GATECACHE_READ_TOKEN;
  if (options.auth !== undefined && typeof options.auth !== 'boolean') {
    throw new Error('cacheAdmin: auth must be a boolean');
  }
  for (const [name, value] of [
    ['token', options.token],
    ['readToken', options.readToken],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value.length < 8)) {
      throw new Error(`cacheAdmin: ${name} must be a string of at least 8 characters`);
    }
  }
  const disabled = options.auth === false;
  const adminDigest = admin ? sha256(admin) : undefined;
  const readDigest = read ? sha256(read) : undefined;
  const ids = { admin: admin ? tokenId(admin) : '', read: read ? tokenId(read) : '' };

  return (scope) => (req, res, next) => {
    if (disabled) {
      res.locals[PRINCIPAL] = { scope: 'admin', tokenId: 'anonymous' } satisfies Principal;
      return next();
    }
    if (!adminDigest) {
      return sendError(
        res,
        503,
        'auth_not_configured',
        'admin routes need a token: set GATECACHE_ADMIN_TOKEN (and optionally GATECACHE_READ_TOKEN) or pass ' +
          '{ token } to cacheAdmin(); pass { auth: false } only to turn authentication off on purpose',
      );
    }
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="gatecache-admin"');
      return sendError(res, 401, 'unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
    }
    const given = sha256(match[1] as string);
    // Both comparisons always run, so timing does not tell which token matched.
    const isAdmin = timingSafeEqual(given, adminDigest);
    const isRead = readDigest ? timingSafeEqual(given, readDigest) : false;
    if (!isAdmin && !isRead) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="gatecache-admin", error="invalid_token"');
      return sendError(res, 401, 'unauthorized', 'invalid bearer token');
    }
    if (scope === 'admin' && !isAdmin) {
      return sendError(
        res,
        403,
        'forbidden',
        'this route needs the admin token; the read-only token was given',
      );
    }
    res.locals[PRINCIPAL] = {
      scope: isAdmin ? 'admin' : 'read',
      tokenId: isAdmin ? ids.admin : ids.read,
    } satisfies Principal;
    next();
  };
}
