/**
 * GraphQL over WebSocket (graphql-ws protocol) on the HTTP server's /graphql path. On shutdown every active
 * subscription is completed first, so clients see a clean `complete` rather than a dropped socket.
 */
import type { Server } from 'node:http';
import { execute, subscribe, type GraphQLSchema } from 'graphql';
import type { ConnectionInitMessage, Context } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logging';
import type { Authentication, CredentialEnd } from '../callers/authenticator';
import { credentialFromConnectionParams, type PresentedCredential } from '../callers/credentials';
import type { Principal } from '../core/auth/principal';
import type { GatewayContext } from '../core/context';
import { OperationBudget, runWithOperationBudget, type OperationLimits } from '../core/operation-budget';
import { formatGatewayError, logUnexpectedErrors, withoutSuggestions } from '../core/errors';
import { REQUEST_ID_HEADER, resolveRequestId } from './request-id';
import { callerKey } from './subscription-caps';
import { observeWsOperation, wsTraceCarrier } from './observability';
import { prepareOperation, type WsOperationLimits } from './ws-operation';

/** graphql-ws's code for a socket that has not authenticated (its own, for a subscribe before the ack). */
export const CLOSE_UNAUTHORIZED = 4401;

export interface GraphQLWebSocketOptions {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  logger: Logger;
  /**
   * The same document, depth and cost limits as HTTP operations (Apollo's plugin does not see WebSocket
   * operations), the caps on operations at once, and whether introspection is allowed.
   */
  limits: WsOperationLimits;
  /** Larger messages close the socket (1009) before anything reads them. */
  maxMessageBytes: number;
  /** Upstream work per operation: each operation runs with a budget of its own (operation-budget.ts). */
  operationBudget: OperationLimits;
  /** Once per connection, from the connection_init payload. */
  authenticate(credential: PresentedCredential): Promise<Authentication>;
  /** Calls onEnd when an accepted credential stops being valid (revoked, rights changed, expired); returns "stop watching". */
  watchCredential?(authentication: Extract<Authentication, { outcome: 'authenticated' }>, onEnd: (end: CredentialEnd) => void): () => void;
  /** The per-operation context, given the connection's request id, a logger that stamps it, and its caller. */
  createContext(requestId: string, logger: Logger, principal: Principal | null): GatewayContext;
}

export interface GraphQLWebSocket {
  /** Ends every active subscription; each client receives `complete` for it. */
  completeSubscriptions(): Promise<void>;
  /**
   * Shutdown: closes every socket with 1012 Service Restart, which graphql-ws clients (and browsers' retry logic)
   * treat as retryable, instead of completing its subscriptions (`complete` would tell a client the stream is over).
   * Resolves once every socket has closed, so each subscription's server side has ended (its LISTEN subscriber is
   * gone) before the LISTEN connection closes.
   */
  closeForRestart(): Promise<void>;
  /** Closes the sockets (1001 Going away) and the WebSocket server. */
  dispose(): Promise<void>;
}

type SocketContext = Context<ConnectionInitMessage['payload'], Extra>;

/** RFC 6455 "Service Restart": the server is restarting, the client may reconnect. */
export const SERVICE_RESTART = 1012;

interface Connection {
  requestId: string;
  logger: Logger;
  /** Null until connection_init brought a valid credential (or when it brought none). */
  principal: Principal | null;
  /** Stops watching the connection's credential (see closeOnCredentialEnd). */
  unwatch?: () => void;
}

/**
 * The socket's credential was revoked, its rights changed, or it expired: close the socket, which ends its
 * subscriptions (graphql-ws returns their iterators), with a code and reason that say why. 4401 for an expired
 * token (get a new one), 4403 otherwise; graphql-ws clients do not retry either on their own.
 */
function closeOnCredentialEnd(ctx: SocketContext, connection: Connection, end: CredentialEnd): void {
  connection.logger.info({ problem: end.problem }, 'WebSocket connection closed: its credential is no longer valid');
  const code = end.problem === 'expired' ? 4401 : 4403;
  ctx.extra.socket.close(code, `${code === 4401 ? 'Unauthorized' : 'Forbidden'}: ${end.message}`);
}

export function attachGraphQLWebSocket(opts: GraphQLWebSocketOptions): GraphQLWebSocket {
  const wsServer = new WebSocketServer({ server: opts.httpServer, path: opts.path, maxPayload: opts.maxMessageBytes });
  const connections = new Map<SocketContext, Connection>();
  // Outside the HTTP middleware there is no request context, so WebSocket log lines carry the id as a binding.
  const connectionOf = (ctx: SocketContext): Connection => {
    let connection = connections.get(ctx);
    if (!connection) {
      const requestId = resolveRequestId(ctx.extra.request.headers[REQUEST_ID_HEADER]);
      connection = { requestId, logger: opts.logger.child({ requestId, transport: 'ws' }), principal: null };
      connections.set(ctx, connection);
    }
    return connection;
  };

  // execute/subscribe see only the operation's context: the caller's trace context is found through it.
  const traceCarriers = new WeakMap<object, Record<string, unknown>>();
  const carrierOf = (args: { contextValue?: unknown }): Record<string, unknown> => (args.contextValue ? traceCarriers.get(args.contextValue as object) : undefined) ?? {};

  const formatForClient = opts.limits.discoverable ? formatGatewayError : (error: Parameters<typeof formatGatewayError>[0]) => withoutSuggestions(formatGatewayError(error));
  /** graphql-ws lists a socket's running operations in ctx.subscriptions, the one being started included. */
  const runningCounts = (ctx: SocketContext) => {
    const principal = connectionOf(ctx).principal;
    const caller = principal && callerKey(principal);
    let ofCaller = 0;
    for (const [other, connection] of connections) {
      if (connection.principal && callerKey(connection.principal) === caller) ofCaller += Object.keys(other.subscriptions).length;
    }
    return { onSocket: Object.keys(ctx.subscriptions).length, ofCaller };
  };

  const cleanup = useServer(
    {
      schema: opts.schema,
      // Never put internal error messages into close reasons, whatever NODE_ENV says.
      isProd: true,
      // A bad credential refuses the connection (graphql-ws closes it with 4403 Forbidden), and so does a
      // missing one (4401 Unauthorized): nothing an anonymous socket could send is worth reading, and every
      // field needs a caller anyway.
      onConnect: async (ctx) => {
        const connection = connectionOf(ctx);
        const authentication = await opts.authenticate(credentialFromConnectionParams(ctx.connectionParams));
        if (authentication.outcome === 'rejected') {
          connection.logger.info('WebSocket connection refused: invalid credential');
          return false;
        }
        if (authentication.outcome !== 'authenticated') {
          connection.logger.info('WebSocket connection refused: no credential');
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
          return false;
        }
        connection.principal = authentication.principal;
        connection.unwatch = opts.watchCredential?.(authentication, (end) => closeOnCredentialEnd(ctx, connection, end));
        return true;
      },
      // Before execution, so an over-limit operation starts nothing (ws-operation.ts).
      onSubscribe: (ctx, _id, payload) => prepareOperation(opts.schema, payload, runningCounts(ctx), opts.limits),
      // A subscription's budget covers its start (subscribe); its events come from the event log, not Graph.
      // Each operation in a span (under the caller's traceparent) and counted (observability.ts).
      execute: (args) => runWithOperationBudget(new OperationBudget(opts.operationBudget), () => observeWsOperation(args, carrierOf(args), () => execute(args))),
      subscribe: (args) => runWithOperationBudget(new OperationBudget(opts.operationBudget), () => observeWsOperation(args, carrierOf(args), () => subscribe(args))),
      onClose: (ctx) => {
        connections.get(ctx)?.unwatch?.();
        connections.delete(ctx);
      },
      context: (ctx) => {
        const { requestId, logger, principal } = connectionOf(ctx);
        const context = opts.createContext(requestId, logger, principal);
        traceCarriers.set(context, wsTraceCarrier(ctx.connectionParams, ctx.extra.request.headers));
        return context;
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(formatForClient),
      onNext: (ctx, _id, _payload, _args, result) => {
        if (!result.errors) return;
        logUnexpectedErrors(result.errors, connectionOf(ctx).logger);
        return { ...result, errors: result.errors.map(formatForClient) };
      },
    },
    wsServer,
  );

  return {
    async completeSubscriptions() {
      const endings = [...connections.keys()].flatMap((ctx) =>
        Object.values(ctx.subscriptions).map((subscription) =>
          subscription && 'return' in subscription ? subscription.return(undefined) : undefined,
        ),
      );
      await Promise.all(endings);
      // graphql-ws sends each `complete` a few microtasks after its iterator returns; a macrotask later they
      // are all queued on their sockets, ahead of the close frames dispose() sends.
      await new Promise((resolve) => setImmediate(resolve));
    },
    async closeForRestart() {
      const open = [...wsServer.clients].filter((socket) => socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING);
      await Promise.all(
        open.map(
          (socket) =>
            new Promise<void>((resolve) => {
              socket.once('close', () => resolve());
              socket.close(SERVICE_RESTART, 'Service restart: reconnect and resubscribe');
              // A peer that never answers the close handshake must not hold the shutdown.
              setTimeout(() => {
                socket.terminate();
                resolve();
              }, 2_000).unref();
            }),
        ),
      );
      // graphql-ws ends a closed socket's subscriptions (returns their iterators) in its close handler.
      await new Promise((resolve) => setImmediate(resolve));
    },
    dispose: async () => {
      await cleanup.dispose();
    },
  };
}
