import { ApolloServer } from '@apollo/server';
import { buildSchema, getIntrospectionQuery, GraphQLError, parse } from 'graphql';
import { ErrorCode } from '../../src/core/errors';
import { measuresReadVariables, operationCost, operationDepth, queryLimitsPlugin } from '../../src/server/query-limits';

const PAGE = 100;
const cost = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
  operationCost(parse(query), operationName, variables, { defaultPageSize: PAGE });
const depth = (query: string, variables: Record<string, unknown> = {}, operationName?: string) => operationDepth(parse(query), operationName, variables);

const schema = buildSchema(`
  type Query { tenant(id: ID!): Tenant, groups(first: Int, after: String): [Group!]! }
  type Tenant { id: ID!, groups(first: Int = 25, after: String): [Group!]!, users(first: Int): [User!]! }
  type Group { id: ID!, displayName: String, members(first: Int): [Member!]! }
  type User { id: ID!, displayName: String }
  union Member = User | Group
`);

describe('operationDepth', () => {
  it.each([
    ['a leaf', '{ groups { id } }', 2],
    ['nested', '{ tenant(id: "t") { groups { members { ... on User { id } } } } }', 4],
    ['the deepest branch counts', '{ tenant(id: "t") { id groups { members { ... on Group { members { ... on User { id } } } } } } }', 5],
    ['fragments add no level', 'query { tenant(id: "t") { ...T } } fragment T on Tenant { groups { ...G } } fragment G on Group { id }', 3],
    ['aliases are fields like any other', '{ a: groups { id } b: groups { members { ... on User { id } } } }', 3],
    ['introspection is not counted', '{ __schema { types { fields { type { ofType { ofType { name } } } } } } groups { __typename id } }', 2],
    ['skipped branches are not counted', '{ groups { id members @skip(if: true) { ... on User { id } } } }', 2],
  ])('%s', (_name, query, expected) => {
    expect(depth(query)).toBe(expected);
  });

  it('resolves @include from variables, with their defaults', () => {
    const query = 'query ($deep: Boolean = false) { groups { id members @include(if: $deep) { ... on User { id } } } }';
    expect(depth(query)).toBe(2);
    expect(depth(query, { deep: true })).toBe(3);
  });

  it('measures the named operation', () => {
    const document = 'query Shallow { groups { id } } query Deep { tenant(id: "t") { groups { members { __typename } } } }';
    expect(depth(document, {}, 'Shallow')).toBe(2);
    expect(depth(document, {}, 'Deep')).toBe(3);
  });
});

describe('operationCost', () => {
  it.each([
    ['one field', '{ tenant(id: "t") { id } }', 2],
    ['a page multiplies its selection', '{ groups(first: 50) { id displayName } }', 1 + 50 * 2],
    ['groups(first: 50) { members(first: 10) { id } }', '{ groups(first: 50) { members(first: 10) { ... on User { id } } } }', 1 + 50 * (1 + 10 * 1)],
    ['first: 0', '{ groups(first: 0) { id } }', 1],
    ['aliases count each', '{ a: groups(first: 10) { id } b: groups(first: 20) { id } }', 11 + 21],
    ['fragments are expanded where spread', '{ groups(first: 5) { ...G } tenant(id: "t") { groups(first: 2) { ...G } } } fragment G on Group { id displayName }', 11 + 1 + 5],
    ['inline fragments', '{ groups(first: 3) { members(first: 4) { ... on User { id displayName } ... on Group { id } } } }', 1 + 3 * (1 + 4 * 3)],
    ['introspection is free', '{ __typename groups(first: 2) { __typename id } }', 3],
  ])('%s', (_name, query, expected) => {
    expect(cost(query)).toBe(expected);
  });

  it('resolves page sizes from variables and their defaults', () => {
    const query = 'query ($groups: Int, $members: Int = 7) { groups(first: $groups) { members(first: $members) { ... on User { id } } } }';
    expect(cost(query, { groups: 50, members: 10 })).toBe(1 + 50 * (1 + 10));
    expect(cost(query, { groups: 50 })).toBe(1 + 50 * (1 + 7));
    // A missing or null page size gets the default page size.
    expect(cost(query, {})).toBe(1 + PAGE * (1 + 7));
    expect(cost(query, { groups: null })).toBe(1 + PAGE * (1 + 7));
  });

  it.each([['negative', -5], ['fractional', 2.5], ['a string', '50']])('an unusable page size (%s) counts as the default', (_name, first) => {
    expect(cost('query ($n: Int) { groups(first: $n) { id } }', { n: first })).toBe(1 + PAGE);
  });

  it('with the schema, a paged field without `first` gets the argument default, else the default page size', () => {
    const document = parse('{ groups { id } tenant(id: "t") { groups { id } users { id } } }');
    expect(operationCost(document, undefined, {}, { defaultPageSize: PAGE })).toBe(2 + 1 + 2 + 2);
    expect(operationCost(document, undefined, {}, { defaultPageSize: PAGE, schema })).toBe(1 + PAGE + 1 + (1 + 25) + (1 + PAGE));
  });

  it('measures a fragment spread 2^30 times without walking it 2^30 times', () => {
    const levels = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Group { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const query = `{ groups(first: 1) { ...F0 } } ${levels} fragment F30 on Group { id }`;
    expect(cost(query)).toBe(1 + 2 ** 30);
    expect(depth(query)).toBe(2);
  });
});

describe('operationDepth and operationCost refuse what cannot be measured', () => {
  it.each([
    ['a fragment that spreads itself', '{ groups { ...A } } fragment A on Group { id ...A }', 'fragment "A" spreads itself: A -> A'],
    ['a cycle of fragments', '{ groups { ...A } } fragment A on Group { ...B } fragment B on Group { members { ...A } }', 'fragment "A" spreads itself: A -> B -> A'],
    ['an unknown fragment', '{ groups { ...Missing } }', 'expected a fragment named "Missing" in the document, found none'],
  ])('%s', (_name, query, message) => {
    for (const measure of [() => depth(query), () => cost(query)]) {
      expect(measure).toThrow(message);
      expect(() => measure()).toThrow(expect.objectContaining({ extensions: { code: ErrorCode.BAD_USER_INPUT } }));
    }
  });

  it('an ambiguous or unknown operation', () => {
    const document = 'query A { groups { id } } query B { groups { id } }';
    expect(() => depth(document)).toThrow('expected one operation in the document, or an operationName');
    expect(() => cost(document, {}, 'C')).toThrow('expected an operation named "C" in the document, found none');
  });
});

describe('measuresReadVariables', () => {
  it.each([
    ['{ groups(first: 5) { id } }', false],
    ['query ($t: ID!, $upn: String) { accessTier(tenantId: $t, userPrincipalName: $upn) { source } }', false],
    ['query ($n: Int) { groups(first: $n) { id } }', true],
    ['query ($n: Int = 5) { groups { members(first: $n) { id } } }', true],
    ['query ($s: Boolean!) { groups { id @skip(if: $s) } }', true],
    ['query ($s: Boolean!) { groups { ...F @include(if: $s) } } fragment F on Group { id }', true],
    ['query ($n: Int) { groups { ...F } } fragment F on Group { members(first: $n) { id } }', true],
    ['query ($x: Int) { groups(after: $x, first: 3) { id @include(if: true) } }', false],
  ])('%s -> %p', (query, expected) => expect(measuresReadVariables(parse(query))).toBe(expected));
});

describe('queryLimitsPlugin', () => {
  let resolved = 0;
  const server = new ApolloServer({
    typeDefs: 'type Query { groups(first: Int): [Group!]! } type Group { id: ID!, members(first: Int): [Group!]! }',
    resolvers: {
      Query: {
        groups: (_: unknown, { first }: { first?: number }) => {
          resolved += 1;
          return Array.from({ length: first ?? 1 }, (_, i) => ({ id: `g${i}` }));
        },
      },
      Group: { members: () => [] },
    },
    plugins: [queryLimitsPlugin({ maxDepth: 4, maxCost: 5000, defaultPageSize: 20 })],
  });

  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => {
    resolved = 0;
  });

  async function run(query: string, variables?: Record<string, unknown>) {
    const response = await server.executeOperation({ query, variables });
    if (response.body.kind !== 'single') throw new Error(`expected a single result, got ${response.body.kind}`);
    return { status: response.http.status, ...response.body.singleResult };
  }

  it('lets an operation within the limits run', async () => {
    const result = await run('query ($n: Int) { groups(first: $n) { id members(first: 10) { id } } }', { n: 50 });
    expect(result.errors).toBeUndefined();
    expect(resolved).toBe(1);
  });

  it('refuses an operation over the cost limit before any resolver runs, naming the limit and the value', async () => {
    const result = await run('query ($n: Int) { groups(first: $n) { members(first: 100) { id } } }', { n: 50 });
    expect(result.status).toBe(400);
    expect(result.errors).toEqual([expect.objectContaining({ message: 'query cost 5051 exceeds the limit of 5000', extensions: expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT }) })]);
    expect(resolved).toBe(0);
  });

  it('refuses an operation over the depth limit', async () => {
    const result = await run('{ groups { members { members { members { id } } } } }');
    expect(result.status).toBe(400);
    expect(result.errors?.[0]).toMatchObject({ message: 'query depth 5 exceeds the limit of 4', extensions: { code: ErrorCode.BAD_USER_INPUT } });
    expect(resolved).toBe(0);
  });

  it('takes the page size a paged field will use when `first` is left out', async () => {
    // 1 + 20 * (1 + 20 * (1 + 20 * 1)) = 8421 with the default page size of 20.
    const result = await run('{ groups { members { members { id } } } }');
    expect(result.errors?.[0]?.message).toBe('query cost 8421 exceeds the limit of 5000');
  });

  it('measures the same text again when its variables decide the cost, and gives the same verdict to a text without variables in its measures', async () => {
    const paged = 'query ($n: Int) { groups(first: $n) { members(first: 100) { id } } }';
    expect((await run(paged, { n: 2 })).errors).toBeUndefined();
    expect((await run(paged, { n: 50 })).errors?.[0]?.message).toBe('query cost 5051 exceeds the limit of 5000');
    expect((await run(paged, { n: 3 })).errors).toBeUndefined();
    const fixed = 'query Fixed { groups(first: 60) { members(first: 100) { id } } }';
    for (let i = 0; i < 2; i += 1) expect((await run(fixed)).errors?.[0]?.message).toBe('query cost 6061 exceeds the limit of 5000');
    expect(resolved).toBe(2);
  });

  it('allows introspection, however deep', async () => {
    const result = await run(getIntrospectionQuery());
    expect(result.errors).toBeUndefined();
  });

  it('raises a GraphQLError the gateway formatter keeps', () => {
    expect(() => operationDepth(parse('{ groups { ...A } } fragment A on Group { ...A }'), undefined, {})).toThrow(GraphQLError);
  });
});
