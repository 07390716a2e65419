import type { NextFunction, Request, Response } from 'express';

/** An error with the HTTP status and `error.type` the admin routes answer with. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export function sendError(res: Response, status: number, type: string, message: string): void {
  res.status(status).json({ error: { type, message } });
}

/** Last handler of the router: every failure answers `{ error: { type, message } }`, never an HTML page. */
export function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof AdminError) return sendError(res, err.status, err.type, err.message);
  const e = err as { status?: number; type?: string; message?: string };
  // body-parser errors carry a status (400 bad JSON, 413 too large).
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return sendError(res, e.status, 'invalid_request', e.message ?? 'bad request');
  }
  sendError(res, 500, 'internal_error', e?.message ?? 'internal error');
}
