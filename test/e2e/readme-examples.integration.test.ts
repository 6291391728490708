/**
 * Every ```graphql example in README.md, as written, against a default `npm start` (simulator mode) with the key
 * its banner prints. Only the placeholders the README documents (its table under "The API by example") are
 * substituted; an example that answers with an error fails the test. Operations run in README order, so later
 * examples use what earlier ones created (the tiers, the mapping). Subscriptions are not sent over HTTP: the one in
 * the walk-through runs over graphql-ws in readme-scenario.integration.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, OperationDefinitionNode, parse } from 'graphql';
import { npmStart, NpmStart } from './npm-start';
import { graphqlBlocks } from './readme';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');


interface Answer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

describe('README.md GraphQL examples', () => {
  let start: NpmStart;
  const values: Record<string, string> = {};

  async function call(query: string, operationName: string | undefined, variables: Record<string, unknown> = {}): Promise<Answer> {
    const response = await fetch(start.banner.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${start.banner.apiKey}` },
      body: JSON.stringify({ query, operationName, variables }),
    });
    return (await response.json()) as Answer;
  }

  beforeAll(async () => {
    start = await npmStart();
    values.tenantId = start.banner.tenantId;
    values.productAppId = start.banner.productAppId;
    // The group and user ids the table tells readers to look up, looked up the same way.
    const lookup = await call(
      `query($t: ID!) { tenant(id: $t) {
         fin: groups(filter: { nameStartsWith: "Finance" }, first: 5) { edges { node { id displayName } } }
         eng: groups(filter: { nameStartsWith: "Engineering" }, first: 5) { edges { node { id displayName } } }
         user(userPrincipalName: "nora.finch@verafield.com") { id } } }`,
      undefined,
      { t: values.tenantId },
    );
    expect(lookup.errors).toBeUndefined();
    const tenant = lookup.data?.tenant as {
      fin: { edges: Array<{ node: { id: string; displayName: string } }> };
      eng: { edges: Array<{ node: { id: string; displayName: string } }> };
      user: { id: string };
    };
    values.fin = tenant.fin.edges.find((edge) => edge.node.displayName === 'Finance')!.node.id;
    values.eng = tenant.eng.edges.find((edge) => edge.node.displayName === 'Engineering')!.node.id;
    values.u = tenant.user.id;
  }, 120_000);

  afterAll(async () => {
    await start?.cleanup();
  });

  it("prints a link to Verafield's admin portal that opens once", async () => {
    expect(start.banner.portalUrl).toMatch(new RegExp(`^${start.publicUrl}/portal/open\\?tenant=${values.tenantId}&token=`));
    const first = await fetch(start.banner.portalUrl!, { redirect: 'manual' });
    expect([first.status, first.headers.get('location'), first.headers.get('set-cookie')?.split('=')[0]]).toEqual([303, '/portal/', 'portal_session']);
    expect((await fetch(start.banner.portalUrl!, { redirect: 'manual' })).status).toBe(410);
  });

  it('finds the examples (the README has a dozen or more operations)', () => {
    const operations = graphqlBlocks(README).flatMap((block) => parse(block).definitions);
    expect(operations.length).toBeGreaterThanOrEqual(12);
  });

  it('runs every example as written, with only the documented placeholders filled in', async () => {
    const variableValue = (name: string): string => {
      const known: Record<string, string | undefined> = {
        tenantId: values.tenantId,
        t: values.tenantId,
        productAppId: values.productAppId,
        fin: values.fin,
        g: values.fin,
        eng: values.eng,
        finTier: values.finTier,
        engTier: values.engTier,
        u: values.u,
      };
      const value = known[name];
      if (!value) throw new Error(`README example variable $${name}: expected one of the documented placeholders, got an undocumented one`);
      return value;
    };
    const failures: string[] = [];
    for (const written of graphqlBlocks(README)) {
      const text = written
        .replaceAll('"<tenant id>"', JSON.stringify(values.tenantId))
        .replaceAll('"<Finance group id>"', JSON.stringify(values.fin))
        .replaceAll('http://localhost:4000', start.publicUrl);
      const operations = parse(text).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      for (const operation of operations) {
        if (operation.operation === 'subscription') continue;
        const name = operation.name?.value;
        // Optional variables (a nullable type, such as a page cursor) are left out, as a first call would.
        const variables = Object.fromEntries(
          (operation.variableDefinitions ?? []).filter((v) => v.type.kind === Kind.NON_NULL_TYPE).map((v) => [v.variable.name.value, variableValue(v.variable.name.value)]),
        );
        const answer = await call(text, name, variables);
        if (answer.errors?.length) {
          failures.push(`${name ?? '(anonymous)'}: ${answer.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('; ')}`);
        }
        if (name === 'DefineFinance') values.finTier = (answer.data?.defineAccessTier as { id: string } | undefined)?.id ?? '';
        if (name === 'DefineEngineering') values.engTier = (answer.data?.defineAccessTier as { id: string } | undefined)?.id ?? '';
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
