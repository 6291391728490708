/** How the auth tests talk to a gateway: graphql-request over HTTP, graphql-ws over WebSocket. */
import type { GraphQLFormattedError } from 'graphql';
import { ClientError, GraphQLClient } from 'graphql-request';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface Outcome {
  data?: unknown;
  errors?: readonly GraphQLFormattedError[];
  /** Set when the server closed the WebSocket instead of answering. */
  closeCode?: number;
}

export interface Operation {
  query: string;
  variables?: Record<string, unknown>;
}

/** One request over HTTP; GraphQL errors are returned, not thrown. */
export async function overHttp(url: string, op: Operation, headers: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { data, errors } = await new GraphQLClient(url, { headers }).rawRequest(op.query, op.variables);
    return { data, errors };
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    return { data: error.response.data, errors: error.response.errors as GraphQLFormattedError[] | undefined };
  }
}

export function wsClient(httpUrl: string, connectionParams?: Record<string, unknown>): Client {
  return createClient({ url: httpUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams });
}

/** The first result of an operation over the socket (the operation is then ended), or how the socket closed. */
export function overWebSocket(client: Client, op: Operation): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const unsubscribe = client.subscribe<unknown>(
      { query: op.query, variables: op.variables },
      {
        next: (result) => {
          settled = true;
          resolve({ data: result.data, errors: result.errors });
          unsubscribe();
        },
        error: (error) => {
          settled = true;
          const code = (error as { code?: unknown }).code;
          // graphql-ws hands the errors of an `error` message over as they came: the operation was refused.
          if (Array.isArray(error)) resolve({ errors: error as GraphQLFormattedError[] });
          else if (typeof code === 'number') resolve({ closeCode: code });
          else reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => {
          if (!settled) reject(new Error(`${op.query}: completed without a result`));
        },
      },
    );
  });
}

/** The codes of the errors at `field`'s path. */
export function codesAt(outcome: Outcome, field: string): unknown[] {
  return (outcome.errors ?? []).filter((error) => error.path?.[0] === field).map((error) => error.extensions?.code);
}
