/**
 * createGraphRouter: the simulator's Microsoft Graph v1.0 endpoints as an Express router (mounted at /v1.0).
 * Express only adapts: it parses JSON, authenticates the bearer token and adds latency; everything else is
 * the shared dispatch (pipeline.ts), which $batch steps go through too.
 */
import express from 'express';
import type { SimulatorContext } from '../context';
import { SimGraphError } from '../errors';
import { verifyAccessToken, type AccessTokenClaims } from '../tokens';
import { batchRoutes } from './batch';
import { deltaRoutes } from './delta/route';
import { errorResponse, idHeaders } from './graph-error';
import type { GraphRequest, GraphResponse } from './http';
import { countRequest, createGraphEnv, requestIds } from './pipeline';
import { endpointKey, type RouteDef } from './route';
import { appRoutes } from './routes/apps';
import { deletedItemRoutes } from './routes/deleted-items';
import { directoryRoutes } from './routes/directory';
import { groupRoutes } from './routes/groups';
import { policyRoutes } from './routes/policies';
import { roleRoutes } from './routes/roles';
import { subscriptionRoutes } from './routes/subscriptions';
import { userRoutes } from './routes/users';

export const GRAPH_ROUTES: readonly RouteDef[] = [
  ...userRoutes,
  ...groupRoutes,
  ...deltaRoutes,
  ...roleRoutes,
  ...policyRoutes,
  ...appRoutes,
  ...directoryRoutes,
  ...deletedItemRoutes,
  ...subscriptionRoutes,
  ...batchRoutes,
];

export function createGraphRouter(ctx: SimulatorContext): express.Router {
  const env = createGraphEnv(ctx, GRAPH_ROUTES);
  const router = express.Router();
  router.use(express.json({ limit: '4mb', type: ['application/json', 'application/*+json'] }));
  router.use(async (req, res) => {
    const graphReq = toGraphRequest(req);
    // Latency is added once per HTTP request: a batch's steps run as one round trip, as at Graph.
    if (ctx.faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, ctx.faults.latencyMs));
    const auth = await authenticate(ctx, req.headers.authorization);
    if (auth instanceof SimGraphError) {
      countRequest(ctx, endpointKey(GRAPH_ROUTES, graphReq.method, graphReq.path));
      const ids = requestIds(graphReq);
      const response = errorResponse(auth, ids, ctx.now());
      return send(res, { ...response, headers: { ...response.headers, ...idHeaders(ids) } });
    }
    send(res, await env.dispatch(auth, graphReq));
  });
  // Malformed JSON bodies arrive here from express.json().
  router.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const ids = requestIds(toGraphRequest(req));
    const problem = new SimGraphError(400, 'BadRequest', `Unable to read JSON request payload: ${error instanceof Error ? error.message : String(error)}.`);
    const response = errorResponse(problem, ids, ctx.now());
    send(res, { ...response, headers: { ...response.headers, ...idHeaders(ids) } });
  });
  return router;
}

function toGraphRequest(req: express.Request): GraphRequest {
  const url = new URL(req.url, 'http://graph.invalid');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  return { method: req.method, path: url.pathname, query: url.searchParams, headers, body: req.body };
}

async function authenticate(ctx: SimulatorContext, authorization: string | undefined): Promise<AccessTokenClaims | SimGraphError> {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return new SimGraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
  try {
    return await verifyAccessToken(ctx, token);
  } catch (error) {
    const expired = (error as { code?: string }).code === 'ERR_JWT_EXPIRED';
    return new SimGraphError(
      401,
      'InvalidAuthenticationToken',
      expired ? 'Access token has expired or is not yet valid.' : 'Access token validation failure. Invalid audience, issuer or signature.',
    );
  }
}

function send(res: express.Response, response: GraphResponse): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (response.body === undefined) res.end();
  else res.send(typeof response.body === 'string' ? response.body : JSON.stringify(response.body));
}
