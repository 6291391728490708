/**
 * GraphQL over WebSocket (graphql-ws protocol) on the HTTP server's /graphql path. On shutdown every active
 * subscription is completed first, so clients see a clean `complete` rather than a dropped socket.
 */
import type { Server } from 'node:http';
import { GraphQLError, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { ConnectionInitMessage, Context } from 'graphql-ws';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logging';
import type { Authentication } from '../callers/authenticator';
import { credentialFromConnectionParams, type PresentedCredential } from '../callers/credentials';
import type { Principal } from '../core/auth/principal';
import type { GatewayContext } from '../core/context';
import { ErrorCode, formatGatewayError, GatewayError, logUnexpectedErrors } from '../core/errors';
import { limitViolation, type QueryLimits } from './query-limits';
import { REQUEST_ID_HEADER, resolveRequestId } from './request-id';

export interface GraphQLWebSocketOptions {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  logger: Logger;
  /** The same depth and cost limits as HTTP operations (Apollo's plugin does not see WebSocket operations). */
  queryLimits: QueryLimits;
  /** Once per connection, from the connection_init payload. */
  authenticate(credential: PresentedCredential): Promise<Authentication>;
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
}

export function attachGraphQLWebSocket(opts: GraphQLWebSocketOptions): GraphQLWebSocket {
  const wsServer = new WebSocketServer({ server: opts.httpServer, path: opts.path });
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

  const cleanup = useServer(
    {
      schema: opts.schema,
      // Never put internal error messages into close reasons, whatever NODE_ENV says.
      isProd: true,
      // A bad credential refuses the connection (graphql-ws closes it with 4403 Forbidden); a missing one
      // connects anonymously, and each operation then answers UNAUTHENTICATED.
      onConnect: async (ctx) => {
        const connection = connectionOf(ctx);
        const authentication = await opts.authenticate(credentialFromConnectionParams(ctx.connectionParams));
        if (authentication.outcome === 'rejected') {
          connection.logger.info('WebSocket connection refused: invalid credential');
          return false;
        }
        if (authentication.outcome === 'authenticated') connection.principal = authentication.principal;
        return true;
      },
      // Before execution, so an over-limit operation starts nothing. A document that does not parse is left
      // to graphql-ws, which reports the syntax error itself.
      onSubscribe: (_ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch {
          return undefined;
        }
        try {
          const violation = limitViolation(opts.queryLimits, document, payload.operationName, payload.variables, opts.schema);
          return violation ? [new GatewayError(ErrorCode.BAD_USER_INPUT, violation)] : undefined;
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GatewayError(ErrorCode.BAD_USER_INPUT, String(err))];
        }
      },
      onClose: (ctx) => {
        connections.delete(ctx);
      },
      context: (ctx) => {
        const { requestId, logger, principal } = connectionOf(ctx);
        return opts.createContext(requestId, logger, principal);
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(formatGatewayError),
      onNext: (ctx, _id, _payload, _args, result) => {
        if (!result.errors) return;
        logUnexpectedErrors(result.errors, connectionOf(ctx).logger);
        return { ...result, errors: result.errors.map(formatGatewayError) };
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
