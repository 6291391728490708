/**
 * THE WALK: every root field of the schema, read from the schema itself, proves its access rule over HTTP and
 * over WebSocket. A field added later is walked too, and fails here until it declares `@Access`.
 */
import { graphql, type GraphQLField, type GraphQLSchema } from 'graphql';
import { Query, Resolver } from 'type-graphql';
import type { Client } from 'graphql-ws';
import { accessRuleOf, rootFields, scopesOf, type RootOperation } from '../../src/core/auth/access';
import { ALL_SCOPES, CLI_OPERATOR, type ApiScope } from '../../src/core/auth/principal';
import type { GatewayContext } from '../../src/core/context';
import { buildGatewaySchema } from '../../src/server/schema';
import { Tenant } from '../../src/tenants/tenant.entity';
import { bearer, startTestGateway, TestGateway } from '../support/gateway';
import { codesAt, Outcome, overHttp, overWebSocket, wsClient } from './support/clients';
import { operationFor, tenantPaths, WalkOperation } from './support/operations';
import { ALL_PORTAL_STEPS, csrfTokenFor } from '../../src/portal/portal-decisions';

interface Walked {
  name: string;
  operation: RootOperation;
  field: GraphQLField<unknown, GatewayContext>;
  /** Null: any authenticated caller. */
  scopes: readonly ApiScope[] | null;
  takesTenant: boolean;
  /** Needs a caller allowed on every tenant (the action, as refusals name it). */
  productWide: string | undefined;
  /** The operation aimed at tenant B. */
  op: WalkOperation;
  /** The same operation aimed at tenant A. */
  opOnA: WalkOperation;
  /** The portal steps whose sessions may use the field (AccessRule.portal); empty: no portal session may. */
  portalSteps: readonly string[];
}

/** Runs `check` for every walked field and lists the fields where it did not hold. */
async function failuresOf(fields: Walked[], check: (field: Walked) => Promise<string | null>): Promise<string[]> {
  const failures: string[] = [];
  for (const field of fields) {
    const failure = await check(field);
    if (failure) failures.push(`${field.name}: ${failure}`);
  }
  return failures;
}

function expectCode(outcome: Outcome, walked: Walked, code: string): string | null {
  const codes = codesAt(outcome, walked.field.name);
  return codes.length === 1 && codes[0] === code ? null : `expected ${code}, received ${JSON.stringify(outcome)}`;
}

/**
 * Mutations that name no tenant and are still open to a caller limited to some tenants, with the reason. Any
 * other such mutation must be declared productWide.
 */
const NOT_PRODUCT_WIDE: Record<string, string> = {
  revokeApiKey: "a limited caller may revoke only keys within its own rights (rightsExceeding in the key service)",
  rotateWebhookSecret: 'a limited caller manages only endpoints whose tenants it may all touch (mayManage in src/webhooks)',
  enableWebhookEndpoint: 'a limited caller manages only endpoints whose tenants it may all touch (mayManage in src/webhooks)',
  deleteWebhookEndpoint: 'a limited caller manages only endpoints whose tenants it may all touch (mayManage in src/webhooks)',
};

describe('every root field checks its caller', () => {
  let schema: GraphQLSchema;
  let gw: TestGateway;
  let fields: Walked[];
  let tenantA: string;
  let tenantB: string;
  /** Every scope, tenant A only. */
  let keyForA: string;
  /** Headers of a portal session on tenant A, every step. */
  let portalSession: Record<string, string>;
  /** Keys holding every scope but those of a field, for every tenant; by field name. */
  const lackingKeys = new Map<string, string>();
  const sockets: Client[] = [];

  const socket = (connectionParams?: Record<string, unknown>) => {
    const client = wsClient(gw.graphqlUrl, connectionParams);
    sockets.push(client);
    return client;
  };

  beforeAll(async () => {
    schema = await buildGatewaySchema();
    gw = await startTestGateway();
    const tenants = gw.database.dataSource.getRepository(Tenant);
    const tenant = (displayName: string) =>
      tenants.save(
        tenants.create({ displayName, entraTenantId: null, cloud: 'global', authMode: 'APPLICATION', status: 'ACTIVE', grantedScopes: [], features: [], syncIntervalSeconds: 900 }),
      );
    [tenantA, tenantB] = (await Promise.all([tenant('Tenant A'), tenant('Tenant B')])).map((t) => t.id);
    keyForA = await gw.mintKey({ tenantIds: [tenantA] });
    // A hosted-portal session on tenant A with every step, as a browser holds it: the cookie and the page's CSRF token.
    const link = await gw.services.portal.createLink(tenantA, { steps: ALL_PORTAL_STEPS, returnUrl: `${gw.services.config.server.allowedReturnOrigins[0]}/`, createdBy: 'test' });
    const opened = await gw.services.portal.open(tenantA, new URL(link.url).searchParams.get('token')!, null);
    if (!opened.ok) throw new Error(`expected the portal link to open, got ${JSON.stringify(opened.refusal)}`);
    portalSession = { cookie: `portal_session=${opened.secret}`, 'x-portal-csrf': csrfTokenFor(opened.secret) };

    fields = [];
    for (const { operation, field } of rootFields(schema)) {
      const rule = accessRuleOf(field);
      const scopes = rule ? scopesOf(rule) : null;
      fields.push({
        name: `${operation}.${field.name}`,
        operation,
        field,
        scopes,
        takesTenant: !!rule?.tenantArg,
        productWide: rule?.productWide,
        op: operationFor(operation, field, tenantB),
        opOnA: operationFor(operation, field, tenantA),
        portalSteps: rule?.portal ?? [],
      });
      const lacking = scopes && ALL_SCOPES.filter((scope) => !scopes.includes(scope));
      if (lacking?.length) lackingKeys.set(field.name, await gw.mintKey({ scopes: lacking }));
    }
  });

  afterAll(async () => {
    await Promise.all(sockets.map((client) => client.dispose()));
    await gw?.stop();
  });

  it('walks Query, Mutation and Subscription, the API key fields among them', () => {
    expect(fields.map((f) => f.operation)).toEqual(expect.arrayContaining(['query', 'mutation', 'subscription']));
    expect(fields.map((f) => f.name)).toEqual(expect.arrayContaining(['query.gateway', 'query.apiKeys', 'mutation.createApiKey', 'subscription.heartbeat']));
  });

  it('finds an @Access declaration on every root field', () => {
    expect(fields.filter((f) => !accessRuleOf(f.field)).map((f) => `${f.name} declares no @Access(scope) rule`)).toEqual([]);
  });

  it('finds every argument that names a tenant declared as the tenantArg, and nothing else', () => {
    const mismatches = fields.flatMap((f) => {
      const declared = accessRuleOf(f.field)?.tenantArg;
      const named = tenantPaths(f.field);
      return JSON.stringify(named) === JSON.stringify(declared ? [declared] : []) ? [] : [`${f.name}: arguments naming a tenant ${JSON.stringify(named)}, tenantArg ${JSON.stringify(declared ?? null)}`];
    });
    expect(mismatches).toEqual([]);
  });

  it('finds every mutation that names no tenant product-wide, unless it says why not', () => {
    const undeclared = fields.filter((f) => f.operation === 'mutation' && !f.takesTenant && !f.productWide && !NOT_PRODUCT_WIDE[f.field.name]);
    expect(undeclared.map((f) => `${f.name} names no tenant: declare it productWide, or add it to NOT_PRODUCT_WIDE with the reason`)).toEqual([]);
    expect(fields.filter((f) => f.productWide).map((f) => f.name)).toEqual(
      expect.arrayContaining(['mutation.defineAccessTier', 'mutation.updateAccessTier', 'mutation.deleteAccessTier', 'mutation.connectTenant']),
    );
  });

  it('walks at least one field that takes a tenant and one that needs a scope', () => {
    expect(fields.some((f) => f.takesTenant)).toBe(true);
    expect(fields.some((f) => lackingKeys.has(f.field.name))).toBe(true);
  });

  describe('over HTTP', () => {
    it('answers UNAUTHENTICATED without a key', async () => {
      expect(await failuresOf(fields, async (f) => expectCode(await overHttp(gw.graphqlUrl, f.op), f, 'UNAUTHENTICATED'))).toEqual([]);
    });

    it('answers UNAUTHENTICATED for a bad key', async () => {
      const bad = bearer(`egk_${'a'.repeat(12)}_${'b'.repeat(43)}`);
      expect(await failuresOf(fields, async (f) => expectCode(await overHttp(gw.graphqlUrl, f.op, bad), f, 'UNAUTHENTICATED'))).toEqual([]);
    });

    it("answers FORBIDDEN to a key without the field's scope", async () => {
      const scoped = fields.filter((f) => lackingKeys.has(f.field.name));
      expect(
        await failuresOf(scoped, async (f) => expectCode(await overHttp(gw.graphqlUrl, f.op, bearer(lackingKeys.get(f.field.name)!)), f, 'FORBIDDEN')),
      ).toEqual([]);
    });

    it("answers FORBIDDEN to tenant A's key on tenant B", async () => {
      const tenantFields = fields.filter((f) => f.takesTenant);
      expect(await failuresOf(tenantFields, async (f) => expectCode(await overHttp(gw.graphqlUrl, f.op, bearer(keyForA)), f, 'FORBIDDEN'))).toEqual([]);
    });

    it("answers FORBIDDEN to tenant A's key (every scope) on every product-wide field, naming the action", async () => {
      const productWide = fields.filter((f) => f.productWide);
      expect(productWide.length).toBeGreaterThanOrEqual(4);
      expect(
        await failuresOf(productWide, async (f) => {
          const outcome = await overHttp(gw.graphqlUrl, f.op, bearer(keyForA));
          const error = outcome.errors?.find((e) => e.path?.[0] === f.field.name);
          return error?.extensions?.code === 'FORBIDDEN' && error.message === `${f.productWide} needs a caller allowed on every tenant`
            ? null
            : `expected FORBIDDEN naming "${f.productWide}", received ${JSON.stringify(outcome)}`;
        }),
      ).toEqual([]);
    });
  });

  describe('a hosted-portal session (tenant A, every step) over HTTP', () => {
    it('is FORBIDDEN on every field that lists no portal step, even on its own tenant', async () => {
      const closed = fields.filter((f) => f.portalSteps.length === 0);
      expect(closed.length).toBeGreaterThan(20);
      expect(await failuresOf(closed, async (f) => expectCode(await overHttp(gw.graphqlUrl, f.opOnA, portalSession), f, 'FORBIDDEN'))).toEqual([]);
    });

    it('is FORBIDDEN on tenant B on every field it may use on tenant A', async () => {
      const open = fields.filter((f) => f.portalSteps.length > 0 && f.takesTenant);
      expect(open.map((f) => f.name)).toEqual(expect.arrayContaining(['query.tenant', 'query.previewTierMapping', 'mutation.setTierMapping', 'mutation.startPortalConsent']));
      expect(await failuresOf(open, async (f) => expectCode(await overHttp(gw.graphqlUrl, f.op, portalSession), f, 'FORBIDDEN'))).toEqual([]);
    });

    it('passes the access check on its own tenant on the fields its steps list', async () => {
      const open = fields.filter((f) => f.portalSteps.length > 0);
      expect(
        await failuresOf(open, async (f) => {
          const outcome = await overHttp(gw.graphqlUrl, f.opOnA, portalSession);
          const codes = codesAt(outcome, f.field.name);
          return codes.some((code) => code === 'FORBIDDEN' || code === 'UNAUTHENTICATED') ? `expected no access refusal, received ${JSON.stringify(outcome)}` : null;
        }),
      ).toEqual([]);
    });

    it('is UNAUTHENTICATED everywhere without the CSRF header', async () => {
      const cookieOnly = { cookie: portalSession.cookie };
      expect(await failuresOf(fields, async (f) => expectCode(await overHttp(gw.graphqlUrl, f.opOnA, cookieOnly), f, 'UNAUTHENTICATED'))).toEqual([]);
    });
  });

  describe('over WebSocket (connection_init)', () => {
    it('refuses the connection without a key (4401 Unauthorized), whatever the field', async () => {
      const anonymous = socket();
      expect(
        await failuresOf(fields, async (f) => {
          const outcome = await overWebSocket(anonymous, f.op);
          return outcome.closeCode === 4401 ? null : `expected close code 4401, received ${JSON.stringify(outcome)}`;
        }),
      ).toEqual([]);
    });

    it('refuses the connection for a bad key (4403 Forbidden)', async () => {
      const bad = socket(bearer('egk_not-a-key'));
      expect(
        await failuresOf(fields, async (f) => {
          const outcome = await overWebSocket(bad, f.op);
          return outcome.closeCode === 4403 ? null : `expected close code 4403, received ${JSON.stringify(outcome)}`;
        }),
      ).toEqual([]);
    });

    it("answers FORBIDDEN to a key without the field's scope", async () => {
      const scoped = fields.filter((f) => lackingKeys.has(f.field.name));
      expect(
        await failuresOf(scoped, async (f) => expectCode(await overWebSocket(socket(bearer(lackingKeys.get(f.field.name)!)), f.op), f, 'FORBIDDEN')),
      ).toEqual([]);
    });

    it("answers FORBIDDEN to tenant A's key on tenant B", async () => {
      const forA = socket({ apiKey: keyForA });
      const tenantFields = fields.filter((f) => f.takesTenant);
      expect(await failuresOf(tenantFields, async (f) => expectCode(await overWebSocket(forA, f.op), f, 'FORBIDDEN'))).toEqual([]);
    });

    it("answers FORBIDDEN to tenant A's key on every product-wide field", async () => {
      const forA = socket({ apiKey: keyForA });
      const productWide = fields.filter((f) => f.productWide);
      expect(await failuresOf(productWide, async (f) => expectCode(await overWebSocket(forA, f.op), f, 'FORBIDDEN'))).toEqual([]);
    });
  });
});

/** A field someone forgot to declare. */
@Resolver()
class ForgottenResolver {
  @Query(() => String, { description: 'Declares no access rule.' })
  forgotten(): string {
    return 'open';
  }
}

describe('a root field without @Access', () => {
  it('is what the walk reports, and is closed to every caller meanwhile', async () => {
    const schema = await buildGatewaySchema({ extraResolvers: [ForgottenResolver] });
    const forgotten = rootFields(schema).find(({ field }) => field.name === 'forgotten')!;
    expect(accessRuleOf(forgotten.field)).toBeUndefined();
    const result = await graphql({ schema, source: '{ forgotten }', contextValue: { principal: CLI_OPERATOR } });
    expect(result.errors?.map((e) => [e.extensions.code, e.message])).toEqual([
      ['FORBIDDEN', 'query field forgotten declares no @Access rule, so no caller may use it'],
    ]);
  });
});
