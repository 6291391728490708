import type { FormattedExecutionResult } from 'graphql';
import { createClient, Client } from 'graphql-ws';
import WebSocket from 'ws';
import { bearer, startTestGateway, TestGateway } from '../support/gateway';

type Result = FormattedExecutionResult<Record<string, unknown>, unknown>;

/** Runs one subscription to its end and returns every result the server sent. */
function collect(client: Client, query: string): Promise<Result[]> {
  const results: Result[] = [];
  return new Promise((resolve, reject) => {
    client.subscribe({ query }, { next: (result) => results.push(result), error: reject, complete: () => resolve(results) });
  });
}

describe('GraphQL over WebSocket (graphql-ws)', () => {
  let gw: TestGateway;
  let client: Client;

  beforeAll(async () => {
    // Ticks 10 ms apart keep the test short; the default floor is 1 s.
    gw = await startTestGateway({ env: { HEARTBEAT_MIN_INTERVAL_MS: '10' } });
    const connectionParams = bearer(await gw.mintKey());
    client = createClient({ url: gw.graphqlUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
  });

  afterAll(async () => {
    await client.dispose();
    await gw.stop();
  });

  it('streams the heartbeat ticks on the same path as HTTP, then completes', async () => {
    const results = await collect(client, 'subscription { heartbeat(intervalMs: 10, count: 3) { sequence at } }');
    expect(results.map((result) => (result.data as { heartbeat: { sequence: number } }).heartbeat.sequence)).toEqual([1, 2, 3]);
    expect(results.every((result) => result.errors === undefined)).toBe(true);
  });

  it('refuses an out-of-range interval with BAD_USER_INPUT and a message naming the limits', async () => {
    const results = await collect(client, 'subscription { heartbeat(intervalMs: 1) { sequence } }');
    expect(results).toEqual([
      {
        errors: [
          expect.objectContaining({
            message: 'intervalMs: expected an integer from 10 to 60000, received 1',
            path: ['heartbeat'],
            extensions: { code: 'BAD_USER_INPUT' },
          }),
        ],
      },
    ]);
  });

  it('answers queries over the socket too', async () => {
    const results = await collect(client, '{ gateway { simulator } }');
    expect(results).toEqual([{ data: { gateway: { simulator: false } } }]);
  });
});
