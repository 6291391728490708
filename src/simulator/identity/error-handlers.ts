/**
 * Express error middleware of the identity platform. The JSON endpoints (token, discovery) answer with
 * Entra's error body; the browser flows show an error page. Anything that is not an AadError is a bug and
 * goes on to the server's generic handler.
 */
import type { NextFunction, Request, Response } from 'express';
import type { SimulatorContext } from '../context';
import { AadError, aadErrorBody } from './aad-error';
import { renderErrorPage } from './pages';

export function jsonErrorHandler(ctx: SimulatorContext) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (!(err instanceof AadError)) return next(err);
    const body = aadErrorBody(err, ctx.now(), ctx.settings.baseUrl, req.get('client-request-id'));
    res.status(err.status).set('Cache-Control', 'no-store').json(body);
  };
}

export function errorPageHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (!(err instanceof AadError)) return next(err);
  res.status(err.status).type('html').send(renderErrorPage(err));
}
