/**
 * The control API's HTTP plumbing: key check, body parsing against a schema, and the error body
 * `{error:{code,message}}` for everything a route throws.
 */
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { SimGraphError } from '../errors';

export const KEY_HEADER = 'x-simulator-key';

export class ControlError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

export function requireKey(controlKey: string) {
  const expected = Buffer.from(controlKey);
  return (req: Request, _res: Response, next: NextFunction): void => {
    const given = Buffer.from(req.get(KEY_HEADER) ?? '');
    // Constant-time comparison: the key guards a backdoor into every simulated tenant.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ControlError(401, 'Unauthorized', `The control API needs header ${KEY_HEADER} with the simulator's control key.`);
    }
    next();
  };
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw new ControlError(400, 'InvalidRequest', `Invalid request body:\n${z.prettifyError(result.error)}`);
  return result.data;
}

export function controlErrorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  const { status, code, message } = describe(err);
  res.status(status).json({ error: { code, message } });
}

function describe(err: unknown): { status: number; code: string; message: string } {
  if (err instanceof ControlError || err instanceof SimGraphError) return err;
  if (err instanceof RangeError) return { status: 400, code: 'InvalidRequest', message: err.message };
  // express.json marks malformed bodies with status 400 and type 'entity.parse.failed'.
  const e = err as { status?: number; type?: string; message?: string };
  if (e.status === 400 && e.type === 'entity.parse.failed') {
    return { status: 400, code: 'InvalidRequest', message: `Request body is not valid JSON: ${e.message}` };
  }
  return { status: 500, code: 'InternalError', message: err instanceof Error ? err.message : String(err) };
}
