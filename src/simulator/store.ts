/**
 * The simulator's directory: every tenant's objects plus the indexes Graph behaviour needs (UPN lookup,
 * reverse membership, creation times for replication lag) and an append-only change log per tenant that
 * the Graph endpoints turn into delta rounds. Every write validates the way Microsoft Graph does
 * (graph-facts.md §7-8; the checks and Graph's messages are in store-validation.ts) and throws SimGraphError
 * with Graph's code and message before it changes anything.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { badRequest, notFound, SimGraphError } from './errors';
import { GRAPH_APP_ID, GRAPH_DISPLAY_NAME } from './generator/graph-permissions';
import type {
  DeletedItem,
  DeletedLinks,
  ObjectKind,
  SimAppRoleAssignment,
  SimConditionalAccessPolicy,
  SimGroup,
  SimOAuth2PermissionGrant,
  SimServicePrincipal,
  SimTenant,
  SimUser,
} from './model';
import {
  checkDynamic,
  checkMemberAdd,
  checkMemberRemove,
  checkStaticMembership,
  checkUpn,
  DYNAMIC,
  validateGroupPatch,
  validateNewGroup,
  validateNewUser,
  validatePolicyPatch,
  validateUserPatch,
} from './store-validation';

export type ChangeEntry =
  | {
      seq: number;
      at: number;
      kind: 'user' | 'group';
      id: string;
      op: 'upsert' | 'softDelete' | 'hardDelete';
      /** Changed Graph property names; [] on create = everything. */
      changed: string[];
    }
  | {
      seq: number;
      at: number;
      kind: 'member';
      groupId: string;
      memberId: string;
      memberKind: MemberKind;
      op: 'add' | 'remove';
    };

export type MemberKind = 'user' | 'group' | 'servicePrincipal';

/** Graph keeps soft-deleted items for 30 days, then deletes them for good. */
export const DELETED_ITEM_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** Graph's POST /users body: the five required properties are checked at run time, the rest are optional. */
export type CreateUserInput = Partial<Omit<SimUser, 'id' | 'createdDateTime'>>;
export type CreateGroupInput = Partial<Omit<SimGroup, 'id' | 'createdDateTime'>>;

/** What a tenant's state needs to be rebuilt after a restart (persistence.ts); the indexes are derived. */
export interface TenantSnapshot {
  log: ChangeEntry[];
  epoch: number;
  createdAt: Map<string, number>;
}

interface TenantState {
  /** log[i].seq === i + 1: sequence numbers are dense and the log is never truncated. */
  log: ChangeEntry[];
  epoch: number;
  createdAt: Map<string, number>;
  /**
   * Lower-case UPN -> id of a live user. A soft-deleted user gives its UPN up: Entra lets a new user take it
   * (restoring the old one then conflicts: restoreDeleted refuses it).
   */
  upns: Map<string, string>;
  /** memberId -> ids of the groups it is a direct member of. */
  parents: Map<string, Set<string>>;
}

export class SimStore {
  readonly tenants = new Map<string, SimTenant>();
  private readonly states = new Map<string, TenantState>();
  /** Lower-case verified domain -> tenant id. */
  private readonly domains = new Map<string, string>();

  constructor(private readonly clock: () => number = Date.now) {}

  // ---- tenants -------------------------------------------------------------------------------------------

  addTenant(t: SimTenant): void {
    const id = t.id.toLowerCase();
    if (this.tenants.has(id)) throw badRequest(`Tenant '${id}' already exists in the simulator.`);
    const claimed = t.organization.verifiedDomains.find((d) => this.domains.has(d.name.toLowerCase()));
    if (claimed) throw badRequest(`Domain '${claimed.name}' is already verified by tenant '${this.domains.get(claimed.name.toLowerCase())}'.`);

    // The state is complete before the tenant is registered: a dangling member edge (404) registers nothing.
    const state: TenantState = { log: [], epoch: 0, createdAt: new Map(), upns: new Map(), parents: new Map() };
    for (const u of t.users.values()) {
      state.upns.set(u.userPrincipalName.toLowerCase(), u.id);
      this.logObject(state, 'user', u.id, 'upsert');
    }
    for (const g of t.groups.values()) this.logObject(state, 'group', g.id, 'upsert');
    for (const [groupId, members] of t.members) {
      for (const memberId of members) {
        addToIndex(state.parents, memberId, groupId);
        this.logMember(state, groupId, memberId, memberKindIn(t, memberId), 'add');
      }
    }
    this.tenants.set(id, t);
    this.states.set(id, state);
    for (const d of t.organization.verifiedDomains) this.domains.set(d.name.toLowerCase(), id);
  }

  /** Every tenant with what its change log and delta epoch are (for a snapshot; the objects are not copied). */
  exportTenants(): Array<{ tenant: SimTenant; state: TenantSnapshot }> {
    return [...this.tenants.values()].map((tenant) => {
      const { log, epoch, createdAt } = this.state(tenant);
      return { tenant, state: { log, epoch, createdAt } };
    });
  }

  /**
   * A tenant as a snapshot kept it: its objects, change log (so delta tokens issued before keep their place) and
   * delta epoch; the UPN and reverse-membership indexes are rebuilt from the objects.
   */
  restoreTenant(t: SimTenant, saved: TenantSnapshot): void {
    const id = t.id.toLowerCase();
    if (this.tenants.has(id)) throw badRequest(`Tenant '${id}' already exists in the simulator.`);
    const state: TenantState = { log: saved.log, epoch: saved.epoch, createdAt: saved.createdAt, upns: new Map(), parents: new Map() };
    for (const u of t.users.values()) state.upns.set(u.userPrincipalName.toLowerCase(), u.id);
    for (const [groupId, members] of t.members) for (const memberId of members) addToIndex(state.parents, memberId, groupId);
    this.tenants.set(id, t);
    this.states.set(id, state);
    for (const d of t.organization.verifiedDomains) this.domains.set(d.name.toLowerCase(), id);
  }

  getTenant(idOrDomain: string): SimTenant | undefined {
    const key = idOrDomain.toLowerCase();
    return this.tenants.get(key) ?? this.tenants.get(this.domains.get(key) ?? '');
  }

  requireTenant(id: string): SimTenant {
    const t = this.getTenant(id);
    if (!t) throw new SimGraphError(404, 'Request_ResourceNotFound', `Tenant '${id}' does not exist in the simulator.`);
    return t;
  }

  kindOf(tenantId: string, objectId: string): ObjectKind | undefined {
    const t = this.getTenant(tenantId);
    return t && kindIn(t, objectId);
  }

  findUser(tenantId: string, idOrUpn: string): SimUser | undefined {
    const t = this.getTenant(tenantId);
    if (!t) return undefined;
    return t.users.get(idOrUpn) ?? t.users.get(this.state(t).upns.get(idOrUpn.toLowerCase()) ?? '');
  }

  /** Clock ms at which the store created the object; undefined for objects that came with the tenant. */
  createdAt(tenantId: string, objectId: string): number | undefined {
    const t = this.getTenant(tenantId);
    return t && this.state(t).createdAt.get(objectId);
  }

  // ---- change log ----------------------------------------------------------------------------------------

  currentSeq(tenantId: string): number {
    return this.state(this.requireTenant(tenantId)).log.length;
  }

  /** Entries with seq > `seq`, oldest first. */
  changesSince(tenantId: string, seq: number): ChangeEntry[] {
    // Dense sequence numbers make the start index the seq itself: no search needed.
    return this.state(this.requireTenant(tenantId)).log.slice(Math.max(0, Math.floor(seq)));
  }

  deltaEpoch(tenantId: string): number {
    return this.state(this.requireTenant(tenantId)).epoch;
  }

  resetDeltaTokens(tenantId: string): void {
    this.state(this.requireTenant(tenantId)).epoch += 1;
  }

  // ---- users ---------------------------------------------------------------------------------------------

  createUser(tenantId: string, input: CreateUserInput): SimUser {
    const t = this.requireTenant(tenantId);
    const state = this.state(t);
    validateNewUser(input);
    this.checkUpn(t, input.userPrincipalName!, undefined);

    const user: SimUser = {
      id: randomUUID(),
      displayName: input.displayName!,
      givenName: input.givenName ?? null,
      surname: input.surname ?? null,
      userPrincipalName: input.userPrincipalName!,
      mail: input.mail ?? null,
      mailNickname: input.mailNickname!,
      department: input.department ?? null,
      jobTitle: input.jobTitle ?? null,
      officeLocation: input.officeLocation ?? null,
      mobilePhone: input.mobilePhone ?? null,
      businessPhones: input.businessPhones ?? [],
      preferredLanguage: input.preferredLanguage ?? null,
      usageLocation: input.usageLocation ?? null,
      accountEnabled: input.accountEnabled!,
      userType: input.userType ?? 'Member',
      createdDateTime: this.isoNow(),
      assignedLicenses: input.assignedLicenses ?? [],
      passwordProfile: { ...input.passwordProfile! },
    };
    t.users.set(user.id, user);
    state.upns.set(user.userPrincipalName.toLowerCase(), user.id);
    state.createdAt.set(user.id, this.clock());
    this.logObject(state, 'user', user.id, 'upsert');
    return user;
  }

  updateUser(tenantId: string, id: string, patch: Partial<SimUser>): SimUser {
    const t = this.requireTenant(tenantId);
    const user = this.findUser(t.id, id);
    if (!user) throw notFound(id);
    validateUserPatch(patch);
    const oldUpn = user.userPrincipalName;
    if (patch.userPrincipalName !== undefined) this.checkUpn(t, patch.userPrincipalName, user.id);

    // The password is applied but never reported as a change: Graph never returns it, delta included.
    const { passwordProfile, ...visible } = patch;
    if (passwordProfile) user.passwordProfile = { ...user.passwordProfile, ...passwordProfile };
    const changed = applyPatch(user, visible);
    if (changed.includes('userPrincipalName')) {
      const state = this.state(t);
      state.upns.delete(oldUpn.toLowerCase());
      state.upns.set(user.userPrincipalName.toLowerCase(), user.id);
    }
    if (changed.length) this.logObject(this.state(t), 'user', user.id, 'upsert', changed);
    return user;
  }

  deleteUser(tenantId: string, id: string, opts: { permanent?: boolean } = {}): void {
    const t = this.requireTenant(tenantId);
    const state = this.state(t);
    const user = this.findUser(t.id, id);
    if (!user) {
      this.purgeDeleted(t, id, 'user', opts);
      return;
    }
    const links = this.detachPrincipal(t, user.id);
    t.users.delete(user.id);
    state.upns.delete(user.userPrincipalName.toLowerCase());
    if (!opts.permanent) t.deletedItems.set(user.id, { kind: 'user', deletedAt: this.isoNow(), object: user, links });
    this.logObject(state, 'user', user.id, opts.permanent ? 'hardDelete' : 'softDelete');
  }

  // ---- groups --------------------------------------------------------------------------------------------

  createGroup(tenantId: string, input: CreateGroupInput): SimGroup {
    const t = this.requireTenant(tenantId);
    const state = this.state(t);
    validateNewGroup(input);
    const groupTypes = input.groupTypes ?? [];
    const group: SimGroup = {
      id: randomUUID(),
      displayName: input.displayName!,
      description: input.description ?? null,
      mailNickname: input.mailNickname!,
      mail: input.mailEnabled ? `${input.mailNickname}@${defaultDomain(t)}` : null,
      mailEnabled: input.mailEnabled!,
      securityEnabled: input.securityEnabled!,
      groupTypes,
      membershipRule: input.membershipRule ?? null,
      membershipRuleProcessingState: groupTypes.includes(DYNAMIC) ? (input.membershipRuleProcessingState ?? 'On') : null,
      visibility: input.visibility ?? (groupTypes.includes('Unified') ? 'Public' : null),
      isAssignableToRole: input.isAssignableToRole ?? null,
      createdDateTime: this.isoNow(),
    };
    checkDynamic(group);
    t.groups.set(group.id, group);
    t.members.set(group.id, new Set());
    state.createdAt.set(group.id, this.clock());
    this.logObject(state, 'group', group.id, 'upsert');
    return group;
  }

  updateGroup(tenantId: string, id: string, patch: Partial<SimGroup>): SimGroup {
    const t = this.requireTenant(tenantId);
    const group = this.requireGroup(t, id);
    validateGroupPatch(patch);
    const next = deepMerge(group, patch);
    if (next.groupTypes.includes(DYNAMIC) && !next.membershipRuleProcessingState) next.membershipRuleProcessingState = 'On';
    checkDynamic(next);
    // Membership of a group made dynamic is kept as it was: the simulator does not evaluate rules.
    const changed = applyPatch(group, next);
    if (changed.length) this.logObject(this.state(t), 'group', group.id, 'upsert', changed);
    return group;
  }

  deleteGroup(tenantId: string, id: string, opts: { permanent?: boolean } = {}): void {
    const t = this.requireTenant(tenantId);
    const state = this.state(t);
    const group = t.groups.get(id);
    if (!group) {
      this.purgeDeleted(t, id, 'group', opts);
      return;
    }
    const links = this.detachPrincipal(t, id);
    links.members = [...(t.members.get(id) ?? [])];
    // The group's own member edges go without log entries: its removal tells a delta reader they are gone.
    for (const memberId of links.members) removeFromIndex(state.parents, memberId, id);
    t.members.delete(id);
    t.groups.delete(id);
    // Only Microsoft 365 groups are soft-deleted; any other group is deleted for good at once
    // (entra-docs architecture/recover-from-deletions.md; Graph's restore: "security groups cannot be restored").
    const permanent = opts.permanent || !group.groupTypes.includes('Unified');
    if (!permanent) t.deletedItems.set(id, { kind: 'group', deletedAt: this.isoNow(), object: group, links });
    this.logObject(state, 'group', id, permanent ? 'hardDelete' : 'softDelete');
  }

  // ---- membership ----------------------------------------------------------------------------------------

  addMember(tenantId: string, groupId: string, memberId: string): void {
    const t = this.requireTenant(tenantId);
    const group = this.requireGroup(t, groupId);
    const memberKind = memberKindIn(t, memberId);
    checkStaticMembership(group);
    const members = t.members.get(groupId)!;
    checkMemberAdd(groupId, memberId, members);
    members.add(memberId);
    const state = this.state(t);
    addToIndex(state.parents, memberId, groupId);
    this.logMember(state, groupId, memberId, memberKind, 'add');
  }

  removeMember(tenantId: string, groupId: string, memberId: string): void {
    const t = this.requireTenant(tenantId);
    const group = this.requireGroup(t, groupId);
    checkStaticMembership(group);
    checkMemberRemove(memberId, t.members.get(groupId)!);
    this.unlink(t, groupId, memberId);
  }

  // ---- deleted items (Graph's directory/deletedItems) ----------------------------------------------------

  /** Soft-deleted users or groups still inside the 30-day window, oldest deletion first. */
  deletedItems(tenantId: string, kind?: 'user' | 'group'): DeletedItem[] {
    const t = this.requireTenant(tenantId);
    this.expireDeleted(t);
    return [...t.deletedItems.values()].filter((item) => !kind || item.kind === kind);
  }

  deletedItem(tenantId: string, id: string): DeletedItem {
    const t = this.requireTenant(tenantId);
    this.expireDeleted(t);
    const item = t.deletedItems.get(id);
    if (!item) throw notFound(id);
    return item;
  }

  /**
   * POST /directory/deletedItems/{id}/restore: the object comes back with its id, properties, group memberships,
   * directory roles and app role assignments (a group also with its members); edges to objects deleted since are
   * skipped. A user whose UPN another user took meanwhile is refused with Graph's UPN conflict. The change log
   * records it as a new object, so delta reports it in full again, and its restored memberships as added edges.
   */
  restoreDeleted(tenantId: string, id: string): SimUser | SimGroup {
    const t = this.requireTenant(tenantId);
    const item = this.deletedItem(tenantId, id);
    const state = this.state(t);
    if (item.kind === 'user') {
      this.checkUpn(t, item.object.userPrincipalName, item.object.id);
      t.users.set(id, item.object);
      state.upns.set(item.object.userPrincipalName.toLowerCase(), id);
    } else {
      t.groups.set(id, item.object);
      t.members.set(id, new Set());
    }
    t.deletedItems.delete(id);
    this.logObject(state, item.kind, id, 'upsert');
    this.reattach(t, id, item.kind, item.links);
    return item.object;
  }

  directMembers(tenantId: string, groupId: string): string[] {
    const t = this.requireTenant(tenantId);
    this.requireGroup(t, groupId);
    return [...t.members.get(groupId)!];
  }

  /** Every user, group and service principal reachable downwards; cycles are walked once. */
  transitiveMembers(tenantId: string, groupId: string): string[] {
    const t = this.requireTenant(tenantId);
    this.requireGroup(t, groupId);
    return closure(groupId, (g) => (t.groups.has(g) ? t.members.get(g) : undefined));
  }

  memberOf(tenantId: string, objectId: string): string[] {
    return [...(this.state(this.requireTenant(tenantId)).parents.get(objectId) ?? [])];
  }

  transitiveMemberOf(tenantId: string, objectId: string): string[] {
    const parents = this.state(this.requireTenant(tenantId)).parents;
    return closure(objectId, (id) => parents.get(id));
  }

  // ---- policies and apps ---------------------------------------------------------------------------------

  updatePolicy(tenantId: string, id: string, patch: Partial<SimConditionalAccessPolicy>): SimConditionalAccessPolicy {
    const t = this.requireTenant(tenantId);
    const policy = t.conditionalAccessPolicies.get(id);
    if (!policy) throw notFound(id);
    validatePolicyPatch(patch);
    // Graph merges a partial `conditions` into the policy (Microsoft's own PATCH examples send one condition).
    Object.assign(policy, deepMerge(policy, patch), { modifiedDateTime: this.isoNow() });
    return policy;
  }

  ensureServicePrincipal(tenantId: string, app: { appId: string; displayName: string }): SimServicePrincipal {
    const t = this.requireTenant(tenantId);
    const existing = spByAppId(t, app.appId);
    if (existing) return existing;
    const sp: SimServicePrincipal = {
      id: randomUUID(),
      appId: app.appId,
      displayName: app.displayName,
      servicePrincipalType: 'Application',
      accountEnabled: true,
      appOwnerOrganizationId: null,
      appRoles: [],
      oauth2PermissionScopes: [],
      passwordCredentials: [],
      keyCredentials: [],
      tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
    };
    t.servicePrincipals.set(sp.id, sp);
    this.state(t).createdAt.set(sp.id, this.clock());
    return sp;
  }

  grantDelegated(
    tenantId: string,
    clientSpId: string,
    scopes: string[],
    consentType: 'AllPrincipals' | 'Principal',
    principalId?: string,
  ): SimOAuth2PermissionGrant {
    const t = this.requireTenant(tenantId);
    this.requireServicePrincipal(t, clientSpId);
    const graph = graphServicePrincipal(t);
    const known = new Set(graph.oauth2PermissionScopes.map((s) => s.value));
    const unknown = scopes.filter((s) => !known.has(s));
    if (unknown.length) throw badRequest(`Unknown delegated permission(s) of Microsoft Graph: ${unknown.join(', ')}.`);
    if (consentType === 'Principal' && (!principalId || !t.users.has(principalId))) {
      throw badRequest(`consentType 'Principal' needs the id of an existing user as principalId, got '${principalId ?? ''}'.`);
    }
    const principal = consentType === 'Principal' ? principalId! : null;
    const existing = [...t.oauth2PermissionGrants.values()].find(
      (g) => g.clientId === clientSpId && g.resourceId === graph.id && g.consentType === consentType && g.principalId === principal,
    );
    if (existing) {
      existing.scope = [...new Set([...existing.scope.split(' ').filter(Boolean), ...scopes])].join(' ');
      return existing;
    }
    const grant: SimOAuth2PermissionGrant = {
      id: directoryLinkId(),
      clientId: clientSpId,
      consentType,
      principalId: principal,
      resourceId: graph.id,
      scope: [...new Set(scopes)].join(' '),
    };
    t.oauth2PermissionGrants.set(grant.id, grant);
    return grant;
  }

  grantApplicationPermissions(tenantId: string, clientSpId: string, permissions: string[]): SimAppRoleAssignment[] {
    const t = this.requireTenant(tenantId);
    const client = this.requireServicePrincipal(t, clientSpId);
    const graph = graphServicePrincipal(t);
    const roles = permissions.map((p) => ({ name: p, role: graph.appRoles.find((r) => r.value === p) }));
    const unknown = roles.filter((r) => !r.role).map((r) => r.name);
    if (unknown.length) throw badRequest(`Unknown application permission(s) of Microsoft Graph: ${unknown.join(', ')}.`);
    const assignments = [...t.appRoleAssignments.values()];
    return roles.map(({ role }) => {
      const found = assignments.find((a) => a.principalId === clientSpId && a.resourceId === graph.id && a.appRoleId === role!.id);
      if (found) return found;
      const created: SimAppRoleAssignment = {
        id: directoryLinkId(),
        appRoleId: role!.id,
        principalId: clientSpId,
        principalType: 'ServicePrincipal',
        principalDisplayName: client.displayName,
        resourceId: graph.id,
        resourceDisplayName: GRAPH_DISPLAY_NAME,
        createdDateTime: this.isoNow(),
      };
      t.appRoleAssignments.set(created.id, created);
      assignments.push(created);
      return created;
    });
  }

  /** Revocation: the app's service principal, its grants and its role assignments go. No-op when absent. */
  removeServicePrincipal(tenantId: string, appId: string): void {
    const t = this.requireTenant(tenantId);
    const sp = spByAppId(t, appId);
    if (!sp) return;
    for (const [id, g] of t.oauth2PermissionGrants) if (g.clientId === sp.id) t.oauth2PermissionGrants.delete(id);
    for (const [id, a] of t.appRoleAssignments) if (a.resourceId === sp.id) t.appRoleAssignments.delete(id);
    this.detachPrincipal(t, sp.id);
    t.servicePrincipals.delete(sp.id);
  }

  // ---- internals -----------------------------------------------------------------------------------------

  private state(t: SimTenant): TenantState {
    return this.states.get(t.id.toLowerCase())!;
  }

  // Entries are built as literals, not spread: a 100k-user tenant logs ~400k of them, and spread objects
  // take several times the memory of literal ones in V8.
  private logObject(state: TenantState, kind: 'user' | 'group', id: string, op: 'upsert' | 'softDelete' | 'hardDelete', changed: string[] = []): void {
    state.log.push({ seq: state.log.length + 1, at: this.clock(), kind, id, op, changed });
  }

  private logMember(state: TenantState, groupId: string, memberId: string, memberKind: MemberKind, op: 'add' | 'remove'): void {
    state.log.push({ seq: state.log.length + 1, at: this.clock(), kind: 'member', groupId, memberId, memberKind, op });
  }

  private isoNow(): string {
    return new Date(this.clock()).toISOString();
  }

  private requireGroup(t: SimTenant, id: string): SimGroup {
    const group = t.groups.get(id);
    if (!group) throw notFound(id);
    return group;
  }

  private requireServicePrincipal(t: SimTenant, id: string): SimServicePrincipal {
    const sp = t.servicePrincipals.get(id);
    if (!sp) throw notFound(id);
    return sp;
  }

  private checkUpn(t: SimTenant, upn: string, selfId: string | undefined): void {
    checkUpn(upn, t.organization.verifiedDomains, this.state(t).upns.get(upn.toLowerCase()), selfId);
  }

  /** Removes every edge into `principalId` (group memberships, role memberships, role assignments) and says which they were. */
  private detachPrincipal(t: SimTenant, principalId: string): DeletedLinks {
    const links: DeletedLinks = { memberOf: this.memberOf(t.id, principalId), directoryRoleIds: [], roleAssignments: [], appRoleAssignments: [], members: [] };
    for (const groupId of links.memberOf) this.unlink(t, groupId, principalId);
    for (const role of t.directoryRoles.values()) {
      if (!role.memberIds.includes(principalId)) continue;
      links.directoryRoleIds.push(role.id);
      role.memberIds = role.memberIds.filter((m) => m !== principalId);
    }
    for (const [id, a] of t.roleAssignments) if (a.principalId === principalId) (t.roleAssignments.delete(id), links.roleAssignments.push(a));
    for (const [id, a] of t.appRoleAssignments) if (a.principalId === principalId) (t.appRoleAssignments.delete(id), links.appRoleAssignments.push(a));
    return links;
  }

  /** Puts back what detachPrincipal removed, skipping what no longer exists (a group deleted meanwhile). */
  private reattach(t: SimTenant, principalId: string, kind: MemberKind, links: DeletedLinks): void {
    const state = this.state(t);
    const link = (groupId: string, memberId: string, memberKind: MemberKind) => {
      const members = t.members.get(groupId);
      if (!members || members.has(memberId)) return;
      members.add(memberId);
      addToIndex(state.parents, memberId, groupId);
      this.logMember(state, groupId, memberId, memberKind, 'add');
    };
    for (const groupId of links.memberOf) link(groupId, principalId, kind);
    if (kind === 'group') {
      for (const memberId of links.members) {
        const memberKind = kindIn(t, memberId);
        if (memberKind === 'user' || memberKind === 'group' || memberKind === 'servicePrincipal') link(principalId, memberId, memberKind);
      }
    }
    for (const roleId of links.directoryRoleIds) {
      const role = t.directoryRoles.get(roleId);
      if (role && !role.memberIds.includes(principalId)) role.memberIds.push(principalId);
    }
    for (const a of links.roleAssignments) t.roleAssignments.set(a.id, a);
    for (const a of links.appRoleAssignments) if (t.servicePrincipals.has(a.resourceId)) t.appRoleAssignments.set(a.id, a);
  }

  /** Soft-deleted items past Graph's 30-day window are deleted for good (as Entra does on its own). */
  private expireDeleted(t: SimTenant): void {
    const cutoff = this.clock() - DELETED_ITEM_RETENTION_MS;
    for (const [id, item] of t.deletedItems) {
      if (Date.parse(item.deletedAt) > cutoff) continue;
      t.deletedItems.delete(id);
      this.logObject(this.state(t), item.kind, id, 'hardDelete');
    }
  }

  private unlink(t: SimTenant, groupId: string, memberId: string): void {
    const memberKind = memberKindIn(t, memberId);
    const state = this.state(t);
    t.members.get(groupId)!.delete(memberId);
    removeFromIndex(state.parents, memberId, groupId);
    this.logMember(state, groupId, memberId, memberKind, 'remove');
  }

  /** Deleting an already soft-deleted object: permanent deletion purges it, anything else is a 404 as in Graph. */
  private purgeDeleted(t: SimTenant, id: string, kind: 'user' | 'group', opts: { permanent?: boolean }): void {
    const item: DeletedItem | undefined = t.deletedItems.get(id);
    if (!item || item.kind !== kind || !opts.permanent) throw notFound(id);
    t.deletedItems.delete(id);
    this.logObject(this.state(t), kind, id, 'hardDelete');
  }
}

// ---- pure helpers ----------------------------------------------------------------------------------------

function kindIn(t: SimTenant, objectId: string): ObjectKind | undefined {
  if (t.users.has(objectId)) return 'user';
  if (t.groups.has(objectId)) return 'group';
  if (t.servicePrincipals.has(objectId)) return 'servicePrincipal';
  if (t.applications.has(objectId)) return 'application';
  if (t.directoryRoles.has(objectId)) return 'directoryRole';
  return undefined;
}

/** Only users, groups and service principals can be group members; anything else is Graph's 404. */
function memberKindIn(t: SimTenant, objectId: string): MemberKind {
  const kind = kindIn(t, objectId);
  if (kind === 'user' || kind === 'group' || kind === 'servicePrincipal') return kind;
  throw notFound(objectId);
}

function spByAppId(t: SimTenant, appId: string): SimServicePrincipal | undefined {
  const wanted = appId.toLowerCase();
  for (const sp of t.servicePrincipals.values()) if (sp.appId.toLowerCase() === wanted) return sp;
  return undefined;
}

function graphServicePrincipal(t: SimTenant): SimServicePrincipal {
  const sp = spByAppId(t, GRAPH_APP_ID);
  if (!sp) throw new Error(`Tenant ${t.id} has no Microsoft Graph service principal (appId ${GRAPH_APP_ID}); the generator must create it.`);
  return sp;
}

function defaultDomain(t: SimTenant): string {
  const domains = t.organization.verifiedDomains;
  return (domains.find((d) => d.isDefault) ?? domains[0]).name;
}

/** oauth2PermissionGrant and appRoleAssignment ids are 43-character base64url strings in Entra, not GUIDs. */
function directoryLinkId(): string {
  return randomBytes(32).toString('base64url').slice(0, 43);
}

function addToIndex(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  if (set) set.add(value);
  else index.set(key, new Set([value]));
}

function removeFromIndex(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

/** Breadth-first closure from `start` over `next`, excluding `start`; each node is expanded once. */
export function closure(start: string, next: (id: string) => Iterable<string> | undefined): string[] {
  const seen = new Set<string>([start]);
  const out: string[] = [];
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const id of next(queue[i]) ?? []) {
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(id);
      queue.push(id);
    }
  }
  return out;
}

/** Copies `patch` onto `target`, returning the names of the properties whose value really changed. */
function applyPatch<T extends object>(target: T, patch: Partial<T>): string[] {
  const changed: string[] = [];
  for (const [key, value] of Object.entries(patch) as [keyof T & string, T[keyof T & string]][]) {
    if (value === undefined || JSON.stringify(target[key]) === JSON.stringify(value)) continue;
    target[key] = value;
    changed.push(key);
  }
  return changed;
}

/** Objects merge key by key; arrays and scalars replace. */
function deepMerge<T>(base: T, patch: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(patch)) return (patch === undefined ? base : patch) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = v === undefined ? out[k] : deepMerge(out[k], v);
  return out as T;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
