/**
 * Graph's deleted items container for users and groups (directory resource type; List, Get and Restore deleted
 * item): GET /directory/deletedItems/microsoft.graph.user (or .group) lists soft-deleted objects of the last 30
 * days with their deletedDateTime; GET /directory/deletedItems/{id} reads one; POST .../{id}/restore brings it
 * back (store.restoreDeleted says what comes back with it) and answers 200 with the object. Only users and
 * Microsoft 365 groups are ever here: any other group is deleted for good at once.
 */
import { badRequest } from '../../errors';
import type { DeletedItem } from '../../model';
import { getObject, listCollection } from '../collection';
import { GROUP, USER, type EntityType } from '../entities';
import { contextUrl, json, type Call } from '../http';
import type { QueryRules } from '../odata/query';
import type { RouteDef } from '../route';
import { requirePermission } from '../scopes';
import { projectTyped } from '../serialize';

const DT = 'Edm.DateTimeOffset';

/** deletedDateTime is directoryObject's (metadata); a deleted object returns it by default (the choice written down here). */
function deletedEntity(entity: EntityType): EntityType {
  return {
    ...entity,
    properties: { ...entity.properties, deletedDateTime: DT },
    defaultSelect: entity.defaultSelect && [...entity.defaultSelect, 'deletedDateTime'],
    filter: { ...entity.filter, deletedDateTime: ['eq'] },
  };
}

const DELETED = { user: deletedEntity(USER), group: deletedEntity(GROUP) } as const;
const READ = { user: 'readDeletedUsers', group: 'readDeletedGroups' } as const;
const RESTORE = { user: 'restoreUsers', group: 'restoreGroups' } as const;

const listRules = (entity: EntityType): QueryRules => ({ entity, allowed: ['$select', '$filter', '$top', '$orderby', '$skiptoken'], maxTop: 999 });

function withDeletedAt(item: DeletedItem): object {
  return { ...item.object, deletedDateTime: item.deletedAt };
}

function list(kind: 'user' | 'group') {
  return (call: Call) => {
    requirePermission(call.claims, READ[kind]);
    return listCollection(call, {
      rules: listRules(DELETED[kind]),
      items: call.ctx.store.deletedItems(call.tenant.id, kind).map(withDeletedAt),
      contextFragment: `directory/deletedItems/microsoft.graph.${kind}`,
    });
  };
}

export const deletedItemRoutes: RouteDef[] = [
  { method: 'GET', template: '/directory/deletedItems/microsoft.graph.user', permission: 'readDeletedUsers', handler: list('user') },
  { method: 'GET', template: '/directory/deletedItems/microsoft.graph.group', permission: 'readDeletedGroups', handler: list('group') },
  {
    method: 'GET',
    template: '/directory/deletedItems',
    permission: 'readDeletedItems',
    handler: () => {
      // Graph requires the cast segment: the container cannot be listed as a whole.
      throw badRequest("Listing deleted items needs the type cast segment: /directory/deletedItems/microsoft.graph.user or /directory/deletedItems/microsoft.graph.group.");
    },
  },
  {
    method: 'GET',
    template: '/directory/deletedItems/{id}',
    permission: 'readDeletedItems',
    handler: (call) => {
      const item = call.ctx.store.deletedItem(call.tenant.id, call.params.id);
      requirePermission(call.claims, READ[item.kind]);
      const entity = DELETED[item.kind];
      const response = getObject(call, { entity, allowed: ['$select'] }, withDeletedAt(item), 'directory/deletedItems');
      return { ...response, body: { '@odata.type': `#${entity.typeName}`, ...(response.body as object) } };
    },
  },
  {
    method: 'POST',
    template: '/directory/deletedItems/{id}/restore',
    permission: 'restoreDeletedItems',
    handler: (call) => {
      const item = call.ctx.store.deletedItem(call.tenant.id, call.params.id);
      requirePermission(call.claims, RESTORE[item.kind]);
      const restored = call.ctx.store.restoreDeleted(call.tenant.id, item.object.id);
      const entity = item.kind === 'user' ? USER : GROUP;
      return json(200, { '@odata.context': contextUrl(call, 'directoryObjects/$entity'), ...projectTyped(entity, restored) });
    },
  },
];
