/** The directory's pure parts: cursor sealing, page slicing, query building, error mapping, group kinds. */
import { randomBytes } from 'node:crypto';
import { GraphForbiddenError, GraphNotFoundError, GraphThrottledError, GraphUnavailableError } from '../../src/graph';
import { ErrorCode, GatewayError } from '../../src/core/errors';
import { connectionFromPage, pageSize, type PagePosition } from '../../src/directory/connection';
import { CursorSealer } from '../../src/directory/cursor';
import { groupKind } from '../../src/directory/directory-object.mapping';
import { GroupKind } from '../../src/directory/directory-object.types';
import { UserTypeValue } from '../../src/directory/directory.inputs';
import { groupListQuery, listLink, objectLink, userListQuery } from '../../src/directory/directory-queries';
import { permissionFor, toGatewayError } from '../../src/directory/graph-errors';

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return err instanceof GatewayError ? err.extensions.code : err;
  }
};

describe('CursorSealer', () => {
  const sealer = new CursorSealer([{ version: 2, key: randomBytes(32) }]);

  it('opens what it sealed for the same binding only', () => {
    const cursor = sealer.seal({ link: '/users?$top=2', skip: 1 }, 'tenant-a|Tenant.users');
    expect(cursor).not.toContain('users');
    expect(sealer.open(cursor, 'tenant-a|Tenant.users', 'after')).toEqual({ link: '/users?$top=2', skip: 1 });
    expect(codeOf(() => sealer.open(cursor, 'tenant-b|Tenant.users', 'after'))).toBe(ErrorCode.BAD_USER_INPUT);
    expect(codeOf(() => sealer.open(cursor, 'tenant-a|Tenant.groups', 'after'))).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('refuses garbage, truncation and another key', () => {
    const cursor = sealer.seal({ x: 1 }, 'b');
    const other = new CursorSealer([{ version: 2, key: randomBytes(32) }]);
    for (const bad of ['', 'not base64!', cursor.slice(0, 20), cursor.slice(0, -2)]) expect(codeOf(() => sealer.open(bad, 'b', 'after'))).toBe(ErrorCode.BAD_USER_INPUT);
    expect(codeOf(() => other.open(cursor, 'b', 'after'))).toBe(ErrorCode.BAD_USER_INPUT);
  });
});

describe('connectionFromPage', () => {
  const start: PagePosition = { link: '/users?$top=3', skip: 0, eventual: false, count: null };
  const seal = (p: PagePosition) => JSON.stringify(p);
  const positions = (cursors: string[]) => cursors.map((c) => JSON.parse(c) as PagePosition);

  it('gives the last item of a page with a nextLink the nextLink itself', () => {
    const c = connectionFromPage({ items: [1, 2, 3], nextLink: 'https://g/v1.0/next', count: 9 }, start, 3, String, seal);
    expect(c.edges.map((e) => e.node)).toEqual(['1', '2', '3']);
    expect(positions(c.edges.map((e) => e.cursor)).map((p) => [p.link, p.skip])).toEqual([['/users?$top=3', 1], ['/users?$top=3', 2], ['https://g/v1.0/next', 0]]);
    expect(c.pageInfo.hasNextPage).toBe(true);
    expect(c.totalCount).toBe(9);
  });

  it('resumes inside a page and stops short of its end when first is smaller', () => {
    const c = connectionFromPage({ items: [1, 2, 3, 4] }, { ...start, skip: 1, count: 4 }, 2, String, seal);
    expect(c.edges.map((e) => e.node)).toEqual(['2', '3']);
    expect(c.pageInfo).toEqual({ hasNextPage: true, endCursor: seal({ ...start, skip: 3, count: 4 }) });
    expect(c.totalCount).toBe(4);
  });

  it('ends on the last page, and leads on from an empty page with a nextLink', () => {
    expect(connectionFromPage({ items: [1] }, start, 5, String, seal).pageInfo.hasNextPage).toBe(false);
    const empty = connectionFromPage({ items: [], nextLink: 'https://g/v1.0/n2' }, start, 5, String, seal);
    expect(empty.pageInfo).toEqual({ hasNextPage: true, endCursor: seal({ ...start, link: 'https://g/v1.0/n2' }) });
  });

  it('skips items without a node but keeps their place', () => {
    const c = connectionFromPage({ items: [1, 2, 3] }, start, 3, (n) => (n === 2 ? null : n), seal);
    expect(c.edges.map((e) => [e.node, (JSON.parse(e.cursor) as PagePosition).skip])).toEqual([[1, 1], [3, 3]]);
  });

  it('checks page sizes', () => {
    expect(pageSize(null, 25)).toBe(25);
    expect(pageSize(999, 25)).toBe(999);
    for (const bad of [0, -1, 1000]) expect(codeOf(() => pageSize(bad, 25))).toBe(ErrorCode.BAD_USER_INPUT);
  });
});

describe('query building', () => {
  it('escapes caller text in filters and searches', () => {
    expect(userListQuery({ department: "R&D 'Labs'", displayNameStartsWith: "O'B", userType: UserTypeValue.GUEST, accountEnabled: false }, "O'Brien")).toEqual({
      filter: "department eq 'R&D ''Labs''' and accountEnabled eq false and userType eq 'Guest' and startsWith(displayName,'O''B')",
      search: `"displayName:O'Brien" OR "mail:O'Brien" OR "userPrincipalName:O'Brien"`,
      advanced: true,
    });
    expect(listLink('/users', { select: 'id', top: 5, query: { filter: "a eq '#&'", advanced: false } })).toBe('/users?$select=id&$top=5&$filter=a%20eq%20\'%23%26\'');
    expect(objectLink('users', 'x_y#EXT#@v.com', 'id')).toBe('/users/x_y%23EXT%23%40v.com?$select=id');
  });

  it('refuses what cannot be sent safely', () => {
    for (const fn of [
      () => userListQuery(null, ''),
      () => userListQuery(null, 'say "hi"'),
      () => userListQuery({ displayNameStartsWith: ' ' }, null),
      () => userListQuery({ department: 'a\u0000b' }, null),
      () => objectLink('groups', '..', 'id'),
    ]) {
      expect(codeOf(fn)).toBe(ErrorCode.BAD_USER_INPUT);
    }
  });

  it.each([
    [GroupKind.MICROSOFT_365, false],
    [GroupKind.SECURITY, true],
    [GroupKind.MAIL_ENABLED_SECURITY, true],
    [GroupKind.DISTRIBUTION, true],
  ])('filters groups of kind %s (advanced query: %s)', (kind, advanced) => {
    expect(groupListQuery({ kind }).advanced).toBe(advanced);
  });

  it('maps Graph group properties to a kind', () => {
    expect(groupKind(['Unified'], true, false)).toBe(GroupKind.MICROSOFT_365);
    expect(groupKind([], false, true)).toBe(GroupKind.SECURITY);
    expect(groupKind(['DynamicMembership'], true, true)).toBe(GroupKind.MAIL_ENABLED_SECURITY);
    expect(groupKind([], true, false)).toBe(GroupKind.DISTRIBUTION);
    expect(groupKind(null, true, false)).toBeNull();
  });
});

describe('Graph errors', () => {
  const init = { status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' };

  it('names the permission an endpoint needs', () => {
    expect(permissionFor('/users?$top=5')).toBe('User.Read.All');
    expect(permissionFor('https://graph.microsoft.com/v1.0/users/abc/transitiveMemberOf?$top=1')).toBe('GroupMember.Read.All');
    expect(permissionFor('/groups/abc/members')).toBe('GroupMember.Read.All');
    expect(permissionFor('/roleManagement/directory/roleAssignments')).toBe('RoleManagement.Read.Directory');
    expect(permissionFor('/identity/conditionalAccess/policies')).toBe('Policy.Read.All');
    expect(permissionFor('/servicePrincipals')).toBe('Application.Read.All');
    expect(permissionFor('/organization')).toBeNull();
  });

  it('maps each typed Graph error to its code', () => {
    const map = (err: unknown) => toGatewayError(err, 't1', '/users') as GatewayError;
    expect(map(new GraphForbiddenError(init)).extensions).toMatchObject({ code: 'UPSTREAM_FORBIDDEN', missingPermission: 'User.Read.All', tenantId: 't1' });
    expect(map(new GraphNotFoundError({ ...init, status: 404 })).extensions.code).toBe('NOT_FOUND');
    expect(map(new GraphThrottledError({ ...init, status: 429, retryAfterMs: 2500 })).extensions).toMatchObject({ code: 'UPSTREAM_THROTTLED', retryAfterSeconds: 3 });
    expect(map(new GraphUnavailableError({ ...init, status: 503 })).extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    const ours = new Error('bug');
    expect(toGatewayError(ours, 't1', '/users')).toBe(ours);
  });
});
