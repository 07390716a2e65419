import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * What a token opens, narrowest first: `scrape` the Prometheus text only, `read` every GET that changes
 * nothing, `admin` everything. A route asks for one scope; a token of that scope or a wider one passes.
 */
export type AuthScope = 'scrape' | 'read' | 'admin';

export interface AuthOptions {
  /** Admin token (every route). Default `env.GATECACHE_ADMIN_TOKEN`. */
  token?: string;
  /** Read-only token (routes that change nothing). Default `env.GATECACHE_READ_TOKEN`. */
  readToken?: string;
  /** Scrape token (`GET /metrics/prometheus` only). Default `env.GATECACHE_SCRAPE_TOKEN`. */
  scrapeToken?: string;
  /** false turns authentication off on purpose (a private network, tests). Default true. */
  auth?: boolean;
}

/** Per-route switches of the check. */
export interface RouteAuth {
  /** Also take the token from `?token=` (a browser navigation cannot send a header). Default false. */
  queryToken?: boolean;
}

export interface Principal {
  scope: AuthScope;
  /** First 8 hex chars of sha256(token): names the caller in the audit log without revealing the token. */
  tokenId: string;
}

/** The parts of an Express (4 or 5) request and response the check uses. */
export interface AuthRequest {
  headers: IncomingHttpHeaders;
  query?: unknown;
}
export interface AuthResponse {
  locals: Record<string, unknown>;
  setHeader(name: string, value: string): unknown;
  status(code: number): { json(body: unknown): unknown };
}
export type AuthMiddleware = ((
  req: AuthRequest,
  res: AuthResponse,
  next: (err?: unknown) => void,
) => void) & {
  /** The scope the route asks for: lets a test or an audit list each route with what guards it. */
  readonly authScope: AuthScope;
};
export type RequireScope = ((scope: AuthScope, route?: RouteAuth) => AuthMiddleware) & {
  /**
   * The caller a request's bearer token names, without refusing anything: for a public route that shows
   * more to an authenticated caller. Anonymous admin with `auth: false`; undefined without a valid token.
   */
  identify(req: AuthRequest): Principal | undefined;
};

/** Where each token is read from when the option is not given. */
export const AUTH_ENV = {
  token: 'GATECACHE_ADMIN_TOKEN',
  readToken: 'GATECACHE_READ_TOKEN',
  scrapeToken: 'GATECACHE_SCRAPE_TOKEN',
} as const;

/** Locals key under which the authenticated caller is kept for the handlers. */
export const PRINCIPAL = 'gatecacheAdmin';

const RANK: Record<AuthScope, number> = { scrape: 1, read: 2, admin: 3 };
const NEEDS: Record<AuthScope, string> = {
  scrape: 'a scrape, read or admin token',
  read: 'the read or admin token',
  admin: 'the admin token',
};

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** `tokenId` of a token: safe to log, enough to tell tokens apart. */
export function tokenId(token: string): string {
  return sha256(token).toString('hex').slice(0, 8);
}

function refuse(res: AuthResponse, status: number, type: string, message: string): void {
  // A refusal must not be kept by a shared cache in front of the gateway.
  res.setHeader('Cache-Control', 'no-store');
  res.status(status).json({ error: { type, message } });
}

/**
 * The bearer-token check every admin, metrics and warming route runs as route middleware, so it holds for
 * every spelling of a path Express accepts; tokens are compared as sha256 digests so no length leaks.
 */
export function createAuth(options: AuthOptions, env: NodeJS.ProcessEnv, owner = 'cacheAdmin'): RequireScope {
  if (options.auth !== undefined && typeof options.auth !== 'boolean') {
    throw new TypeError(`${owner}: auth must be a boolean`);
  }
  for (const name of ['token', 'readToken', 'scrapeToken'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value.length < 8)) {
      throw new TypeError(`${owner}: ${name} must be a string of at least 8 characters`);
    }
  }
  const pick = (name: keyof typeof AUTH_ENV): string | undefined =>
    options[name] ?? (env[AUTH_ENV[name]] || undefined);
  const tokens = (['admin', 'read', 'scrape'] as const).flatMap((scope) => {
    const value = pick(scope === 'admin' ? 'token' : scope === 'read' ? 'readToken' : 'scrapeToken');
    return value ? [{ scope, digest: sha256(value), id: tokenId(value) }] : [];
  });
  const configured = tokens.some((t) => t.scope === 'admin');
  const disabled = options.auth === false;

  const bearer = (req: AuthRequest): string | undefined => {
    const header = req.headers.authorization;
    return typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  };
  const match = (given: string): Principal | undefined => {
    const digest = sha256(given);
    // Every comparison runs, so timing does not tell which token matched; the widest match wins.
    let found: (typeof tokens)[number] | undefined;
    for (const t of tokens) {
      if (timingSafeEqual(digest, t.digest) && (!found || RANK[t.scope] > RANK[found.scope])) found = t;
    }
    return found && { scope: found.scope, tokenId: found.id };
  };
  const anonymous: Principal = { scope: 'admin', tokenId: 'anonymous' };

  const requireScope = (scope: AuthScope, route: RouteAuth = {}): AuthMiddleware => {
    const requireToken = (req: AuthRequest, res: AuthResponse, next: (err?: unknown) => void): void => {
      if (disabled) {
        res.locals[PRINCIPAL] = { ...anonymous };
        return next();
      }
      if (!configured) {
        return refuse(
          res,
          503,
          'auth_not_configured',
          `these routes need a token: set ${AUTH_ENV.token} (and optionally ${AUTH_ENV.readToken}, ` +
            `${AUTH_ENV.scrapeToken}) or pass { token } to ${owner}(); pass { auth: false } only to turn ` +
            'authentication off on purpose',
        );
      }
      const query = route.queryToken ? (req.query as { token?: unknown } | undefined)?.token : undefined;
      const given = bearer(req) ?? (typeof query === 'string' && query !== '' ? query : undefined);
      if (given === undefined) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="gatecache-admin"');
        return refuse(res, 401, 'unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
      }
      const found = match(given);
      if (!found) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="gatecache-admin", error="invalid_token"');
        return refuse(res, 401, 'unauthorized', 'invalid bearer token');
      }
      if (RANK[found.scope] < RANK[scope]) {
        return refuse(
          res,
          403,
          'forbidden',
          `this route needs ${NEEDS[scope]}; the ${found.scope} token was given`,
        );
      }
      res.locals[PRINCIPAL] = found;
      next();
    };
    return Object.defineProperty(requireToken, 'authScope', { value: scope }) as AuthMiddleware;
  };
  const identify = (req: AuthRequest): Principal | undefined => {
    if (disabled) return { ...anonymous };
    const given = configured ? bearer(req) : undefined;
    return given === undefined ? undefined : match(given);
  };
  return Object.assign(requireScope, { identify });
}
