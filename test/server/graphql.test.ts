import { ClientError, GraphQLClient, gql } from 'graphql-request';
import { Field, ObjectType, Query, Resolver } from 'type-graphql';
import packageJson from '../../package.json';
import { Access, ANY_CALLER } from '../../src/core/auth/access';
import { ErrorCode, GatewayError } from '../../src/core/errors';
import { buildGatewaySchema } from '../../src/server/schema';
import { bearer, startTestGateway, TestGateway } from '../support/gateway';

const LEAKY_MESSAGE = 'connect ECONNREFUSED 10.0.0.7:5432 password=hunter2';

@ObjectType()
class Probe {
  @Field()
  ok!: boolean;
}

/** Fields that exist only in this test's schema, to provoke the error paths. */
@Resolver()
class ProbeResolver {
  @Access(ANY_CALLER)
  @Query(() => Probe)
  unexpectedFailure(): Probe {
    throw new Error(LEAKY_MESSAGE);
  }

  @Access(ANY_CALLER)
  @Query(() => Probe)
  notFound(): Probe {
    throw new GatewayError(ErrorCode.NOT_FOUND, 'tenant 42: expected an existing tenant, found none');
  }
}

describe('GraphQL over HTTP', () => {
  let gw: TestGateway;
  let client: GraphQLClient;
  let key: string;

  beforeAll(async () => {
    gw = await startTestGateway({ schema: await buildGatewaySchema({ extraResolvers: [ProbeResolver] }) });
    key = await gw.mintKey();
    client = new GraphQLClient(gw.graphqlUrl, { headers: bearer(key) });
  });

  afterAll(async () => {
    await gw.stop();
  });

  it('answers Query.gateway', async () => {
    const data = await client.request<{ gateway: { version: string; time: string; simulator: boolean } }>(gql`
      query { gateway { version time simulator } }
    `);
    expect(data.gateway).toEqual({ version: packageJson.version, time: expect.any(String), simulator: false });
    expect(Number.isNaN(Date.parse(data.gateway.time))).toBe(false);
  });

  it('echoes a safe x-request-id and stamps it on every log line of that request', async () => {
    const { headers } = await client.rawRequest(gql`query { unexpectedFailure { ok } }`, {}, { 'x-request-id': 'trace-abc.123' }).catch(
      (error: ClientError) => error.response,
    );
    expect(headers.get('x-request-id')).toBe('trace-abc.123');
    const lines = gw.logs.entries().filter((entry) => entry.requestId === 'trace-abc.123');
    expect(lines.map((entry) => entry.msg)).toEqual(['unexpected error while resolving', 'request completed']);
    expect(lines[1]).toMatchObject({ method: 'POST', path: '/graphql', status: 200 });
    // Nothing else was logged for that request without the id.
    expect(gw.logs.entries().filter((entry) => entry.msg === 'unexpected error while resolving' && !entry.requestId)).toEqual([]);
  });

  it('replaces an unsafe x-request-id with a generated one', async () => {
    const response = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': '<script>alert(1)</script>', ...bearer(key) },
      body: JSON.stringify({ query: '{ gateway { version } }' }),
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('hides an unexpected error behind INTERNAL_SERVER_ERROR, without stack or message, and logs it', async () => {
    const error = await client.request(gql`query { unexpectedFailure { ok } }`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    const { errors, headers } = (error as ClientError).response;
    expect(errors).toEqual([
      { message: 'Internal server error', locations: [{ line: 1, column: 9 }], path: ['unexpectedFailure'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
    expect(JSON.stringify((error as ClientError).response)).not.toMatch(/hunter2|ECONNREFUSED|stack/);
    const requestId = headers.get('x-request-id');
    const logged = gw.logs.entries().find((entry) => entry.requestId === requestId && entry.level === 'error');
    expect(logged).toMatchObject({ path: 'unexpectedFailure', err: { message: LEAKY_MESSAGE, stack: expect.any(String) } });
  });

  it('passes an expected error through with its code and message', async () => {
    const error = (await client.request(gql`query { notFound { ok } }`).catch((e: unknown) => e)) as ClientError;
    expect(error.response.errors).toEqual([
      expect.objectContaining({ message: 'tenant 42: expected an existing tenant, found none', extensions: { code: 'NOT_FOUND' } }),
    ]);
  });

  it('reports an invalid query as BAD_USER_INPUT', async () => {
    const error = (await client.request(gql`query { noSuchField }`).catch((e: unknown) => e)) as ClientError;
    expect(error.response.errors).toEqual([
      expect.objectContaining({ message: 'Cannot query field "noSuchField" on type "Query".', extensions: { code: 'BAD_USER_INPUT' } }),
    ]);
  });

  it('keeps CSRF prevention on: a text/plain POST is refused', async () => {
    const response = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...bearer(key) },
      body: JSON.stringify({ query: '{ gateway { version } }' }),
    });
    expect(response.status).toBe(400);
  });
});
