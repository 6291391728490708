/** /users: list, count, get by id or UPN, create, update, memberOf and transitiveMemberOf. */
import type { SimUser } from '../../model';
import type { CreateUserInput } from '../../store';
import { countCollection, getObject, listCollection, listDirectoryObjects } from '../collection';
import { DIRECTORY_OBJECT, DIRECTORY_ROLE, USER } from '../entities';
import { contextUrl, json, noContent, type Call } from '../http';
import { directoryObjects, visibleUser, type TypedObject } from '../lookup';
import type { QueryRules } from '../odata/query';
import type { RouteDef } from '../route';
import { project } from '../serialize';
import { objectBody } from './body';

const LIST_RULES: QueryRules = {
  entity: USER,
  allowed: ['$select', '$filter', '$top', '$count', '$search', '$orderby', '$expand', '$skiptoken'],
  maxTop: 999,
  expandable: { memberOf: DIRECTORY_OBJECT },
};
const ITEM_RULES: QueryRules = { entity: USER, allowed: ['$select', '$expand'], expandable: { memberOf: DIRECTORY_OBJECT } };

/** Groups the object is a direct member of, then the activated directory roles it holds. */
export function memberOfObjects(call: Call, objectId: string, transitive: boolean): TypedObject[] {
  const store = call.ctx.store;
  const groupIds = transitive ? store.transitiveMemberOf(call.tenant.id, objectId) : store.memberOf(call.tenant.id, objectId);
  const holders = new Set([objectId, ...(transitive ? groupIds : [])]);
  const roles = [...call.tenant.directoryRoles.values()].filter((r) => r.memberIds.some((m) => holders.has(m)));
  return [...directoryObjects(call, groupIds), ...roles.map((object) => ({ entity: DIRECTORY_ROLE, object }))];
}

const expandMemberOf = (call: Call) => (user: object) => memberOfObjects(call, (user as SimUser).id, false);

export const userRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/users',
    permission: 'readUsers',
    handler: (call) =>
      listCollection(call, { rules: LIST_RULES, items: { live: call.tenant.users, kind: 'user' }, contextFragment: 'users', expand: expandMemberOf(call) }),
  },
  {
    method: 'GET',
    template: '/users/$count',
    permission: 'readUsers',
    handler: (call) => countCollection(call, USER, [...call.tenant.users.values()]),
  },
  {
    method: 'GET',
    template: '/users/{id}',
    permission: 'readUsers',
    handler: (call) => getObject(call, ITEM_RULES, visibleUser(call, call.params.id), 'users', expandMemberOf(call)),
  },
  {
    method: 'POST',
    template: '/users',
    permission: 'writeUsers',
    handler: (call) => {
      // The store validates required properties, types, the UPN domain and conflicts with Graph's messages.
      const user = call.ctx.store.createUser(call.tenant.id, objectBody(call.req) as CreateUserInput);
      return json(201, { '@odata.context': contextUrl(call, 'users/$entity'), ...project(USER, user) });
    },
  },
  {
    method: 'PATCH',
    template: '/users/{id}',
    permission: 'writeUsers',
    handler: (call) => {
      const user = visibleUser(call, call.params.id);
      call.ctx.store.updateUser(call.tenant.id, user.id, objectBody(call.req) as Partial<SimUser>);
      return noContent();
    },
  },
  {
    method: 'GET',
    template: '/users/{id}/memberOf',
    permission: 'readGroups',
    handler: (call) => listDirectoryObjects(call, memberOfObjects(call, visibleUser(call, call.params.id).id, false)),
  },
  {
    method: 'GET',
    template: '/users/{id}/transitiveMemberOf',
    permission: 'readGroups',
    handler: (call) => listDirectoryObjects(call, memberOfObjects(call, visibleUser(call, call.params.id).id, true)),
  },
];
