/** /groups: list, count, get, update (with members@odata.bind), members, transitive members, member refs. */
import { badRequest } from '../../errors';
import type { SimGroup } from '../../model';
import { countCollection, getObject, listCollection, listDirectoryObjects } from '../collection';
import { DIRECTORY_OBJECT, GROUP } from '../entities';
import { noContent, type Call, type GraphRequest } from '../http';
import { directoryObjects, visibleGroup, visibleObject } from '../lookup';
import type { QueryRules } from '../odata/query';
import type { RouteDef } from '../route';
import { objectBody, referencedId } from './body';
import { memberOfObjects } from './users';

const LIST_RULES: QueryRules = {
  entity: GROUP,
  allowed: ['$select', '$filter', '$top', '$count', '$search', '$orderby', '$expand', '$skiptoken'],
  maxTop: 999,
  expandable: { members: DIRECTORY_OBJECT },
};
const ITEM_RULES: QueryRules = { entity: GROUP, allowed: ['$select', '$expand'], expandable: { members: DIRECTORY_OBJECT } };
/** graph-facts §8: PATCH /groups/{id} adds at most 20 members per request. */
const MAX_BIND = 20;
const BIND = 'members@odata.bind';

const directMembers = (call: Call, groupId: string) => directoryObjects(call, call.ctx.store.directMembers(call.tenant.id, groupId));
const expandMembers = (call: Call) => (group: object) => directMembers(call, (group as SimGroup).id);

/** Only members@odata.bind in the body: GroupMember.ReadWrite.All is enough; anything else needs Group.ReadWrite.All. */
function patchPermission(req: GraphRequest) {
  const body = req.body;
  const keys = body && typeof body === 'object' ? Object.keys(body) : [];
  return keys.length > 0 && keys.every((k) => k === BIND) ? ('writeMembers' as const) : ('writeGroups' as const);
}

function addMember(call: Call) {
  const group = visibleGroup(call, call.params.id);
  const memberId = visibleObject(call, referencedId(objectBody(call.req)['@odata.id'])).object.id;
  call.ctx.store.addMember(call.tenant.id, group.id, memberId);
  return noContent();
}

/**
 * All or nothing: every reference is resolved and checked before the first member is added, and the
 * property update (which the store validates before it changes anything) runs first. The one refusal left
 * for the adds themselves is a dynamic group, which the store reports on the first add, before any change.
 * Caveat: a body that both updates properties and binds members to a dynamic group keeps the property update.
 */
function patchGroup(call: Call) {
  const group = visibleGroup(call, call.params.id);
  const { [BIND]: binds, ...properties } = objectBody(call.req);
  const memberIds = binds === undefined ? [] : bindIds(binds);
  const existing = new Set(call.ctx.store.directMembers(call.tenant.id, group.id));
  for (const id of memberIds) {
    visibleObject(call, id);
    if (existing.has(id)) {
      throw badRequest("One or more added object references already exist for the following modified properties: 'members'.");
    }
  }
  if (Object.keys(properties).length > 0) call.ctx.store.updateGroup(call.tenant.id, group.id, properties as Partial<SimGroup>);
  for (const id of memberIds) call.ctx.store.addMember(call.tenant.id, group.id, id);
  return noContent();
}

function bindIds(binds: unknown): string[] {
  if (!Array.isArray(binds)) throw badRequest(`'${BIND}' must be an array of directoryObject URLs, got ${typeof binds}.`);
  if (binds.length > MAX_BIND) {
    throw badRequest(`'${BIND}' holds ${binds.length} references; at most ${MAX_BIND} can be added in one request.`);
  }
  const ids = binds.map(referencedId);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw badRequest(`'${BIND}' references '${duplicate}' more than once.`);
  return ids;
}

export const groupRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/groups',
    permission: 'readGroups',
    handler: (call) =>
      listCollection(call, { rules: LIST_RULES, items: { live: call.tenant.groups, kind: 'group' }, contextFragment: 'groups', expand: expandMembers(call) }),
  },
  {
    method: 'GET',
    template: '/groups/$count',
    permission: 'readGroups',
    handler: (call) => countCollection(call, GROUP, [...call.tenant.groups.values()]),
  },
  {
    method: 'GET',
    template: '/groups/{id}',
    permission: 'readGroups',
    handler: (call) => getObject(call, ITEM_RULES, visibleGroup(call, call.params.id), 'groups', expandMembers(call)),
  },
  { method: 'PATCH', template: '/groups/{id}', permission: patchPermission, handler: patchGroup },
  {
    method: 'GET',
    template: '/groups/{id}/members',
    permission: 'readGroups',
    handler: (call) => listDirectoryObjects(call, directMembers(call, visibleGroup(call, call.params.id).id)),
  },
  {
    method: 'GET',
    template: '/groups/{id}/members/$count',
    permission: 'readGroups',
    handler: (call) => {
      const members = directMembers(call, visibleGroup(call, call.params.id).id);
      return countCollection(call, DIRECTORY_OBJECT, members.map((m) => m.object));
    },
  },
  {
    method: 'GET',
    template: '/groups/{id}/transitiveMembers',
    permission: 'readGroups',
    handler: (call) =>
      listDirectoryObjects(call, directoryObjects(call, call.ctx.store.transitiveMembers(call.tenant.id, visibleGroup(call, call.params.id).id))),
  },
  {
    method: 'GET',
    template: '/groups/{id}/memberOf',
    permission: 'readGroups',
    handler: (call) => listDirectoryObjects(call, memberOfObjects(call, visibleGroup(call, call.params.id).id, false)),
  },
  { method: 'POST', template: '/groups/{id}/members/$ref', permission: 'writeMembers', handler: addMember },
  {
    method: 'DELETE',
    template: '/groups/{id}/members/{memberId}/$ref',
    permission: 'writeMembers',
    handler: (call) => {
      const group = visibleGroup(call, call.params.id);
      call.ctx.store.removeMember(call.tenant.id, group.id, call.params.memberId);
      return noContent();
    },
  },
];
