import { GraphQLClient, gql } from 'graphql-request';
import type { FormattedExecutionResult } from 'graphql';
import { createClient } from 'graphql-ws';
import { Query, Resolver } from 'type-graphql';
import WebSocket from 'ws';
import { Access, ANY_CALLER } from '../../src/core/auth/access';
import { buildGatewaySchema } from '../../src/server/schema';
import { bearer, startTestGateway, TestGateway } from '../support/gateway';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A query that waits until the test lets it finish, so a request is provably in flight during stop(). */
const slowEntered = deferred();
const slowRelease = deferred();

@Resolver()
class SlowResolver {
  @Access(ANY_CALLER)
  @Query(() => String)
  async slow(): Promise<string> {
    slowEntered.resolve();
    await slowRelease.promise;
    return 'finished';
  }
}

describe('graceful stop', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ schema: await buildGatewaySchema({ extraResolvers: [SlowResolver] }) });
  });

  afterAll(async () => {
    await gw.stop();
  });

  it('finishes the in-flight request, tells subscribers to reconnect (1012), refuses new connections, then closes the database', async () => {
    const key = await gw.mintKey();
    const inFlight = new GraphQLClient(gw.graphqlUrl, { headers: bearer(key) }).request<{ slow: string }>(gql`query { slow }`);
    await slowEntered.promise;

    // One retry allowed: graphql-ws's own rules decide whether the close is worth a reconnect.
    const ws = createClient({
      url: gw.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 1,
      retryWait: async () => undefined,
      connectionParams: bearer(key),
    });
    const closes: number[] = [];
    const reconnecting = deferred();
    let connecting = 0;
    ws.on('closed', (event) => closes.push((event as { code: number }).code));
    ws.on('connecting', () => (++connecting === 2 ? reconnecting.resolve() : undefined));
    const firstTick = deferred<FormattedExecutionResult>();
    const ended = deferred<string>();
    ws.subscribe(
      // One tick at once, the next a minute later: only stop() can end this subscription within the test.
      { query: 'subscription { heartbeat(intervalMs: 60000, count: 10) { sequence } }' },
      { next: firstTick.resolve, error: () => ended.resolve('error'), complete: () => ended.resolve('complete') },
    );
    expect(await firstTick.promise).toEqual({ data: { heartbeat: { sequence: 1 } } });

    const stopped = gw.gateway.stop();
    // Not `complete` (the stream is over) but a Service Restart close, which the client retries by itself.
    await reconnecting.promise;
    expect(closes[0]).toBe(1012);
    expect(await ended.promise).toBe('error'); // its one retry found no server
    await expect(fetch(`${gw.url}/healthz`)).rejects.toThrow();

    slowRelease.resolve();
    expect(await inFlight).toEqual({ slow: 'finished' });
    await stopped;
    expect(gw.database.dataSource.isInitialized).toBe(false);
    await ws.dispose();

    // The slow request finished while the gateway was stopping, not after.
    const messages = gw.logs.entries().map((entry) => entry.msg);
    expect(messages.slice(messages.indexOf('gateway stopping'), messages.indexOf('gateway stopped'))).toContain('request completed');
  });

  it('is idempotent', async () => {
    await expect(Promise.all([gw.gateway.stop(), gw.gateway.stop()])).resolves.toEqual([undefined, undefined]);
  });
});

describe('npm start, stopped by a signal', () => {
  it('stops subscriptions, gateway, simulator, connections and the database in order, with no warning or stack', async () => {
    const { npmStart } = await import('../e2e/npm-start');
    const start = await npmStart();
    try {
      const { code, stdout, stderr } = await start.stop('SIGTERM');
      expect(code).toBe(0);
      const after = stdout.slice(stdout.indexOf('"shutting down"'));
      const lines = after.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { level: string; msg: string; component?: string });
      expect(lines.filter((line) => line.level !== 'info')).toEqual([]);
      expect(after).not.toContain('stack');
      expect(stderr).toBe('');
      const stopped = lines.filter((line) => line.msg === 'stopped').map((line) => line.component);
      expect(stopped).toEqual(['graph notifications', 'sync scheduler', 'gateway', 'token provider', 'Entra simulator', 'database connections', 'database']);
      expect(lines.map((line) => line.msg)).toContain('gateway stopped');
    } finally {
      await start.cleanup();
    }
  }, 120_000);
});
