/**
 * directory/deletedItems: soft deletion of users and Microsoft 365 groups, listing within the 30-day window,
 * restore with the memberships and roles Microsoft keeps, and delta reporting the restored object again.
 */
import { VERAFIELD } from '../../src/simulator/generator';
import { DELETED_ITEM_RETENTION_MS } from '../../src/simulator/store';
import { startGraphSim, type GraphSim } from './graph-client';

let g: GraphSim;
beforeAll(async () => {
  g = await startGraphSim();
});
afterAll(() => g.close());

const T = VERAFIELD.tenantId;
const store = () => g.sim.ctx.store;
const memberOf = async (id: string) => ((await g.get(`/users/${id}/memberOf?$select=id`)).body.value as { id: string }[]).map((o) => o.id).sort();

/** Follows a delta round to its deltaLink; returns the items and the link. */
async function deltaRound(link: string): Promise<{ items: any[]; deltaLink: string }> {
  const items: any[] = [];
  for (let next: string = link; ; ) {
    const res = await g.get(next);
    expect(res.status).toBe(200);
    items.push(...res.body.value);
    if (res.body['@odata.deltaLink']) return { items, deltaLink: res.body['@odata.deltaLink'] };
    next = res.body['@odata.nextLink'];
  }
}

describe('deleted users', () => {
  test('delete, list, get, restore: the user comes back with its groups and roles, and delta reports it again', async () => {
    const admin = VERAFIELD.users.userAdmin;
    const groupsBefore = await memberOf(admin.id);
    expect(groupsBefore.length).toBeGreaterThan(0);
    const rolesBefore = [...store().requireTenant(T).roleAssignments.values()].filter((a) => a.principalId === admin.id).map((a) => a.id);
    expect(rolesBefore.length).toBeGreaterThan(0);
    const users = await deltaRound('/users/delta?$select=displayName');
    const groups = await deltaRound('/groups/delta?$select=displayName,members');

    store().deleteUser(T, admin.id); // the control API's deletion
    expect((await g.get(`/users/${admin.id}`)).status).toBe(404);
    const listed = await g.get('/directory/deletedItems/microsoft.graph.user');
    expect(listed.status).toBe(200);
    expect(listed.body.value).toEqual([expect.objectContaining({ id: admin.id, userPrincipalName: admin.userPrincipalName, deletedDateTime: expect.any(String) })]);
    const one = await g.get(`/directory/deletedItems/${admin.id}`);
    expect([one.status, one.body['@odata.type'], one.body.id]).toEqual([200, '#microsoft.graph.user', admin.id]);
    expect((await g.get('/directory/deletedItems/microsoft.graph.group')).body.value).toEqual([]);
    const gone = await deltaRound(users.deltaLink);
    expect(gone.items).toEqual([{ id: admin.id, '@removed': { reason: 'changed' } }]);

    const restored = await g.call('POST', `/directory/deletedItems/${admin.id}/restore`);
    expect([restored.status, restored.body['@odata.type'], restored.body.id]).toEqual([200, '#microsoft.graph.user', admin.id]);
    expect((await g.get(`/users/${admin.id}`)).status).toBe(200);
    expect(await memberOf(admin.id)).toEqual(groupsBefore);
    expect([...store().requireTenant(T).roleAssignments.values()].filter((a) => a.principalId === admin.id).map((a) => a.id)).toEqual(rolesBefore);
    expect((await g.get('/directory/deletedItems/microsoft.graph.user')).body.value).toEqual([]);
    expect((await g.call('POST', `/directory/deletedItems/${admin.id}/restore`)).status).toBe(404);

    const back = await deltaRound(gone.deltaLink);
    expect(back.items).toEqual([{ id: admin.id, displayName: expect.any(String) }]);
    // groups/delta: the memberships went (members@delta removed) and came back (added) in the window.
    const edges = (await deltaRound(groups.deltaLink)).items.flatMap((item) => (item['members@delta'] ?? []).filter((m: any) => m.id === admin.id).map((m: any) => [item.id, m['@removed'] ?? 'added']));
    expect(edges.map(([groupId]) => groupId).sort()).toEqual(groupsBefore.filter((id) => store().requireTenant(T).groups.has(id)));
    expect(edges.every(([, state]) => state === 'added')).toBe(true);
  });

  test('a UPN taken by a new user meanwhile: the restore is refused with the UPN conflict', async () => {
    const rep = VERAFIELD.users.salesRep;
    store().deleteUser(T, rep.id);
    store().createUser(T, {
      accountEnabled: true, displayName: 'Taker', mailNickname: 'taker', userPrincipalName: rep.userPrincipalName,
      passwordProfile: { password: 'Str0ng!Passphrase-42', forceChangePasswordNextSignIn: true },
    });
    const res = await g.call('POST', `/directory/deletedItems/${rep.id}/restore`);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ code: 'ObjectConflict', target: 'userPrincipalName' })]);
    expect(store().requireTenant(T).deletedItems.has(rep.id)).toBe(true);
  });

  test('after 30 days a deleted user is gone for good: not listed, not restorable, delta says deleted', async () => {
    const id = VERAFIELD.users.guestPartner.id;
    store().deleteUser(T, id);
    const item = store().requireTenant(T).deletedItems.get(id)!;
    item.deletedAt = new Date(Date.now() - DELETED_ITEM_RETENTION_MS - 1000).toISOString();
    expect(((await g.get('/directory/deletedItems/microsoft.graph.user')).body.value as { id: string }[]).map((u) => u.id)).not.toContain(id);
    expect((await g.call('POST', `/directory/deletedItems/${id}/restore`)).status).toBe(404);
  });

  test('permissions: listing users needs a user read permission, restoring one a user write or restore permission', async () => {
    const groupReader = await g.tokenWith(['Group.Read.All']);
    expect((await g.call('GET', '/directory/deletedItems/microsoft.graph.user', { token: groupReader })).status).toBe(403);
    const id = VERAFIELD.users.guestAuditor.id;
    store().deleteUser(T, id);
    const groupWriter = await g.tokenWith(['Group.ReadWrite.All']);
    expect((await g.call('GET', `/directory/deletedItems/${id}`, { token: groupWriter })).status).toBe(403);
    expect((await g.call('POST', `/directory/deletedItems/${id}/restore`, { token: groupWriter })).status).toBe(403);
    const restorer = await g.tokenWith(['User.DeleteRestore.All']);
    expect((await g.call('POST', `/directory/deletedItems/${id}/restore`, { token: restorer })).status).toBe(200);
  });
});

describe('deleted groups', () => {
  test('a Microsoft 365 group is soft-deleted and restored with its members; a security group is deleted for good', async () => {
    const unified = VERAFIELD.groups.socialClub;
    const members = store().directMembers(T, unified).sort();
    expect(members.length).toBeGreaterThan(0);
    store().deleteGroup(T, unified);
    expect(((await g.get('/directory/deletedItems/microsoft.graph.group')).body.value as { id: string }[]).map((x) => x.id)).toEqual([unified]);
    const res = await g.call('POST', `/directory/deletedItems/${unified}/restore`);
    expect([res.status, res.body['@odata.type']]).toEqual([200, '#microsoft.graph.group']);
    expect(store().directMembers(T, unified).sort()).toEqual(members);

    const security = VERAFIELD.groups.contractors;
    store().deleteGroup(T, security);
    expect((await g.get('/directory/deletedItems/microsoft.graph.group')).body.value).toEqual([]);
    expect((await g.call('POST', `/directory/deletedItems/${security}/restore`)).status).toBe(404);
  });

  test('the container needs its type cast', async () => {
    const res = await g.get('/directory/deletedItems');
    expect(res.status).toBe(400);
  });
});
