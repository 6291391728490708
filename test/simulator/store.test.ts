import { SimGraphError } from '../../src/simulator/errors';
import { generateTenant, VERAFIELD, VERAFIELD_DOMAIN, VERAFIELD_TENANT_ID } from '../../src/simulator/generator';
import { SimStore, type ChangeEntry, type CreateUserInput } from '../../src/simulator/store';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const T = VERAFIELD_TENANT_ID;
const u = VERAFIELD.users;
const g = VERAFIELD.groups;

function setup() {
  let clock = NOW;
  const store = new SimStore(() => clock);
  store.addTenant(generateTenant('verafield', { now: NOW }));
  return { store, tick: (ms: number) => (clock += ms) };
}

function validUser(overrides: Partial<CreateUserInput> = {}): CreateUserInput {
  return {
    accountEnabled: true,
    displayName: 'Rae Newman',
    mailNickname: 'rae.newman',
    userPrincipalName: `rae.newman@${VERAFIELD_DOMAIN}`,
    passwordProfile: { password: 'Str0ng!Passw0rd', forceChangePasswordNextSignIn: true },
    ...overrides,
  };
}

/** Runs `fn`, expecting a SimGraphError, and returns it. */
function graphError(fn: () => unknown): SimGraphError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimGraphError) return e;
    throw e;
  }
  throw new Error('expected a SimGraphError, got none');
}

const newEntries = (store: SimStore, since: number): ChangeEntry[] => store.changesSince(T, since);

describe('tenants and lookups', () => {
  it('finds a tenant by GUID in any case or by a verified domain, and 404s an unknown one', () => {
    const { store } = setup();
    expect(store.getTenant(T.toUpperCase())?.id).toBe(T);
    expect(store.getTenant('VERAFIELD.onmicrosoft.com')?.id).toBe(T);
    const e = graphError(() => store.requireTenant('00000000-0000-0000-0000-000000000000'));
    expect([e.status, e.code]).toEqual([404, 'Request_ResourceNotFound']);
  });

  it('refuses a second tenant with the same id', () => {
    const { store } = setup();
    expect(graphError(() => store.addTenant(generateTenant('verafield', { now: NOW }))).status).toBe(400);
  });

  it('registers nothing from a tenant with a membership edge to a missing object', () => {
    const store = new SimStore(() => NOW);
    const broken = generateTenant('verafield', { now: NOW });
    broken.members.get(g.finance)!.add('00000000-0000-4000-8000-00000000dead');
    expect(graphError(() => store.addTenant(broken)).status).toBe(404);
    expect(store.getTenant(T)).toBeUndefined();
    expect(store.getTenant(VERAFIELD_DOMAIN)).toBeUndefined();
  });

  it('finds users by id or case-insensitive UPN and tells object kinds apart', () => {
    const { store } = setup();
    expect(store.findUser(T, u.financeEmployee.userPrincipalName.toUpperCase())?.id).toBe(u.financeEmployee.id);
    expect(store.findUser(T, u.financeEmployee.id)?.department).toBe('Finance');
    expect(store.kindOf(T, u.financeEmployee.id)).toBe('user');
    expect(store.kindOf(T, g.finance)).toBe('group');
    expect(store.kindOf(T, VERAFIELD.graphServicePrincipalId)).toBe('servicePrincipal');
    expect(store.kindOf(T, VERAFIELD.apps.product.applicationId)).toBe('application');
    expect(store.kindOf(T, 'nope')).toBeUndefined();
  });
});

describe('change log', () => {
  it('logs every user, group and membership of an added tenant with dense sequence numbers', () => {
    const { store } = setup();
    const t = store.requireTenant(T);
    const memberships = [...t.members.values()].reduce((n, s) => n + s.size, 0);
    const log = store.changesSince(T, 0);
    expect(log).toHaveLength(t.users.size + t.groups.size + memberships);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    expect(store.currentSeq(T)).toBe(log.length);
    expect(log).toContainEqual({ seq: expect.any(Number), at: NOW, kind: 'user', id: u.financeEmployee.id, op: 'upsert', changed: [] });
    expect(log).toContainEqual(expect.objectContaining({ kind: 'member', groupId: g.engineering, memberId: g.dataTeam, memberKind: 'group', op: 'add' }));
  });

  it('returns only entries after the given sequence number', () => {
    const { store } = setup();
    const seq = store.currentSeq(T);
    store.updateUser(T, u.financeEmployee.id, { jobTitle: 'Controller' });
    store.addMember(T, g.legal, u.financeEmployee.id);
    expect(store.changesSince(T, seq).map((e) => [e.seq, e.kind, e.op])).toEqual([
      [seq + 1, 'user', 'upsert'],
      [seq + 2, 'member', 'add'],
    ]);
    expect(store.changesSince(T, seq + 2)).toEqual([]);
  });

  it('bumps the delta epoch on reset', () => {
    const { store } = setup();
    const epoch = store.deltaEpoch(T);
    store.resetDeltaTokens(T);
    expect(store.deltaEpoch(T)).toBe(epoch + 1);
  });
});

describe('createUser', () => {
  it.each(['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName'] as const)('requires %s', (prop) => {
    const { store } = setup();
    const e = graphError(() => store.createUser(T, validUser({ [prop]: undefined })));
    expect([e.status, e.code, e.message]).toEqual([400, 'Request_BadRequest', `Property ${prop} value is required but is empty or missing.`]);
  });

  it('requires a password that meets complexity rules', () => {
    const { store } = setup();
    expect(graphError(() => store.createUser(T, validUser({ passwordProfile: {} }))).message).toBe('A password must be specified to create a new user.');
    expect(graphError(() => store.createUser(T, validUser({ passwordProfile: { password: 'password' } }))).message).toBe(
      'The specified password does not comply with password complexity requirements. Please provide a different password.',
    );
  });

  it('requires a verified domain in the UPN', () => {
    const { store } = setup();
    const e = graphError(() => store.createUser(T, validUser({ userPrincipalName: 'rae@contoso.com' })));
    expect(e.code).toBe('Request_BadRequest');
    expect(e.message).toMatch(/^The domain portion of the userPrincipalName property is invalid/);
    expect(e.details).toEqual([expect.objectContaining({ code: 'InvalidValue', target: 'userPrincipalName' })]);
  });

  it('refuses a UPN already taken, whatever its case, with Graph\'s ObjectConflict', () => {
    const { store } = setup();
    const e = graphError(() => store.createUser(T, validUser({ userPrincipalName: u.financeEmployee.userPrincipalName.toUpperCase() })));
    expect([e.status, e.code, e.message]).toEqual([400, 'Request_BadRequest', 'Another object with the same value for property userPrincipalName already exists.']);
    expect(e.details).toEqual([{ code: 'ObjectConflict', message: e.message, target: 'userPrincipalName' }]);
  });

  it('refuses a malformed mailNickname, an unknown property and a wrongly typed one', () => {
    const { store } = setup();
    expect(graphError(() => store.createUser(T, validUser({ mailNickname: 'rae newman' }))).message).toBe(
      "Invalid value specified for property 'mailNickname' of resource 'User'.",
    );
    expect(graphError(() => store.createUser(T, { ...validUser(), shoeSize: 9 } as CreateUserInput)).message).toBe(
      "Property 'shoeSize' does not exist as a declared property or extension property.",
    );
    expect(graphError(() => store.createUser(T, validUser({ accountEnabled: 'yes' as unknown as boolean }))).message).toBe(
      "Invalid value specified for property 'accountEnabled' of resource 'User'.",
    );
  });

  it('creates the user, records its creation time and logs it', () => {
    const { store, tick } = setup();
    const seq = store.currentSeq(T);
    tick(5000);
    const user = store.createUser(T, validUser({ department: 'Legal' }));
    expect(user).toMatchObject({ displayName: 'Rae Newman', department: 'Legal', userType: 'Member', createdDateTime: new Date(NOW + 5000).toISOString() });
    expect(store.createdAt(T, user.id)).toBe(NOW + 5000);
    expect(store.createdAt(T, u.financeEmployee.id)).toBeUndefined();
    expect(store.findUser(T, 'RAE.NEWMAN@verafield.com')?.id).toBe(user.id);
    expect(newEntries(store, seq)).toEqual([{ seq: seq + 1, at: NOW + 5000, kind: 'user', id: user.id, op: 'upsert', changed: [] }]);
  });
});

describe('updateUser', () => {
  it('records only the properties whose value changed', () => {
    const { store } = setup();
    const seq = store.currentSeq(T);
    store.updateUser(T, u.financeEmployee.id, { jobTitle: 'Controller', department: 'Finance', accountEnabled: false });
    store.updateUser(T, u.financeEmployee.id, { jobTitle: 'Controller' });
    expect(newEntries(store, seq)).toEqual([expect.objectContaining({ kind: 'user', op: 'upsert', changed: ['jobTitle', 'accountEnabled'] })]);
  });

  it('moves the UPN index along with a UPN change and still refuses conflicts', () => {
    const { store } = setup();
    store.updateUser(T, u.financeEmployee.id, { userPrincipalName: `nora.f@${VERAFIELD_DOMAIN}` });
    expect(store.findUser(T, `nora.f@${VERAFIELD_DOMAIN}`)?.id).toBe(u.financeEmployee.id);
    expect(store.findUser(T, u.financeEmployee.userPrincipalName)).toBeUndefined();
    const e = graphError(() => store.updateUser(T, u.financeEmployee.id, { userPrincipalName: u.salesRep.userPrincipalName }));
    expect(e.details?.[0].code).toBe('ObjectConflict');
  });

  it('refuses read-only properties and 404s unknown users', () => {
    const { store } = setup();
    expect(graphError(() => store.updateUser(T, u.financeEmployee.id, { id: 'x' })).message).toBe("Property 'id' is read-only and cannot be set.");
    expect(graphError(() => store.updateUser(T, 'missing', { jobTitle: 'x' })).status).toBe(404);
  });

  it('applies a password change without reporting it as a visible change', () => {
    const { store } = setup();
    const seq = store.currentSeq(T);
    const user = store.updateUser(T, u.financeEmployee.id, { passwordProfile: { password: 'An0ther!Secret' } });
    expect(user.passwordProfile?.password).toBe('An0ther!Secret');
    expect(newEntries(store, seq)).toEqual([]);
  });
});

describe('deleteUser', () => {
  it('soft-deletes: the user answers 404, its memberships go and are logged, its UPN is free again', () => {
    const { store } = setup();
    const groups = store.memberOf(T, u.financeEmployee.id);
    expect(groups).toContain(g.finance);
    const seq = store.currentSeq(T);
    store.deleteUser(T, u.financeEmployee.id);

    expect(store.findUser(T, u.financeEmployee.id)).toBeUndefined();
    expect(store.requireTenant(T).deletedItems.get(u.financeEmployee.id)?.kind).toBe('user');
    expect(store.memberOf(T, u.financeEmployee.id)).toEqual([]);
    expect(store.directMembers(T, g.finance)).not.toContain(u.financeEmployee.id);
    const log = newEntries(store, seq);
    expect(log.filter((e) => e.kind === 'member').map((e) => e.kind === 'member' && [e.groupId, e.op])).toEqual(groups.map((id) => [id, 'remove']));
    expect(log.at(-1)).toMatchObject({ kind: 'user', id: u.financeEmployee.id, op: 'softDelete' });
    expect(store.createUser(T, validUser({ userPrincipalName: u.financeEmployee.userPrincipalName })).id).not.toBe(u.financeEmployee.id);
  });

  it('permanently deletes a soft-deleted user', () => {
    const { store } = setup();
    store.deleteUser(T, u.financeEmployee.id);
    store.deleteUser(T, u.financeEmployee.id, { permanent: true });
    expect(store.changesSince(T, store.currentSeq(T) - 1)).toEqual([expect.objectContaining({ id: u.financeEmployee.id, op: 'hardDelete' })]);
    expect(store.requireTenant(T).deletedItems.has(u.financeEmployee.id)).toBe(false);
  });

  it('removes a deleted admin from its directory role and role assignments', () => {
    const { store } = setup();
    store.deleteUser(T, u.globalAdmin.id, { permanent: true });
    const t = store.requireTenant(T);
    expect([...t.directoryRoles.values()].flatMap((r) => r.memberIds)).not.toContain(u.globalAdmin.id);
    expect([...t.roleAssignments.values()].map((a) => a.principalId)).not.toContain(u.globalAdmin.id);
  });

  it('404s an unknown user and a soft-delete of a soft-deleted one', () => {
    const { store } = setup();
    expect(graphError(() => store.deleteUser(T, 'missing')).status).toBe(404);
    store.deleteUser(T, u.salesRep.id);
    expect(graphError(() => store.deleteUser(T, u.salesRep.id)).status).toBe(404);
  });
});

describe('groups', () => {
  it('requires displayName, mailEnabled, mailNickname and securityEnabled', () => {
    const { store } = setup();
    expect(graphError(() => store.createGroup(T, { displayName: 'Ops', mailEnabled: false, securityEnabled: true })).message).toBe(
      'Property mailNickname value is required but is empty or missing.',
    );
  });

  it('requires a membershipRule for a dynamic group', () => {
    const { store } = setup();
    const e = graphError(() =>
      store.createGroup(T, { displayName: 'Dyn', mailNickname: 'dyn', mailEnabled: false, securityEnabled: true, groupTypes: ['DynamicMembership'] }),
    );
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/membershipRule/);
  });

  it('creates, renames and makes a group dynamic, logging the changed properties', () => {
    const { store } = setup();
    const seq = store.currentSeq(T);
    const group = store.createGroup(T, { displayName: 'Ops', mailNickname: 'ops', mailEnabled: false, securityEnabled: true });
    store.updateGroup(T, group.id, { displayName: 'Operations Crew' });
    store.updateGroup(T, group.id, { groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "Operations"' });
    expect(newEntries(store, seq).map((e) => e.kind !== 'member' && e.changed)).toEqual([
      [],
      ['displayName'],
      ['groupTypes', 'membershipRule', 'membershipRuleProcessingState'],
    ]);
    expect(store.requireTenant(T).groups.get(group.id)?.membershipRuleProcessingState).toBe('On');
  });

  it('deletes a security group for good: its parents lose it (logged) and its members no longer list it', () => {
    const { store } = setup();
    const seq = store.currentSeq(T);
    store.deleteGroup(T, g.dataTeam);
    expect(newEntries(store, seq)).toEqual([
      expect.objectContaining({ kind: 'member', groupId: g.engineering, memberId: g.dataTeam, op: 'remove' }),
      // Only Microsoft 365 groups are soft-deleted (restorable); a security group is deleted permanently.
      expect.objectContaining({ kind: 'group', id: g.dataTeam, op: 'hardDelete' }),
    ]);
    expect(store.requireTenant(T).deletedItems.has(g.dataTeam)).toBe(false);
    expect(store.memberOf(T, u.dataEngineer.id)).not.toContain(g.dataTeam);
    expect(store.transitiveMemberOf(T, u.dataEngineer.id)).not.toContain(g.engineering);
    expect(graphError(() => store.directMembers(T, g.dataTeam)).status).toBe(404);
  });
});

describe('membership', () => {
  it('adds and removes members, keeping the reverse index and the log', () => {
    const { store } = setup();
    const seq = store.currentSeq(T);
    store.addMember(T, g.legal, u.financeEmployee.id);
    expect(store.memberOf(T, u.financeEmployee.id)).toContain(g.legal);
    store.removeMember(T, g.legal, u.financeEmployee.id);
    expect(store.memberOf(T, u.financeEmployee.id)).not.toContain(g.legal);
    expect(newEntries(store, seq)).toEqual([
      { seq: seq + 1, at: NOW, kind: 'member', groupId: g.legal, memberId: u.financeEmployee.id, memberKind: 'user', op: 'add' },
      { seq: seq + 2, at: NOW, kind: 'member', groupId: g.legal, memberId: u.financeEmployee.id, memberKind: 'user', op: 'remove' },
    ]);
  });

  it("answers Graph's errors for duplicates, absentees, unknown objects and dynamic groups", () => {
    const { store } = setup();
    expect(graphError(() => store.addMember(T, g.finance, u.financeEmployee.id)).message).toBe(
      "One or more added object references already exist for the following modified properties: 'members'.",
    );
    const absent = graphError(() => store.removeMember(T, g.legal, u.financeEmployee.id));
    expect([absent.status, absent.code]).toEqual([404, 'Request_ResourceNotFound']);
    expect(graphError(() => store.addMember(T, 'no-group', u.financeEmployee.id)).status).toBe(404);
    expect(graphError(() => store.addMember(T, g.legal, 'no-member')).status).toBe(404);
    const dyn = graphError(() => store.addMember(T, g.salesDynamic, u.financeEmployee.id));
    expect([dyn.status, dyn.code]).toEqual([400, 'Request_BadRequest']);
    expect(graphError(() => store.addMember(T, g.legal, g.legal)).status).toBe(400);
  });

  it('walks nested groups transitively in both directions', () => {
    const { store } = setup();
    expect(store.transitiveMembers(T, g.engineering)).toEqual(expect.arrayContaining([u.dataEngineer.id, u.onCallEngineer.id, g.onCall]));
    expect(store.directMembers(T, g.engineering)).not.toContain(u.onCallEngineer.id);
    const chain = store.transitiveMemberOf(T, u.onCallEngineer.id).filter((id) => id !== g.allCompany && id !== g.socialClub);
    expect(chain).toEqual([g.onCall, g.siteReliability, g.platformTeam, g.engineering]);
  });

  it('is cycle-safe and returns no duplicates', () => {
    const { store } = setup();
    const make = (name: string) => store.createGroup(T, { displayName: name, mailNickname: name, mailEnabled: false, securityEnabled: true }).id;
    const [a, b, c] = [make('a'), make('b'), make('c')];
    store.addMember(T, a, b);
    store.addMember(T, b, c);
    store.addMember(T, c, a);
    store.addMember(T, a, u.financeEmployee.id);
    store.addMember(T, c, u.financeEmployee.id);
    expect(store.transitiveMembers(T, a).sort()).toEqual([b, c, u.financeEmployee.id].sort());
    expect(store.transitiveMemberOf(T, u.financeEmployee.id).sort()).toEqual([g.finance, g.allCompany, a, c, b].sort());
  });
});

describe('policies', () => {
  it('merges a partial conditions patch and stamps modifiedDateTime', () => {
    const { store } = setup();
    const policy = store.updatePolicy(T, VERAFIELD.policies.productMfa, { conditions: { users: { excludeGroups: [] } } } as never);
    expect(policy.conditions.users).toMatchObject({ includeUsers: ['All'], excludeGroups: [] });
    expect(policy.conditions.applications.includeApplications).toEqual([VERAFIELD.productAppId]);
    expect(policy.modifiedDateTime).toBe(new Date(NOW).toISOString());
  });

  it('refuses an unknown state and 404s an unknown policy', () => {
    const { store } = setup();
    expect(graphError(() => store.updatePolicy(T, VERAFIELD.policies.productMfa, { state: 'on' as never })).status).toBe(400);
    expect(graphError(() => store.updatePolicy(T, 'missing', { state: 'disabled' })).status).toBe(404);
  });
});

describe('service principals and grants', () => {
  const app = { appId: '11111111-2222-4333-8444-555555555555', displayName: 'Client' };

  it('creates a service principal once per appId', () => {
    const { store } = setup();
    expect(store.ensureServicePrincipal(T, app).id).toBe(store.ensureServicePrincipal(T, { ...app, appId: app.appId.toUpperCase() }).id);
  });

  it('merges delegated grants for the same client, resource and principal', () => {
    const { store } = setup();
    const sp = store.ensureServicePrincipal(T, app);
    const first = store.grantDelegated(T, sp.id, ['User.Read.All', 'offline_access'], 'AllPrincipals');
    const second = store.grantDelegated(T, sp.id, ['offline_access', 'Group.Read.All'], 'AllPrincipals');
    expect(second.id).toBe(first.id);
    expect(second).toMatchObject({ scope: 'User.Read.All offline_access Group.Read.All', resourceId: VERAFIELD.graphServicePrincipalId, principalId: null });
    const personal = store.grantDelegated(T, sp.id, ['User.Read'], 'Principal', u.financeEmployee.id);
    expect(personal.id).not.toBe(first.id);
    expect(graphError(() => store.grantDelegated(T, sp.id, ['Mail.Send'], 'AllPrincipals')).message).toMatch(/Mail\.Send/);
    expect(graphError(() => store.grantDelegated(T, sp.id, ['User.Read'], 'Principal')).status).toBe(400);
  });

  it("assigns application permissions with Microsoft Graph's real app role ids, once each", () => {
    const { store } = setup();
    const sp = store.ensureServicePrincipal(T, app);
    const [assignment] = store.grantApplicationPermissions(T, sp.id, ['User.Read.All']);
    expect(assignment).toMatchObject({ appRoleId: 'df021288-bdef-4463-88db-98f22de89214', principalId: sp.id, principalType: 'ServicePrincipal' });
    expect(store.grantApplicationPermissions(T, sp.id, ['User.Read.All', 'Policy.Read.All']).map((a) => a.id)[0]).toBe(assignment.id);
    expect(graphError(() => store.grantApplicationPermissions(T, sp.id, ['openid'])).status).toBe(400);
  });

  it('revokes: the service principal, its grants and its assignments disappear', () => {
    const { store } = setup();
    const sp = store.ensureServicePrincipal(T, app);
    store.grantDelegated(T, sp.id, ['User.Read'], 'AllPrincipals');
    store.grantApplicationPermissions(T, sp.id, ['User.Read.All']);
    store.addMember(T, g.legal, sp.id);
    store.removeServicePrincipal(T, app.appId);
    const t = store.requireTenant(T);
    expect(t.servicePrincipals.has(sp.id)).toBe(false);
    expect([...t.oauth2PermissionGrants.values()].some((x) => x.clientId === sp.id)).toBe(false);
    expect([...t.appRoleAssignments.values()].some((x) => x.principalId === sp.id)).toBe(false);
    expect(store.directMembers(T, g.legal)).not.toContain(sp.id);
    expect(() => store.removeServicePrincipal(T, app.appId)).not.toThrow();
  });
});
