/**
 * Object lookups shared by the routes: soft-deleted objects are simply absent (404), and objects created less
 * than faults.replicationLagMs ago are not yet visible (graph-facts: Entra replicates writes asynchronously).
 */
import { notFound } from '../errors';
import type { ObjectKind, SimGroup, SimTenant, SimUser } from '../model';
import { ENTITY_OF_KIND, type EntityType } from './entities';
import type { Call } from './http';

export function assertReplicated(call: Call, id: string): void {
  const createdAt = call.ctx.store.createdAt(call.tenant.id, id);
  if (createdAt !== undefined && call.ctx.now() - createdAt < call.ctx.faults.replicationLagMs) throw notFound(id);
}

export function visibleUser(call: Call, idOrUpn: string): SimUser {
  const user = call.ctx.store.findUser(call.tenant.id, idOrUpn);
  if (!user) throw notFound(idOrUpn);
  assertReplicated(call, user.id);
  return user;
}

export function visibleGroup(call: Call, id: string): SimGroup {
  const group = call.tenant.groups.get(id);
  if (!group) throw notFound(id);
  assertReplicated(call, group.id);
  return group;
}

export interface TypedObject {
  entity: EntityType;
  object: { id: string };
}

/** Any directory object by id with its entity type; undefined when absent or soft-deleted. */
export function directoryObject(call: Call, id: string): TypedObject | undefined {
  const kind = call.ctx.store.kindOf(call.tenant.id, id);
  const object = kind && objectsOf(call.tenant, kind).get(id);
  return kind && object ? { entity: ENTITY_OF_KIND[kind], object } : undefined;
}

function objectsOf(t: SimTenant, kind: ObjectKind): ReadonlyMap<string, { id: string }> {
  switch (kind) {
    case 'user':
      return t.users;
    case 'group':
      return t.groups;
    case 'servicePrincipal':
      return t.servicePrincipals;
    case 'application':
      return t.applications;
    case 'directoryRole':
      return t.directoryRoles;
  }
}

/** A directory object that may be referenced (added as a member): present and replicated, else 404. */
export function visibleObject(call: Call, id: string): TypedObject {
  const found = directoryObject(call, id);
  if (!found) throw notFound(id);
  assertReplicated(call, id);
  return found;
}

export function directoryObjects(call: Call, ids: Iterable<string>): TypedObject[] {
  return [...ids].flatMap((id) => directoryObject(call, id) ?? []);
}
